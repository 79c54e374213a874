package simulator

import (
	"fmt"
	"strings"

	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
)

// AADProfile is a cluster's AKS-managed Microsoft Entra ID integration, as
// the managed cluster's properties.aadProfile says it.
type AADProfile struct {
	// Managed must be true: the legacy integration (managed: false, with
	// server and client applications of one's own) is not simulated.
	Managed bool `yaml:"managed" json:"managed"`
	// EnableAzureRBAC: Azure RBAC authorizes Kubernetes requests.
	EnableAzureRBAC bool `yaml:"enableAzureRBAC,omitempty" json:"enableAzureRBAC,omitempty"`
	// TenantID is the Entra ID tenant (default: the subscriptions'
	// simulated tenant).
	TenantID string `yaml:"tenantID,omitempty" json:"tenantID,omitempty"`
	// AdminGroupObjectIDs are the Entra ID groups with cluster-admin.
	AdminGroupObjectIDs []string `yaml:"adminGroupObjectIDs,omitempty" json:"adminGroupObjectIDs,omitempty"`
}

// Workload is an application Deployment: Replicas pods labelled
// app=Name, spread over the nodes of its pools.
type Workload struct {
	Namespace string `yaml:"namespace" json:"namespace"`
	Name      string `yaml:"name" json:"name"`
	Replicas  int    `yaml:"replicas" json:"replicas"`
	// Pool pins the pods to one pool. Default: the cluster's Linux User
	// pools, or its System pools when it has none.
	Pool string `yaml:"pool,omitempty" json:"pool,omitempty"`
	// PDB is the workload's PodDisruptionBudget (policy/v1), named
	// NAME-pdb, selecting app=NAME.
	PDB *PDB `yaml:"pdb,omitempty" json:"pdb,omitempty"`
}

// PDB is a PodDisruptionBudget's spec: exactly one of MinAvailable and
// MaxUnavailable, as pod counts. One that allows no disruption
// (minAvailable at least replicas, or maxUnavailable 0) blocks every drain
// of a node that runs one of its pods.
type PDB struct {
	MinAvailable   *int `yaml:"minAvailable,omitempty" json:"minAvailable,omitempty"`
	MaxUnavailable *int `yaml:"maxUnavailable,omitempty" json:"maxUnavailable,omitempty"`
}

// pdbName is the name of a workload's PodDisruptionBudget.
func pdbName(workload string) string { return workload + "-pdb" }

// checkClusterAPI checks the fields of c that shape its Kubernetes API.
func checkClusterAPI(field string, c Cluster) []problem {
	var ps []problem
	add := func(sub, format string, args ...any) {
		ps = append(ps, problem{field + sub, fmt.Sprintf(format, args...)})
	}
	if a := c.AADProfile; a != nil {
		if !a.Managed {
			add(".aadProfile.managed", "only AKS-managed Microsoft Entra ID integration is simulated; set managed: true")
		}
		if a.TenantID != "" && !guidPattern.MatchString(a.TenantID) {
			add(".aadProfile.tenantID", "found %q, want a tenant GUID", a.TenantID)
		}
		for i, g := range a.AdminGroupObjectIDs {
			if !guidPattern.MatchString(g) {
				add(fmt.Sprintf(".aadProfile.adminGroupObjectIDs[%d]", i), "found %q, want a group object ID (a GUID)", g)
			}
		}
	}
	// ManagedClusterProperties.disableLocalAccounts: "This must only be
	// used on Managed Clusters that are AAD enabled."
	// (learn.microsoft.com/dotnet/api/microsoft.azure.management.containerservice.models.managedcluster.disablelocalaccounts)
	if c.DisableLocalAccounts && c.AADProfile == nil {
		add(".disableLocalAccounts", "local accounts can only be disabled on a cluster with Microsoft Entra ID integration; add aadProfile: {managed: true}")
	}
	seen := map[string]bool{}
	for i, w := range c.Workloads {
		wf := fmt.Sprintf(".workloads[%d]", i)
		if errs := k8svalidation.IsDNS1123Label(w.Namespace); len(errs) > 0 {
			add(wf+".namespace", "found %q: %s", w.Namespace, strings.Join(errs, "; "))
		} else if w.Namespace == "kube-system" {
			add(wf+".namespace", "kube-system holds AKS's own pods; put workloads in a namespace of their own")
		}
		// Pod names are NAME-<10>-<5>: keep them within a label's 63.
		if errs := k8svalidation.IsDNS1123Label(w.Name); len(errs) > 0 || len(w.Name) > 47 {
			add(wf+".name", "found %q, want a DNS label of at most 47 characters (lower-case letters, digits and '-')", w.Name)
		}
		key := w.Namespace + "/" + w.Name
		if seen[key] {
			add(wf+".name", "workload %s is listed twice", key)
		}
		seen[key] = true
		if w.Replicas < 0 || w.Replicas > 1000 {
			add(wf+".replicas", "found %d, want 0 to 1000", w.Replicas)
		}
		if w.Pool != "" && !hasPool(c, w.Pool) {
			add(wf+".pool", "found %q, want one of the cluster's pools", w.Pool)
		}
		if b := w.PDB; b != nil {
			switch {
			case (b.MinAvailable == nil) == (b.MaxUnavailable == nil):
				add(wf+".pdb", "a PodDisruptionBudget has exactly one of minAvailable and maxUnavailable")
			case b.MinAvailable != nil && *b.MinAvailable < 0:
				add(wf+".pdb.minAvailable", "found %d, want 0 or more", *b.MinAvailable)
			case b.MaxUnavailable != nil && *b.MaxUnavailable < 0:
				add(wf+".pdb.maxUnavailable", "found %d, want 0 or more", *b.MaxUnavailable)
			}
		}
	}
	return ps
}

func hasPool(c Cluster, name string) bool {
	for _, p := range c.NodePools {
		if p.Name == name {
			return true
		}
	}
	return false
}
