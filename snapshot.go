package aksupgrade

// Snapshot is the fleet as seen at one moment: the clusters, each region's
// version catalogue, and the rollout history. `aksupgrade plan --fleet`
// plans from one.
type Snapshot struct {
	Clusters []Cluster `json:"clusters"`
	// Catalogs maps a region ("westeurope") to its catalogue.
	Catalogs map[string]KubernetesVersionList `json:"catalogs"`
	History  History                          `json:"history,omitempty"`
}
