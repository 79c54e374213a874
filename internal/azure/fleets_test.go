package azure

import (
	"context"
	"strings"
	"testing"

	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// The provider reads Azure Kubernetes Fleet Manager memberships over the
// fleets API: members with the fleet's enabled auto-upgrade profiles and
// the unfinished update runs that include them.
func TestSimulatorFleetMemberships(t *testing.T) {
	sc := loadScenario(t, "fleet.yaml")
	sc.Subscriptions[0].Fleets = []simulator.Fleet{{
		Name: "fleet-nonprod", ResourceGroup: "rg-fleet", Location: "westeurope",
		Members: []string{"aks-dev-weu", "aks-test-weu"},
		AutoUpgradeProfiles: []simulator.FleetAutoUpgradeProfile{
			{Name: "stable", Channel: "Stable"},
			{Name: "old", Channel: "Rapid", Disabled: true},
		},
		UpdateRuns: []simulator.FleetUpdateRun{
			{Name: "run-1", State: "Running", KubernetesVersion: "1.31.4", Members: []string{"aks-test-weu"}},
			{Name: "run-0", State: "Completed", Members: []string{"aks-dev-weu"}},
		},
	}}
	e := newSimEnv(t, sc)
	ms, err := e.p.FleetMemberships(context.Background(), []string{subNonprod, subProd})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range ms {
		got[m.Member] = strings.Join(m.AutoUpgradeProfiles, ",") + " | " + strings.Join(m.UpdateRuns, ",")
		if !strings.HasSuffix(strings.ToLower(m.Fleet), "/fleets/fleet-nonprod") || !strings.Contains(strings.ToLower(m.ClusterID), "/managedclusters/"+m.Member) {
			t.Errorf("membership %+v", m)
		}
	}
	want := map[string]string{"aks-dev-weu": "stable (Stable) | ", "aks-test-weu": "stable (Stable) | run-1 (Running)"}
	if len(got) != 2 || got["aks-dev-weu"] != want["aks-dev-weu"] || got["aks-test-weu"] != want["aks-test-weu"] {
		t.Errorf("memberships %v, want %v", got, want)
	}
}
