package planner

import (
	"slices"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// A cluster whose minor left the region's catalogue is taken back into
// support in one operation that moves the control plane and every pool,
// skipping into the oldest supported minor; a later stage does the same
// with what the stage before proved, and never beyond it.
func TestOutOfSupportClusterRecoversInOneStep(t *testing.T) {
	cats := catalogs(t, map[string][]string{"westeurope": {"1.30.9", "1.30.10", "1.31.5", "1.32.2"}})
	t.Run("first stage", func(t *testing.T) {
		old := cl("sbx-1", "sandbox", "westeurope", "1.28.15")
		res := Plan(Input{Now: t0, Policy: sandboxOnly(t, 2), Catalogs: cats, Clusters: []aksupgrade.Cluster{old}})
		want := "upgradeCluster sandbox sbx-1 1.28.15->1.30.10"
		if got := actionsOf(res); !slices.Contains(got, want) {
			t.Errorf("actions %v, want %q", got, want)
		}
	})
	t.Run("later stage, from what the stage before proved", func(t *testing.T) {
		old := cl("dev-1", "dev", "westeurope", "1.27.3")
		history := aksupgrade.History{Rollouts: []aksupgrade.Rollout{
			provenIn(k8s("1.30.9"), t0.Add(-24*time.Hour), "sandbox"),
			provenIn(k8s("1.31.5"), t0.Add(-time.Hour), "sandbox"),
		}}
		res := Plan(Input{Now: t0, Policy: fourStages(t, ""), Catalogs: cats, Clusters: []aksupgrade.Cluster{old}, History: history})
		want := "upgradeCluster dev dev-1 1.27.3->1.30.9"
		if got := actionsOf(res); !slices.Contains(got, want) {
			t.Errorf("actions %v, want %q", got, want)
		}
	})
	t.Run("a supported minor takes the control plane first", func(t *testing.T) {
		c := cl("sbx-2", "sandbox", "westeurope", "1.30.9")
		res := Plan(Input{Now: t0, Policy: sandboxOnly(t, 2), Catalogs: cats, Clusters: []aksupgrade.Cluster{c}})
		for _, a := range res.Actions {
			if a.Kind == ActionUpgradeCluster {
				t.Errorf("%s for a supported cluster", a.Kind)
			}
		}
	})
}

// A target reached in a stage whose clusters all moved on to a newer
// version before its soak ended is superseded: nothing waits for it, and
// it is not shown as soaking for ever.
func TestReachedTargetEveryoneLeftIsSuperseded(t *testing.T) {
	cats := catalogs(t, map[string][]string{"westeurope": {"1.31.4", "1.31.5"}})
	c := cl("sbx-1", "sandbox", "westeurope", "1.31.5")
	history := aksupgrade.History{Rollouts: []aksupgrade.Rollout{{Target: k8s("1.31.4"),
		Stages: []aksupgrade.StageProgress{{Stage: "sandbox", StartedAt: at(t0.Add(-3 * time.Hour)), ReachedAt: at(t0.Add(-2 * time.Hour))}}}}}
	res := Plan(Input{Now: t0, Policy: sandboxOnly(t, 2), Catalogs: cats, Clusters: []aksupgrade.Cluster{c}, History: history})
	for _, tp := range res.Stages[0].Targets {
		if tp.Target == k8s("1.31.4") && tp.State != TargetSuperseded {
			t.Errorf("1.31.4 in sandbox: %s, want superseded", tp.State)
		}
	}
}
