package kube_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/kube"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// world is the simulator behind loopback HTTP, the real Azure provider
// and the package's client on it.
type world struct {
	sim   *simulator.Simulator
	clock *clock.Manual
	arm   *azure.Provider
	user  *kube.Client
	admin *kube.Client
}

func newWorld(t *testing.T) *world {
	t.Helper()
	sc, err := simulator.LoadScenario("../simulator/testdata/clusterapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(sc.Start)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	p, err := azure.New(azure.Options{Endpoint: srv.URL, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{sim: sim, clock: clk, arm: p}
	for _, admin := range []bool{false, true} {
		c, err := kube.New(kube.Options{Kubeconfig: p.Kubeconfig, Credential: p.Credential(), Clock: clk, Admin: admin})
		if err != nil {
			t.Fatal(err)
		}
		if admin {
			w.admin = c
		} else {
			w.user = c
		}
	}
	return w
}

func (w *world) id(t *testing.T, name string) string {
	t.Helper()
	e, err := w.sim.Endpoints(name)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// TestRead: nodes, pods and PodDisruptionBudgets of a local-account
// cluster and of an Entra ID one (the service's own token), read through
// credentials from Resource Manager.
func TestRead(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	local := w.id(t, "aks-local")
	nodes, err := w.user.Nodes(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	pools := map[string]int{}
	for _, n := range nodes {
		pools[n.Pool]++
		if !n.Ready || n.KubeletVersion != "v1.30.9" || n.ImageVersion == "" {
			t.Errorf("node %+v: want Ready on v1.30.9 with its image", n)
		}
	}
	if pools["system"] != 2 || pools["apps"] != 4 {
		t.Errorf("nodes by pool %v, want system 2, apps 4", pools)
	}
	pods, err := w.user.Pods(ctx, local, []string{"kube-system"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods) == 0 {
		t.Fatal("no kube-system pods")
	}
	for _, p := range pods {
		if p.Namespace != "kube-system" || !p.Ready {
			t.Errorf("pod %+v: want a Ready kube-system pod", p)
		}
	}
	pdbs, err := w.user.DisruptionBudgets(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	if len(pdbs) != 2 {
		t.Errorf("PodDisruptionBudgets %+v, want web and api", pdbs)
	}
	strict, err := w.user.DisruptionBudgets(ctx, w.id(t, "aks-strict"))
	if err != nil {
		t.Fatal(err)
	}
	if len(strict) != 1 || strict[0].DisruptionsAllowed != 0 || strict[0].ExpectedPods != 2 {
		t.Errorf("aks-strict's budgets %+v, want ledger allowing no disruption of 2 pods", strict)
	}
	entra, err := w.user.Nodes(ctx, w.id(t, "aks-entra"))
	if err != nil || len(entra) != 2 {
		t.Errorf("Entra ID cluster's nodes: %v, %v; want 2", entra, err)
	}
	if deprecated, err := w.user.DeprecatedAPIs(ctx, local); err != nil || len(deprecated) != 0 {
		t.Errorf("deprecated APIs of aks-local: %v, %v; want none", deprecated, err)
	}
}

// TestAdminRefused: the admin credential of a cluster with local
// accounts disabled is refused by Resource Manager, and said so.
func TestAdminRefused(t *testing.T) {
	w := newWorld(t)
	_, err := w.admin.Nodes(t.Context(), w.id(t, "aks-entra"))
	if err == nil {
		t.Fatal("the admin credential of a cluster without local accounts was given")
	}
	if c := aksupgrade.Code(err); c != aksupgrade.ErrInvalid && c != aksupgrade.ErrAuth {
		t.Errorf("err = %v (%s), want it refused as invalid or unauthorized", err, c)
	}
	if _, err := w.admin.Nodes(t.Context(), w.id(t, "aks-local")); err != nil {
		t.Errorf("the admin credential of a cluster with local accounts: %v", err)
	}
}

// TestCredentialsCached: a cluster's credentials are asked for once, and
// again after an hour.
func TestCredentialsCached(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	local := w.id(t, "aks-local")
	creds := func() int {
		n := 0
		for _, r := range w.sim.RequestLog() {
			if r.Method == "POST" && strings.Contains(strings.ToLower(r.Path), "listclusterusercredential") {
				n++
			}
		}
		return n
	}
	for range 3 {
		if _, err := w.user.Nodes(ctx, local); err != nil {
			t.Fatal(err)
		}
	}
	if n := creds(); n != 1 {
		t.Errorf("%d credential requests for three reads, want 1", n)
	}
	w.clock.Advance(time.Hour)
	if _, err := w.user.Nodes(ctx, local); err != nil {
		t.Fatal(err)
	}
	if n := creds(); n != 2 {
		t.Errorf("%d credential requests after an hour, want 2", n)
	}
}
