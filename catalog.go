package aksupgrade

// KubernetesVersionList is a region's version catalogue in the shape ARM's
// ListKubernetesVersions returns (api-version 2025-02-01).
type KubernetesVersionList struct {
	Values []KubernetesVersion `json:"values"`
}

// KubernetesVersion is one minor version of the catalogue with its patches.
type KubernetesVersion struct {
	// Version is the minor, "1.31".
	Version       string                  `json:"version"`
	Capabilities  KubernetesCapabilities  `json:"capabilities"`
	IsDefault     bool                    `json:"isDefault,omitempty"`
	IsPreview     bool                    `json:"isPreview,omitempty"`
	PatchVersions map[string]PatchVersion `json:"patchVersions"`
}

// KubernetesCapabilities lists the support plans a minor is offered under.
type KubernetesCapabilities struct {
	// SupportPlan holds KubernetesOfficial and/or AKSLongTermSupport.
	SupportPlan []string `json:"supportPlan"`
}

// PatchVersion lists the versions a patch can be upgraded to directly.
type PatchVersion struct {
	Upgrades []string `json:"upgrades"`
}

// Support plans.
const (
	SupportPlanOfficial = "KubernetesOfficial"
	SupportPlanLTS      = "AKSLongTermSupport"
)

// Lists reports whether the catalogue offers the patch ("1.31.5") in any
// of its minors.
func (l KubernetesVersionList) Lists(patch string) bool {
	for _, kv := range l.Values {
		if _, ok := kv.PatchVersions[patch]; ok {
			return true
		}
	}
	return false
}
