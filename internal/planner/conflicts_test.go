package planner

import (
	"strings"
	"testing"
	"time"

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

// The estimate uses each pool's own upgradeSettings, which AKS upgrades
// it with; the stage's only where the pool reports none.
func TestEstimateUsesThePoolsOwnUpgradeSettings(t *testing.T) {
	cats := catalogs(t, map[string][]string{"westeurope": {"1.31.4", "1.31.5"}})
	estimate := func(own *aksupgrade.PoolUpgradeSettings) time.Duration {
		c := cl("sbx-1", "sandbox", "westeurope", "1.31.4")
		c.NodePools = []aksupgrade.NodePool{{Name: "system", Mode: "System", Count: 10, KubernetesVersion: "1.31.4", UpgradeSettings: own}}
		res := Plan(Input{Now: t0, Policy: sandboxOnly(t, 2), Catalogs: cats, Clusters: []aksupgrade.Cluster{c}})
		for _, a := range res.Actions {
			if a.Kind == ActionUpgradeControlPlane {
				return time.Duration(a.Estimate)
			}
		}
		t.Fatalf("no control plane upgrade in %v", actionsOf(res))
		return 0
	}
	// The stage's default maxSurge 10% of 10 nodes: 10 batches of 8 minutes.
	if got, want := estimate(nil), ControlPlaneDuration+10*BatchDuration; got != want {
		t.Errorf("no settings of its own: %s, want %s", got, want)
	}
	// 50%: 2 batches, each with a 5 minute node soak.
	if got, want := estimate(&aksupgrade.PoolUpgradeSettings{MaxSurge: "50%", NodeSoakDurationInMinutes: 5}), ControlPlaneDuration+2*(BatchDuration+5*time.Minute); got != want {
		t.Errorf("maxSurge 50%%, soak 5m: %s, want %s", got, want)
	}
}

// A member of a Fleet Manager fleet that upgrades it (an enabled
// auto-upgrade profile, an unfinished update run) is a conflict; a member
// of a fleet that upgrades nothing is managed.
func TestFleetManagerMemberIsAConflict(t *testing.T) {
	cats := catalogs(t, map[string][]string{"westeurope": {"1.31.4", "1.31.5"}})
	fleet := "/subscriptions/" + sub + "/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/fleets/fleet-1"
	c := cl("sbx-1", "sandbox", "westeurope", "1.31.4")
	c.Fleet = &aksupgrade.FleetMembership{ClusterID: c.ID, Fleet: fleet, Member: "sbx-1", UpdateRuns: []string{"run-1 (Running)"}}
	res := Plan(Input{Now: t0, Policy: sandboxOnly(t, 2), Catalogs: cats, Clusters: []aksupgrade.Cluster{c}})
	if len(res.Conflicts) != 1 || !strings.Contains(res.Conflicts[0].Reason, "fleet fleet-1, whose update runs run-1 (Running) upgrade it") {
		t.Errorf("conflicts %+v", res.Conflicts)
	}
	if len(res.Actions) != 0 {
		t.Errorf("actions %v on a cluster Fleet Manager upgrades", actionsOf(res))
	}
	c.Fleet.UpdateRuns = nil
	if res := Plan(Input{Now: t0, Policy: sandboxOnly(t, 2), Catalogs: cats, Clusters: []aksupgrade.Cluster{c}}); len(res.Conflicts) != 0 {
		t.Errorf("a member of a fleet that upgrades nothing: conflicts %+v", res.Conflicts)
	}
}
