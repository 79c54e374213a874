package planner

import (
	"strings"
	"testing"

	"github.com/aksupgrade/aksupgrade"
)

// A cluster on the NodeImage or SecurityPatch node OS channel gets node
// images from AKS that no earlier stage proved: it is a conflict, with
// what to change, unless the policy leaves node images to AKS.
func TestNodeOSChannelThatReimagesIsAConflict(t *testing.T) {
	cats := catalogs(t, map[string][]string{"westeurope": {"1.31.4", "1.31.5"}})
	for _, ch := range []string{"NodeImage", "SecurityPatch"} {
		c := cl("sbx-1", "sandbox", "westeurope", "1.31.4")
		c.NodeOSUpgradeChannel = ch
		res := Plan(Input{Now: t0, Policy: sandboxOnly(t, 2), Catalogs: cats, Clusters: []aksupgrade.Cluster{c}})
		if len(res.Conflicts) != 1 || !strings.Contains(res.Conflicts[0].Reason, "--node-os-upgrade-channel None") {
			t.Errorf("%s: conflicts %+v, want sbx-1 with what to change", ch, res.Conflicts)
		}
		if cp := clusterPlan(t, res, "sbx-1"); cp.State != ClusterConflict || !strings.Contains(cp.Reason, "node OS channel "+ch) {
			t.Errorf("%s: plan row %s %q", ch, cp.State, cp.Reason)
		}
		if len(res.Actions) != 0 {
			t.Errorf("%s: actions %v on a cluster AKS reimages", ch, actionsOf(res))
		}
	}
	for _, ch := range []string{"None", "Unmanaged", ""} {
		c := cl("sbx-1", "sandbox", "westeurope", "1.31.4")
		c.NodeOSUpgradeChannel = ch
		if res := Plan(Input{Now: t0, Policy: sandboxOnly(t, 2), Catalogs: cats, Clusters: []aksupgrade.Cluster{c}}); len(res.Conflicts) != 0 {
			t.Errorf("%q: conflicts %+v", ch, res.Conflicts)
		}
	}
	c := cl("sbx-1", "sandbox", "westeurope", "1.31.4")
	c.NodeOSUpgradeChannel = "NodeImage"
	pol := mustPolicy(t, "kubernetes: {channel: stable}\nnodeImage: {channel: none}\nstages:\n"+stageYAML("sandbox", ""))
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{c}})
	if len(res.Conflicts) != 0 || len(res.Actions) == 0 {
		t.Errorf("node images left to AKS: conflicts %+v, actions %v; want the Kubernetes upgrade planned", res.Conflicts, actionsOf(res))
	}
}
