package planner

import (
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
