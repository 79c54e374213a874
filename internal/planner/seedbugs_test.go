package planner

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// The seed implementation (an Azure Durable Function, DESIGN.md §1) had
// these bugs; each subtest shows the planner cannot make them. Several
// are covered at length elsewhere; this file names them in one place.
func TestSeedBugs(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, twoRegions)

	t.Run("tested version recorded when the sandbox upgrade starts", func(t *testing.T) {
		// The start is recorded as started, never as reached or proven.
		res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.31.2")}})
		for _, a := range res.Actions {
			if a.Kind == ActionRecordReached || a.Kind == ActionRecordProven {
				if a.Target == k8s("1.31.4") {
					t.Errorf("%s of 1.31.4 at the start of its upgrade", a.Kind)
				}
			}
		}
	})

	t.Run("upgrade never awaited", func(t *testing.T) {
		// See TestStartedUpgradeProvesNothing: busy or half-upgraded
		// clusters keep the target from being reached.
		sbx := cl("sbx-1", "sandbox", "westeurope", "1.31.4")
		sbx.NodePools[1].KubernetesVersion = "1.31.2"
		started := aksupgrade.History{Rollouts: []aksupgrade.Rollout{{Target: k8s("1.31.4"), Stages: []aksupgrade.StageProgress{{Stage: "sandbox", StartedAt: at(t0.Add(-time.Hour))}}}}}
		res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{sbx}, History: started})
		if got := actionsOf(res); !cmp.Equal(got, []string{"upgradeNodePool sandbox sbx-1/user 1.31.2->1.31.4"}) {
			t.Errorf("actions = %v, want the pending pool and no record", got)
		}
	})

	t.Run("environment matched by substring", func(t *testing.T) {
		res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{cl("np-1", "nonprod", "westeurope", "1.31.2"), cl("pre-1", "preprod", "westeurope", "1.31.2")}})
		if len(res.Unmanaged) != 2 {
			t.Errorf("unmanaged = %+v, want both: prod matches neither nonprod nor preprod", res.Unmanaged)
		}
	})

	t.Run("version list assumed sorted", func(t *testing.T) {
		// Newest listed last, first and in the middle: the planner takes
		// the newest patch of N-1 wherever it is listed.
		for _, order := range [][]string{
			{"1.32.1", "1.31.4", "1.31.2", "1.30.7"},
			{"1.30.7", "1.31.2", "1.31.4", "1.32.1"},
			{"1.31.2", "1.32.1", "1.30.7", "1.31.4"},
		} {
			l := catalogList(order...)
			l.Values[0], l.Values[len(l.Values)-1] = l.Values[len(l.Values)-1], l.Values[0]
			c, err := version.NewCatalog(l)
			if err != nil {
				t.Fatal(err)
			}
			res := Plan(Input{Now: t0, Policy: pol, Catalogs: map[string]*version.Catalog{"westeurope": c},
				Clusters: []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.30.7")}})
			if got := actionsOf(res); len(got) != 2 || got[1] != "upgradeControlPlane sandbox sbx-1 1.30.7->1.31.4" {
				t.Errorf("catalogue %v: actions %v, want 1.30.7 -> 1.31.4", order, got)
			}
		}
	})

	t.Run("minor skipped", func(t *testing.T) {
		rapid := mustPolicy(t, "kubernetes: {channel: rapid, minorUpgrades: auto}\nstages:\n"+stageYAML("sandbox", ""))
		res := Plan(Input{Now: t0, Policy: rapid, Catalogs: cats, Clusters: []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.29.9")}})
		if got := actionsOf(res); !cmp.Equal(got, []string{"recordStarted sandbox 1.30.7", "upgradeControlPlane sandbox sbx-1 1.29.9->1.30.7"}) {
			t.Errorf("actions = %v, want 1.29 -> 1.30 first, on the way to 1.32", got)
		}
	})

	t.Run("one global row for every cluster", func(t *testing.T) {
		// Proven per stage: proven in sandbox lets dev move, not test.
		res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats,
			Clusters: []aksupgrade.Cluster{cl("dev-1", "dev", "westeurope", "1.31.2"), cl("test-1", "test", "westeurope", "1.31.2")},
			History:  aksupgrade.History{Rollouts: []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "sandbox")}}})
		for _, a := range res.Actions {
			if a.Stage == "test" && a.Cluster != "" {
				t.Errorf("test got %s before dev proved it", a.To)
			}
		}
	})

	t.Run("downgrade", func(t *testing.T) {
		// A cluster ahead of the channel (stable wants 1.31.4) stays.
		res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.32.1"), cl("dev-1", "dev", "westeurope", "1.32.1")},
			History: aksupgrade.History{Rollouts: []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "sandbox")}}})
		for _, a := range res.Actions {
			if a.Cluster != "" {
				t.Errorf("action %s %s -> %s on a cluster ahead of its target", a.Kind, a.From, a.To)
			}
		}
		if cp := clusterPlan(t, res, "dev-1"); cp.State != ClusterUpToDate {
			t.Errorf("dev-1 = %s, want up to date", cp.State)
		}
	})
}
