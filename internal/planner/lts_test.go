package planner

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// A prod cluster on the LTS plan cannot take a version LTS does not offer:
// it is held with the one change that would let it follow, and the stage
// reaches the target without it instead of rolling for ever.
func TestLTSClusterIsHeldNotAwaited(t *testing.T) {
	l := catalogList("1.30.9", "1.30.10", "1.31.4", "1.31.5")
	for i := range l.Values {
		if l.Values[i].Version == "1.30" {
			l.Values[i].Capabilities.SupportPlan = append(l.Values[i].Capabilities.SupportPlan, aksupgrade.SupportPlanLTS)
		}
	}
	cat, err := version.NewCatalog(l)
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]*version.Catalog{"westeurope": cat}
	lts := cl("prod-lts", "prod", "westeurope", "1.30.10")
	lts.SupportPlan = aksupgrade.SupportPlanLTS
	official := cl("prod-1", "prod", "westeurope", "1.31.4")
	history := aksupgrade.History{Rollouts: []aksupgrade.Rollout{provenIn(k8s("1.31.5"), t0.Add(-time.Hour), "sandbox", "dev", "test")}}
	res := Plan(Input{Now: t0, Policy: fourStages(t, ""), Catalogs: cats, Clusters: []aksupgrade.Cluster{lts, official}, History: history})
	cp := clusterPlan(t, res, "prod-lts")
	if cp.State != ClusterHeld || !strings.Contains(cp.Reason, "az aks update --k8s-support-plan KubernetesOfficial") || !strings.Contains(cp.Reason, "does not wait for it") {
		t.Errorf("prod-lts: %s %q, want held with the change that lets it follow", cp.State, cp.Reason)
	}
	for _, st := range res.Stages {
		if st.Name != "prod" {
			continue
		}
		for _, tp := range st.Targets {
			if tp.Target == k8s("1.31.5") && tp.Pending != 1 {
				t.Errorf("1.31.5 in prod waits for %d clusters, want prod-1 only", tp.Pending)
			}
		}
	}
}

// An LTS cluster whose own upgrade profile offers the next LTS version
// jumps to it in one whole-cluster upgrade, in the first stage towards the
// channel's goal and in a later stage only to what the stage before
// proved; without the profile's offer it goes minor by minor.
func TestLTSToTheNextLTSInOneStep(t *testing.T) {
	l := catalogList("1.27.16", "1.28.15", "1.29.14", "1.30.9", "1.30.10")
	for i := range l.Values {
		if v := l.Values[i].Version; v == "1.27" || v == "1.30" {
			l.Values[i].Capabilities.SupportPlan = append(l.Values[i].Capabilities.SupportPlan, aksupgrade.SupportPlanLTS)
		}
		if v := l.Values[i].Version; v == "1.28" || v == "1.29" {
			l.Values[i].Capabilities.SupportPlan = []string{aksupgrade.SupportPlanOfficial, aksupgrade.SupportPlanLTS}
		}
	}
	cat, err := version.NewCatalog(l)
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]*version.Catalog{"westeurope": cat}
	lts := func(name, env string, offers ...string) aksupgrade.Cluster {
		c := cl(name, env, "westeurope", "1.27.16")
		c.SupportPlan, c.Upgrades = aksupgrade.SupportPlanLTS, offers
		return c
	}
	rapid := mustPolicy(t, "kubernetes: {channel: rapid, minorUpgrades: auto}\nstages:\n"+stageYAML("sandbox", ""))
	res := Plan(Input{Now: t0, Policy: rapid, Catalogs: cats, Clusters: []aksupgrade.Cluster{lts("sbx-1", "sandbox", "1.28.15", "1.30.9", "1.30.10")}})
	if got, want := actionsOf(res), "upgradeCluster sandbox sbx-1 1.27.16->1.30.10"; !slices.Contains(got, want) {
		t.Errorf("first stage: actions %v, want %q", got, want)
	}
	res = Plan(Input{Now: t0, Policy: rapid, Catalogs: cats, Clusters: []aksupgrade.Cluster{lts("sbx-1", "sandbox")}})
	if got, want := actionsOf(res), "upgradeControlPlane sandbox sbx-1 1.27.16->1.28.15"; !slices.Contains(got, want) {
		t.Errorf("without the profile's offer: actions %v, want %q", got, want)
	}
	history := aksupgrade.History{Rollouts: []aksupgrade.Rollout{provenIn(k8s("1.30.9"), t0.Add(-time.Hour), "sandbox")}}
	res = Plan(Input{Now: t0, Policy: fourStages(t, ""), Catalogs: cats, Clusters: []aksupgrade.Cluster{lts("dev-1", "dev", "1.28.15", "1.30.9", "1.30.10")}, History: history})
	if got, want := actionsOf(res), "upgradeCluster dev dev-1 1.27.16->1.30.9"; !slices.Contains(got, want) {
		t.Errorf("later stage: actions %v, want %q (what sandbox proved)", got, want)
	}
}
