package gates_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/gates"
	"github.com/aksupgrade/aksupgrade/internal/kube"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// world is the simulator's clusters, read as serve reads them: the Azure
// provider, client-go through credentials from ARM, the simulated
// Prometheus.
type world struct {
	sim     *simulator.Simulator
	clock   *clock.Manual
	checker *gates.Checker
	prov    *azure.Provider
	base    string
}

func newWorld(t *testing.T, change ...func(*simulator.Scenario)) *world {
	t.Helper()
	sc, err := simulator.LoadScenario("../simulator/testdata/clusterapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range change {
		f(sc)
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
	api, err := kube.New(kube.Options{Kubeconfig: p.Kubeconfig, Credential: p.Credential(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	k := gates.New(gates.Options{API: api, Capacity: p, Clock: clk})
	return &world{sim: sim, clock: clk, checker: k, prov: p, base: srv.URL}
}

func (w *world) cluster(t *testing.T, name string) aksupgrade.Cluster {
	t.Helper()
	e, err := w.sim.Endpoints(name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.prov.Cluster(context.Background(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func kube131() aksupgrade.Target {
	return aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.4"}
}

// one returns the result of gate g among rs.
func one(t *testing.T, rs []aksupgrade.GateResult, g aksupgrade.GateKind) aksupgrade.GateResult {
	t.Helper()
	for _, r := range rs {
		if r.Gate == g {
			return r
		}
	}
	t.Fatalf("no %s result among %+v", g, rs)
	return aksupgrade.GateResult{}
}

// TestDeprecatedAPIs: requests to an API the target minor removes block a
// minor upgrade, named; a patch, or a minor that keeps the API, passes.
func TestDeprecatedAPIs(t *testing.T) {
	w := newWorld(t)
	w.sim.AddFault(simulator.Fault{Kind: simulator.FaultDeprecatedAPI, Cluster: "aks-entra",
		Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta3", Resource: "flowschemas", RemovedRelease: "1.32"})
	c := w.cluster(t, "aks-entra") // on 1.30.9
	g := policy.DefaultGates()
	to := func(v string) aksupgrade.GateResult {
		return one(t, w.checker.Preflight(t.Context(), c, aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: v}, g), aksupgrade.GateDeprecatedAPIs)
	}
	if r := to("1.32.0"); !r.Blocks() || !strings.Contains(r.Saw, "flowcontrol.apiserver.k8s.io/v1beta3 flowschemas") {
		t.Errorf("to 1.32.0: %+v, want blocked, naming the API", r)
	}
	if r := to("1.31.4"); r.Verdict != aksupgrade.GatePassed {
		t.Errorf("to 1.31.4 (keeps the API): %+v, want passed", r)
	}
	if r := to("1.30.10"); r.Verdict != aksupgrade.GatePassed || !strings.Contains(r.Saw, "not a minor upgrade") {
		t.Errorf("to 1.30.10: %+v, want passed as a patch", r)
	}
}

// TestPodsAndQueries: a crash-looping system pod fails the pods gate once
// it restarted more than allowed since the gate first saw it; a breaching
// series fails a query gate; warn mode never blocks.
func TestPodsAndQueries(t *testing.T) {
	w := newWorld(t)
	no := false
	w.sim.AddFault(simulator.Fault{Kind: simulator.FaultSystemPodCrashLoop, Cluster: "aks-local", Pod: "coredns", AfterUpgrade: &no})
	breach := 0.2
	w.sim.AddFault(simulator.Fault{Kind: simulator.FaultMetricBreach, Cluster: "aks-local", Metric: "aks_app_error_ratio", Value: &breach, AfterUpgrade: &no})
	c := w.cluster(t, "aks-local")
	g := policy.Gates{
		Pods: policy.PodsGate{Mode: aksupgrade.GateBlock, Namespaces: []string{"kube-system"}, MaxRestarts: 3},
		Queries: []policy.Query{
			{Name: "errors", URL: w.base + "/prometheus", Auth: "none", Query: `aks_app_error_ratio{cluster="{cluster}"} > 0.05`, Mode: aksupgrade.GateBlock},
			{Name: "errors-warn", URL: w.base + "/prometheus", Auth: "none", Query: `aks_app_error_ratio{cluster="{cluster}"} > 0.05`, Mode: aksupgrade.GateWarn},
		},
	}
	rs := w.checker.Postflight(t.Context(), c, aksupgrade.Target{}, g)
	if r := one(t, rs, aksupgrade.GatePods); !r.Blocks() || !strings.Contains(r.Saw, "coredns") {
		t.Errorf("pods: %+v, want coredns not Ready", r)
	}
	var q, warn aksupgrade.GateResult
	for _, r := range rs {
		switch r.Name {
		case "errors":
			q = r
		case "errors-warn":
			warn = r
		}
	}
	if !q.Blocks() || !strings.Contains(q.Saw, `cluster="aks-local"`) || !strings.Contains(q.Saw, "0.2") {
		t.Errorf("query: %+v, want the breaching series", q)
	}
	if warn.Verdict != aksupgrade.GateFailed || warn.Blocks() {
		t.Errorf("warn-mode query: %+v, want failed and not blocking", warn)
	}
	// A healthy cluster passes both.
	other := w.cluster(t, "aks-strict")
	for _, r := range w.checker.Postflight(t.Context(), other, aksupgrade.Target{}, g) {
		if r.Verdict != aksupgrade.GatePassed {
			t.Errorf("aks-strict's %s %s: %+v, want passed", r.Gate, r.Name, r)
		}
	}
	// Restarts count from when the gate first saw the pods: a pod that
	// keeps crashing fails on its restarts too.
	w.clock.Advance(30 * time.Minute)
	r := one(t, w.checker.Postflight(t.Context(), c, aksupgrade.Target{}, g), aksupgrade.GatePods)
	if !r.Blocks() || !strings.Contains(r.Saw, "coredns") {
		t.Errorf("pods after 30m of crashing: %+v, want coredns failing", r)
	}
}

// TestCannotLook: a cluster whose API does not answer (stopped) and a
// checker with no cluster access give "unknown", which blocks, and says
// so in words.
func TestCannotLook(t *testing.T) {
	w := newWorld(t)
	g := policy.DefaultGates()
	r := one(t, w.checker.Postflight(t.Context(), w.cluster(t, "aks-off"), kube131(), g), aksupgrade.GateNodes)
	if r.Verdict != aksupgrade.GateUnknown || !r.Blocks() || !strings.HasPrefix(r.Saw, "could not look") {
		t.Errorf("stopped cluster: %+v, want unknown, blocking, saying it could not look", r)
	}
	bare := gates.New(gates.Options{Clock: w.clock})
	r = one(t, bare.Preflight(t.Context(), w.cluster(t, "aks-local"), kube131(), g), aksupgrade.GateDrainBlockers)
	if r.Verdict != aksupgrade.GateUnknown || !strings.Contains(r.Saw, "no access to the clusters' own APIs") || r.Fix == "" {
		t.Errorf("no cluster access: %+v, want unknown with what to do", r)
	}
}

// TestSurgeCapacity: the regional vCPU quota against the surge of the
// cluster's biggest pool (maxSurge nodes of its VM size), from the
// simulated Microsoft.Compute usages.
func TestSurgeCapacity(t *testing.T) {
	g := policy.DefaultGates()
	g.Surge = policy.UpgradeSettings{MaxSurge: "2"}
	for _, tc := range []struct {
		quota int
		want  aksupgrade.GateVerdict
	}{{10000, aksupgrade.GatePassed}, {1, aksupgrade.GateFailed}} {
		w := newWorld(t, func(sc *simulator.Scenario) {
			for i := range sc.Regions {
				sc.Regions[i].VCPUQuota = tc.quota
			}
		})
		r := one(t, w.checker.Preflight(t.Context(), w.cluster(t, "aks-local"), kube131(), g), aksupgrade.GateSurgeCapacity)
		if r.Verdict != tc.want || r.Mode != aksupgrade.GateWarn {
			t.Errorf("quota %d: %+v, want %s in warn mode", tc.quota, r, tc.want)
		}
		if tc.want == aksupgrade.GateFailed && (!strings.Contains(r.Saw, "QuotaExceeded") || r.Fix == "") {
			t.Errorf("quota %d: %q, want it to say AKS would refuse, and what to do", tc.quota, r.Saw)
		}
	}
}
