package azure

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// scenarioWith is fleet.yaml with aks-test-weu changed.
func scenarioWith(t *testing.T, change func(*simulator.Cluster)) *simulator.Scenario {
	t.Helper()
	sc := loadScenario(t, "fleet.yaml")
	for i := range sc.Subscriptions[0].Clusters {
		if c := &sc.Subscriptions[0].Clusters[i]; c.Name == "aks-test-weu" {
			change(c)
		}
	}
	return sc
}

// A cluster on a minor the region no longer lists cannot move its control
// plane alone; the whole-cluster step takes it, with every pool, into the
// oldest supported minor in one operation.
func TestSimulatorWholeClusterStepRecoversAnOutOfSupportCluster(t *testing.T) {
	e := newSimEnv(t, scenarioWith(t, func(c *simulator.Cluster) {
		c.KubernetesVersion = "1.28.15"
		c.NodePools = append(c.NodePools, simulator.NodePool{Name: "apps", Count: 3})
	}))
	ctx := context.Background()
	_, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.30.10"})
	if e := codeError(t, err, aksupgrade.ErrVersionNotAvailable); !strings.Contains(e.Message, "control plane and all agent pools together") {
		t.Errorf("control-plane-only refusal says %q", e.Message)
	}
	op, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepCluster, ClusterID: testID, Version: "1.30.10"})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.await(e.p, op); st.State != aksupgrade.OperationSucceeded {
		t.Fatalf("status %+v", st)
	}
	c := e.cluster(testID)
	if c.KubernetesVersion != "1.30.10" {
		t.Errorf("control plane %s, want 1.30.10", c.KubernetesVersion)
	}
	for name, v := range poolVersions(c) {
		if v != "1.30.10" {
			t.Errorf("pool %s runs %s, want 1.30.10", name, v)
		}
	}
	accepted := 0
	for _, r := range e.requests(http.MethodPut, "aks-test-weu") {
		if r.Status < 300 {
			accepted++
		}
	}
	if accepted != 1 {
		t.Errorf("%d PUTs accepted, want one for the whole cluster", accepted)
	}
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepCluster, ClusterID: testID, Version: "1.30.10"})
	wantCode(t, err, aksupgrade.ErrAlreadyDone)
}

// The managed cluster PUT leaves out what az aks upgrade leaves out: a
// service principal's clientId without its secret (refused by AKS) and a
// forceUpgrade override left on the cluster (which would bypass AKS's
// deprecated-API block).
func TestSimulatorClusterPutIsWhatTheCLISends(t *testing.T) {
	t.Run("service principal", func(t *testing.T) {
		e := newSimEnv(t, scenarioWith(t, func(c *simulator.Cluster) { c.ServicePrincipal = "5d1c3b4e-0000-4000-8000-000000000001" }))
		op, err := e.p.Start(context.Background(), aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.31.4"})
		if err != nil {
			t.Fatalf("upgrade of a service principal cluster: %v", err)
		}
		if st := e.await(e.p, op); st.State != aksupgrade.OperationSucceeded {
			t.Fatalf("status %+v", st)
		}
	})
	t.Run("forceUpgrade left on the cluster", func(t *testing.T) {
		e := newSimEnv(t, scenarioWith(t, func(c *simulator.Cluster) { c.ForceUpgrade = true }))
		e.sim.AddFault(simulator.Fault{Kind: simulator.FaultDeprecatedAPI, Cluster: "aks-test-weu"})
		_, err := e.p.Start(context.Background(), aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.31.4"})
		wantCode(t, err, aksupgrade.ErrDeprecatedAPI)
	})
}

// On the LTS plan the cluster's own upgrade profile offers the next LTS
// version beyond the next minor: discovery reads it (Upgrades), AKS takes
// the jump as one whole-cluster upgrade and refuses it for the control
// plane alone.
func TestSimulatorLTSToTheNextLTS(t *testing.T) {
	sc := scenarioWith(t, func(c *simulator.Cluster) {
		c.KubernetesVersion, c.Tier, c.SupportPlan = "1.30.10", "Premium", "AKSLongTermSupport"
	})
	for i := range sc.Regions {
		if sc.Regions[i].Name == "westeurope" {
			for j := range sc.Regions[i].KubernetesVersions {
				if v := &sc.Regions[i].KubernetesVersions[j]; v.Version == "1.32" {
					v.SupportPlans = []string{"KubernetesOfficial", "AKSLongTermSupport"}
				}
			}
		}
	}
	e := newSimEnv(t, sc)
	ctx := context.Background()
	c := e.cluster(testID)
	if err := e.p.NodeImages(ctx, &c); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Upgrades, "1.32.1") {
		t.Fatalf("upgrades of an LTS 1.30 cluster %v, want the next LTS version 1.32.1 among them", c.Upgrades)
	}
	_, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.32.1"})
	wantCode(t, err, aksupgrade.ErrVersionNotAvailable)
	op, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepCluster, ClusterID: testID, Version: "1.32.1"})
	if err != nil {
		t.Fatal(err)
	}
	if st := e.await(e.p, op); st.State != aksupgrade.OperationSucceeded {
		t.Fatalf("status %+v", st)
	}
	if got := e.cluster(testID); got.KubernetesVersion != "1.32.1" || got.NodePools[0].KubernetesVersion != "1.32.1" {
		t.Errorf("after the jump: %s, pool %s", got.KubernetesVersion, got.NodePools[0].KubernetesVersion)
	}
}
