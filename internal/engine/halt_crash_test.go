package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// failedStep names the fact the engine records when a step fails.
const failedStep = "record step failed+halted+run failed+events"

// TestHaltSurvivesCrash: a node pool of test-weu fails to drain once.
// Wherever the process dies around that failure (or never), the test
// stage ends halted once, the halt is told once, the version is not
// proven there, and the failed operation is never issued again on the
// engine's own: only a person's retry would.
func TestHaltSurvivesCrash(t *testing.T) {
	for _, tc := range []struct{ name, crashAt string }{
		{"no crash", ""},
		{"crash right after the failed step is recorded", "after " + failedStep},
		{"crash right before the failed step is recorded", "before " + failedStep},
		// As serve killed -9 after ARM accepted the write, before it read
		// the answer: the step stays unconfirmed, and the restarted
		// engine must settle it from the cluster's Failed state.
		{"crash after ARM accepted the pool upgrade", "after ARM accepted nodePool test-weu/apps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFaultHarness(t, []simulator.Fault{{Kind: simulator.FaultDrainFailure, Cluster: "test-weu", Pool: "apps", Count: 1}})
			plan := &crashPlan{target: tc.crashAt, crashes: map[string]int{}}
			h.wrap = func(s store.Store, p aksupgrade.Provider) (store.Store, aksupgrade.Provider) {
				return crashStore{s, plan}, crashProvider{p, plan}
			}
			h.restart()
			h.runCrashing(h.clk.Now().Add(6*24*time.Hour), h.approver("alice"))
			if tc.crashAt != "" && plan.crashes[tc.crashAt] != 1 {
				t.Fatalf("crashes %v: the run never reached %q", plan.crashes, tc.crashAt)
			}
			o := outcomeOf(t, h)
			if len(o.Halts) != 1 || !strings.HasPrefix(o.Halts[0], "test ") {
				t.Errorf("halts = %q, want one of stage test", o.Halts)
			}
			hist, err := h.st.History(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range hist.Rollouts {
				for _, sp := range r.Stages {
					if sp.Halt != nil && sp.ProvenAt != nil {
						t.Errorf("%s proven in %s although the stage halted on it", r.Target, sp.Stage)
					}
				}
			}
			apps := 0
			for _, op := range h.sim.State(true).Operations {
				if aksupgrade.ClusterName(op.ClusterID) == "test-weu" && op.Pool == "apps" {
					apps++
					if op.Status != "Failed" {
						t.Errorf("operation on test-weu/apps %s (%s), want the one that failed", op.Status, op.Kind)
					}
				}
			}
			if apps != 1 {
				t.Errorf("%d operations on test-weu/apps, want 1: nothing re-issues a failed step but a retry", apps)
			}
			checkTold(t, h)
			if err := checkInvariants(context.Background(), h.st, h.pol, h.sim, nil); err != nil && !strings.Contains(err.Error(), "unknown cluster") {
				t.Error(err)
			}
		})
	}
}

// TestProvenToldOnceAfterCrash: the process dies right after a stage's
// proof is recorded; every proof is still told exactly once.
func TestProvenToldOnceAfterCrash(t *testing.T) {
	for _, when := range []string{"after record proven+events", "before record proven+events"} {
		t.Run(when, func(t *testing.T) {
			h := newFaultHarness(t, nil)
			plan := &crashPlan{target: when, crashes: map[string]int{}}
			h.wrap = func(s store.Store, p aksupgrade.Provider) (store.Store, aksupgrade.Provider) {
				return crashStore{s, plan}, crashProvider{p, plan}
			}
			h.restart()
			h.runCrashing(h.clk.Now().Add(10*24*time.Hour), h.approver("alice"))
			if plan.crashes[when] != 1 {
				t.Fatalf("crashes %v: the run never reached %q", plan.crashes, when)
			}
			if o := outcomeOf(t, h); len(o.Proven) < 4 {
				t.Errorf("proven %q, want every stage to prove the patch", o.Proven)
			}
			checkTold(t, h)
		})
	}
}

// lostAnswer is a provider whose answer to one upgrade write is lost on
// the way back (a network error, a gateway's 5xx): reached says whether
// the request got to ARM first.
type lostAnswer struct {
	aksupgrade.Provider
	cluster, pool string
	reached       bool
	lost          bool
}

func (p *lostAnswer) Start(ctx context.Context, s aksupgrade.Step) (aksupgrade.Operation, error) {
	if p.lost || aksupgrade.ClusterName(s.ClusterID) != p.cluster || s.Pool != p.pool {
		return p.Provider.Start(ctx, s)
	}
	p.lost = true
	if p.reached {
		if _, err := p.Provider.Start(ctx, s); err != nil {
			return aksupgrade.Operation{}, err
		}
	}
	return aksupgrade.Operation{}, &aksupgrade.Error{Code: aksupgrade.ErrInternal, Status: 502, Message: "bad gateway"}
}

// TestLostAnswer: when ARM's answer to an upgrade is lost, the engine
// neither gives the step up nor issues it again on a guess: it settles it
// from the cluster's state. A request that reached ARM and then failed
// halts the stage once; one that never reached ARM is issued again and
// succeeds, with no halt.
func TestLostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reached bool
		fault   []simulator.Fault
		halts   int
		ops     int
	}{
		{"reached ARM, then failed", true, []simulator.Fault{{Kind: simulator.FaultDrainFailure, Cluster: "test-weu", Pool: "apps", Count: 1}}, 1, 1},
		{"reached ARM, then succeeded", true, nil, 0, 1},
		{"never reached ARM", false, nil, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFaultHarness(t, tc.fault)
			lost := &lostAnswer{cluster: "test-weu", pool: "apps", reached: tc.reached}
			h.wrap = func(s store.Store, p aksupgrade.Provider) (store.Store, aksupgrade.Provider) {
				lost.Provider = p
				return s, lost
			}
			h.restart()
			h.run(h.clk.Now().Add(6*24*time.Hour), h.approver("alice"), h.onStepError)
			if !lost.lost {
				t.Fatal("no upgrade of test-weu/apps was issued")
			}
			o := outcomeOf(t, h)
			if len(o.Halts) != tc.halts {
				t.Errorf("halts %q, want %d", o.Halts, tc.halts)
			}
			apps := 0
			for _, op := range h.sim.State(true).Operations {
				if aksupgrade.ClusterName(op.ClusterID) == "test-weu" && op.Pool == "apps" && op.Kind == "nodePool" {
					apps++
				}
			}
			if apps != tc.ops {
				t.Errorf("%d pool upgrades of test-weu/apps, want %d", apps, tc.ops)
			}
			checkTold(t, h)
		})
	}
}

// TestRetryAfterHaltSurvivesCrash: a node pool of test-weu fails to
// drain once and the pool stays Failed, as AKS leaves it; a person
// retries, and the process dies right after the retry's step is recorded,
// before ARM hears of it. The new process finds the pool Failed, as it
// was before the retry: that is no answer to the retry, so the stage does
// not halt again, and the retry goes through.
func TestRetryAfterHaltSurvivesCrash(t *testing.T) {
	h := newFaultHarness(t, []simulator.Fault{{Kind: simulator.FaultDrainFailure, Cluster: "test-weu", Pool: "apps", Count: 1}})
	ctx := context.Background()
	afterFailure := func() bool {
		steps, err := h.st.Steps(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			if s.State == store.StepFailed {
				return true
			}
		}
		return false
	}
	plan := &crashPlan{target: "after begin step", when: afterFailure, crashes: map[string]int{}}
	h.wrap = func(s store.Store, p aksupgrade.Provider) (store.Store, aksupgrade.Provider) {
		return crashStore{s, plan}, crashProvider{p, plan}
	}
	h.restart()
	h.runCrashing(h.clk.Now().Add(6*24*time.Hour), h.person("alice"))
	if plan.crashes["after begin step"] != 1 {
		t.Fatalf("crashes %v: the run never crashed after the retry began", plan.crashes)
	}
	o := outcomeOf(t, h)
	if len(o.Halts) != 1 || !strings.HasPrefix(o.Halts[0], "test ") {
		t.Errorf("halts = %q, want the one of stage test", o.Halts)
	}
	var apps []string
	for _, op := range h.sim.State(true).Operations {
		if aksupgrade.ClusterName(op.ClusterID) == "test-weu" && op.Pool == "apps" {
			apps = append(apps, op.Status)
		}
	}
	if strings.Join(apps, " ") != "Failed Succeeded" {
		t.Errorf("operations on test-weu/apps %v, want the failed one and the retry's", apps)
	}
	checkTold(t, h)
}
