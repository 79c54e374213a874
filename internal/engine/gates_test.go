package engine_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// newGatesHarness runs the gates scenario with the stages' gates on,
// through each cluster's simulated Kubernetes API and probe URL.
func newGatesHarness(t *testing.T, faults ...simulator.Fault) *harness {
	t.Helper()
	h := newHarness(t, "testdata/gates-scenario.yaml", "testdata/gates-policy.yaml")
	raw, err := os.ReadFile("testdata/gates-policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse("gates-policy.yaml", []byte(strings.ReplaceAll(string(raw), "http://simulator.invalid", h.srv.URL)))
	if err != nil {
		t.Fatal(err)
	}
	h.pol, h.gates = pol, true
	for _, f := range faults {
		h.sim.AddFault(f)
	}
	h.restart()
	return h
}

// writesTo counts the upgrade requests ARM accepted for a cluster.
func (h *harness) writesTo(cluster string) int {
	n := 0
	for _, r := range h.sim.Requests() {
		if (r.Method == "PUT" || r.Method == "POST") && r.Status/100 == 2 &&
			strings.Contains(strings.ToLower(r.Path), "/managedclusters/"+cluster) && !strings.Contains(strings.ToLower(r.Path), "credential") {
			n++
		}
	}
	return n
}

// progress returns the stage's progress towards 1.31.5.
func (h *harness) progress(stage string) *aksupgrade.StageProgress {
	h.t.Helper()
	hist, err := h.st.History(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return hist.Progress(stage, aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.5"})
}

// events returns the stored events of type typ.
func (h *harness) events(typ aksupgrade.EventType) []store.Event {
	h.t.Helper()
	evs, err := h.st.Events(context.Background(), 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []store.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// TestGatesPass: with healthy clusters the target goes through both
// stages, and each proof keeps what the gates saw.
func TestGatesPass(t *testing.T) {
	h := newGatesHarness(t)
	h.run(h.clk.Now().Add(3*24*time.Hour), nil, nil)
	for _, stage := range []string{"dev", "prod"} {
		sp := h.progress(stage)
		if sp == nil || sp.ProvenAt == nil {
			t.Fatalf("%s: %+v, want 1.31.5 proven", stage, sp)
		}
		lines := strings.Join(sp.Gates, "\n")
		for _, want := range []string{"nodes passed", "pods passed", "web passed"} {
			if !strings.Contains(lines, want) {
				t.Errorf("%s's proof: gates %q lack %q", stage, sp.Gates, want)
			}
		}
	}
	// The evidence is in the store: a restarted engine reads it back.
	h.restart()
	if sp := h.progress("dev"); !strings.Contains(strings.Join(sp.Gates, "\n"), "nodes passed") {
		t.Errorf("after a restart, dev's gates are %q", sp.Gates)
	}
}

// TestPreflightBlocks: a PodDisruptionBudget that allows no disruption
// keeps its cluster from the upgrade before anything of it is touched;
// people are told once; the stage does not pass it; once the budget is
// fixed, the cluster is upgraded and the target moves on.
func TestPreflightBlocks(t *testing.T) {
	h := newGatesHarness(t, simulator.Fault{ID: "pdb", Kind: simulator.FaultPDBBlocksDrain, Cluster: "dev-2", Namespace: "shop", Name: "web"})
	h.run(h.clk.Now().Add(2*24*time.Hour), nil, nil)
	if n := h.writesTo("dev-2"); n != 0 {
		t.Errorf("%d upgrade requests for dev-2 while its preflight blocked, want none", n)
	}
	if h.writesTo("dev-1") == 0 {
		t.Error("dev-1, whose gates pass, was not upgraded")
	}
	if sp := h.progress("dev"); sp != nil && sp.ReachedAt != nil {
		t.Errorf("dev reached 1.31.5 with dev-2 waiting: %+v", sp)
	}
	if h.writesTo("prod-1") != 0 {
		t.Error("prod-1 was upgraded although dev never proved 1.31.5")
	}
	blocked := h.events(aksupgrade.EventGateBlocked)
	if len(blocked) != 1 {
		t.Fatalf("%d gate.blocked events, want one (told once)", len(blocked))
	}
	runs, err := h.st.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range runs {
		if aksupgrade.ClusterName(r.ClusterID) == "dev-2" {
			found = true
			if r.State != store.RunGated || !strings.Contains(r.Reason, "shop/web") {
				t.Errorf("dev-2's run %+v, want gated, naming shop/web", r)
			}
		}
	}
	if !found {
		t.Error("dev-2 has no run saying why it waits")
	}
	// The plan says so too: dev-2 is gated, with what the gates saw.
	res, _ := h.eng.LastPlan()
	if res == nil {
		t.Fatal("no plan")
	}
	for _, st := range res.Stages {
		for _, c := range st.Clusters {
			if c.Name == "dev-2" && (c.State != planner.ClusterGated || !strings.Contains(c.Reason, "shop/web")) {
				t.Errorf("dev-2 in the plan: %s %q, want gated, naming shop/web", c.State, c.Reason)
			}
		}
	}
	h.sim.ClearFault("pdb")
	h.run(h.clk.Now().Add(3*24*time.Hour), nil, nil)
	if h.writesTo("dev-2") == 0 {
		t.Error("dev-2 was not upgraded once its budget allowed a disruption")
	}
	if sp := h.progress("prod"); sp == nil || sp.ProvenAt == nil {
		t.Errorf("prod after the fix: %+v, want 1.31.5 proven", sp)
	}
}

// TestPostflightHalts: a node NotReady after dev-1's upgrade halts dev,
// with the gate's words; 1.31.5 is neither proven in dev nor sent to
// prod. After the fix and a retry, dev reaches it again and soaks again
// from then.
func TestPostflightHalts(t *testing.T) {
	h := newGatesHarness(t, simulator.Fault{ID: "node", Kind: simulator.FaultNodeNotReady, Cluster: "dev-1", Pool: "apps"})
	h.run(h.clk.Now().Add(2*24*time.Hour), nil, nil)
	sp := h.progress("dev")
	if sp == nil || sp.Halt == nil || !strings.Contains(sp.Halt.Reason, "nodes") || aksupgrade.ClusterName(sp.Halt.Cluster) != "dev-1" {
		t.Fatalf("dev: %+v, want halted by the nodes gate on dev-1", sp)
	}
	if sp.ProvenAt != nil {
		t.Error("dev proved 1.31.5 with a node NotReady")
	}
	// The gates watch the soak: the halt comes within a round of the
	// upgrade, not at the end of the soak.
	if sp.ReachedAt != nil && !sp.Halt.At.Before(sp.ReachedAt.Add(time.Hour)) {
		t.Errorf("dev halted at %s, reached at %s: want the halt within a gate round, during the soak", sp.Halt.At, sp.ReachedAt)
	}
	if n := h.writesTo("prod-1"); n != 0 {
		t.Errorf("%d upgrade requests for prod-1 after dev failed its gates, want none", n)
	}
	haltedAt := sp.Halt.At
	h.sim.ClearFault("node")
	if err := h.eng.Retry(context.Background(), "dev", "alice"); err != nil {
		t.Fatal(err)
	}
	h.run(h.clk.Now().Add(3*24*time.Hour), nil, nil)
	sp = h.progress("dev")
	if sp.ProvenAt == nil || sp.ReachedAt == nil || sp.ReachedAt.Before(haltedAt) {
		t.Errorf("dev after the retry: %+v, want reached again after the halt at %s, and proven", sp, haltedAt)
	}
	if sp.ProvenAt != nil && sp.ReachedAt != nil && sp.ProvenAt.Sub(*sp.ReachedAt) < 12*time.Hour {
		t.Errorf("dev proven %s after it was reached again, want the whole soak of 12h", sp.ProvenAt.Sub(*sp.ReachedAt))
	}
}

// TestProbeHalts: an application that answers 503 after its cluster's
// upgrade halts the stage, naming the probe.
func TestProbeHalts(t *testing.T) {
	h := newGatesHarness(t, simulator.Fault{Kind: simulator.FaultAppUnavailable, Cluster: "dev-2"})
	h.run(h.clk.Now().Add(2*24*time.Hour), nil, nil)
	sp := h.progress("dev")
	if sp == nil || sp.Halt == nil || !strings.Contains(sp.Halt.Reason, "web") || !strings.Contains(sp.Halt.Reason, "503") {
		t.Fatalf("dev: %+v, want halted by the probe web answering 503", sp)
	}
	if h.writesTo("prod-1") != 0 {
		t.Error("prod-1 was upgraded after dev's probe failed")
	}
}
