package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// testHistory records a rollout's life and checks the history and the
// audit log it leaves.
func testHistory(t *testing.T, open Opener) {
	s := open(t)
	k := kube("1.31.4")
	img := image("202501.12.0")
	halted := clusterID("aks-prod-neu-01")
	mustApply(t, s,
		store.Transition{Kind: store.TransitionStarted, Stage: "test", Target: k, At: at(0), Actor: store.ActorEngine},
		// A person may approve prod long before it may receive the target.
		store.Transition{Kind: store.TransitionApproved, Stage: "prod", Target: k, At: at(1 * time.Hour), Actor: "alice"},
		store.Transition{Kind: store.TransitionReached, Stage: "test", Target: k, At: at(2 * time.Hour), Actor: store.ActorEngine,
			Evidence: []string{"a", "b"}},
		store.Transition{Kind: store.TransitionStarted, Stage: "sandbox", Target: img, At: at(3 * time.Hour), Actor: store.ActorEngine},
		store.Transition{Kind: store.TransitionProven, Stage: "test", Target: k, At: at(2*time.Hour + 3*day), Actor: store.ActorEngine,
			Evidence: []string{"a", "b"}},
		store.Transition{Kind: store.TransitionStarted, Stage: "prod", Target: k, At: at(4 * day), Actor: store.ActorEngine},
		store.Transition{Kind: store.TransitionHalted, Stage: "prod", Target: k, At: at(4*day + time.Hour), Actor: store.ActorEngine,
			Cluster: halted, Reason: "drainFailed: PodDisruptionBudget allows no disruption"},
		store.Transition{Kind: store.TransitionPaused, Target: k, At: at(5 * day), Actor: "bob", Reason: "change freeze"},
	)

	want := aksupgrade.History{Rollouts: []aksupgrade.Rollout{
		{
			Target: k,
			Stages: []aksupgrade.StageProgress{
				{Stage: "test", StartedAt: ptr(at(0)), ReachedAt: ptr(at(2 * time.Hour)), ProvenAt: ptr(at(2*time.Hour + 3*day)),
					Evidence: []string{"a", "b"}},
				{Stage: "prod", StartedAt: ptr(at(4 * day)),
					Approval: &aksupgrade.Approval{By: "alice", At: at(time.Hour)},
					Halt: &aksupgrade.Halt{Cluster: halted, Reason: "drainFailed: PodDisruptionBudget allows no disruption",
						At: at(4*day + time.Hour)}},
			},
			Paused: &aksupgrade.Mark{By: "bob", At: at(5 * day), Reason: "change freeze"},
		},
		{
			Target: img,
			Stages: []aksupgrade.StageProgress{{Stage: "sandbox", StartedAt: ptr(at(3 * time.Hour))}},
		},
	}}
	got := mustHistory(t, s)
	if diff := cmp.Diff(want, got, ignoreRolloutID()); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
	ids := map[string]bool{}
	for _, r := range got.Rollouts {
		if r.ID == "" || ids[r.ID] {
			t.Errorf("rollout of %s has ID %q: want non-empty and unique", r.Target, r.ID)
		}
		ids[r.ID] = true
	}
	if again := mustHistory(t, s); !cmp.Equal(got, again) {
		t.Errorf("History changed between two reads: IDs must be stable\n%s", cmp.Diff(got, again))
	}

	// One audit entry per transition, newest first, written for people.
	entries := mustAudit(t, s, store.AuditQuery{})
	wantEntries := []store.AuditEntry{
		{At: at(5 * day), Actor: "bob", Kind: "paused", Target: k, Message: "rollout of 1.31.4 paused by bob: change freeze"},
		{At: at(4*day + time.Hour), Actor: "engine", Kind: "halted", Stage: "prod", Target: k, Cluster: halted,
			Message: "prod halted on 1.31.4: aks-prod-neu-01 failed: drainFailed: PodDisruptionBudget allows no disruption"},
		{At: at(4 * day), Actor: "engine", Kind: "started", Stage: "prod", Target: k, Message: "1.31.4 started in prod"},
		{At: at(2*time.Hour + 3*day), Actor: "engine", Kind: "proven", Stage: "test", Target: k,
			Message: "1.31.4 proven in test after 3d soak (evidence: a, b)"},
		{At: at(3 * time.Hour), Actor: "engine", Kind: "started", Stage: "sandbox", Target: img,
			Message: "node image 202501.12.0 started in sandbox"},
		{At: at(2 * time.Hour), Actor: "engine", Kind: "reached", Stage: "test", Target: k, Message: "1.31.4 reached in test (evidence: a, b)"},
		{At: at(time.Hour), Actor: "alice", Kind: "approved", Stage: "prod", Target: k, Message: "1.31.4 approved for prod by alice"},
		{At: at(0), Actor: "engine", Kind: "started", Stage: "test", Target: k, Message: "1.31.4 started in test"},
	}
	if diff := cmp.Diff(wantEntries, entries, cmpIgnoreAuditID()); diff != "" {
		t.Errorf("Audit (-want +got):\n%s", diff)
	}
}

// testIdempotence records each transition twice: the second changes
// nothing and writes no audit entry.
func testIdempotence(t *testing.T, open Opener) {
	s := open(t)
	k := kube("1.31.4")
	for _, tr := range []store.Transition{
		{Kind: store.TransitionStarted, Stage: "dev", Target: k, At: at(0), Actor: store.ActorEngine},
		{Kind: store.TransitionStarted, Stage: "dev", Target: k, At: at(time.Minute), Actor: store.ActorEngine},
		{Kind: store.TransitionReached, Stage: "dev", Target: k, At: at(time.Hour), Actor: store.ActorEngine, Evidence: []string{"a"}},
		{Kind: store.TransitionReached, Stage: "dev", Target: k, At: at(2 * time.Hour), Actor: store.ActorEngine, Evidence: []string{"b"}},
		{Kind: store.TransitionProven, Stage: "dev", Target: k, At: at(day), Actor: store.ActorEngine},
		{Kind: store.TransitionProven, Stage: "dev", Target: k, At: at(2 * day), Actor: store.ActorEngine, Evidence: []string{"c"}},
		{Kind: store.TransitionApproved, Stage: "dev", Target: k, At: at(time.Hour), Actor: "alice"},
		{Kind: store.TransitionApproved, Stage: "dev", Target: k, At: at(2 * time.Hour), Actor: "bob"},
		{Kind: store.TransitionAborted, Target: k, At: at(3 * day), Actor: "alice", Reason: "regression"},
		{Kind: store.TransitionAborted, Target: k, At: at(4 * day), Actor: "bob", Reason: "again"},
	} {
		mustApply(t, s, tr)
	}
	want := aksupgrade.History{Rollouts: []aksupgrade.Rollout{{
		Target: k,
		Stages: []aksupgrade.StageProgress{{
			Stage: "dev", StartedAt: ptr(at(0)), ReachedAt: ptr(at(time.Hour)), ProvenAt: ptr(at(day)),
			// A proof without evidence keeps the evidence of the reach.
			Evidence: []string{"a"},
			Approval: &aksupgrade.Approval{By: "alice", At: at(time.Hour)},
		}},
		Aborted: &aksupgrade.Mark{By: "alice", At: at(3 * day), Reason: "regression"},
	}}}
	if diff := cmp.Diff(want, mustHistory(t, s), ignoreRolloutID()); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
	wantKinds := []string{"aborted", "proven", "approved", "reached", "started"}
	if diff := cmp.Diff(wantKinds, kinds(mustAudit(t, s, store.AuditQuery{}))); diff != "" {
		t.Errorf("audit kinds (-want +got):\n%s", diff)
	}
	if got := mustAudit(t, s, store.AuditQuery{})[1].Message; got != "1.31.4 proven in dev after 23h soak" {
		t.Errorf("proof message = %q", got)
	}
}

// testHaltRetry halts stages and retries them.
func testHaltRetry(t *testing.T, open Opener) {
	s := open(t)
	k1, k2 := kube("1.31.4"), kube("1.31.5")
	a, b := clusterID("aks-test-01"), clusterID("aks-test-02")
	halt := func(stage string, target aksupgrade.Target, cluster, reason string, d time.Duration) store.Transition {
		return store.Transition{Kind: store.TransitionHalted, Stage: stage, Target: target, At: at(d), Actor: store.ActorEngine,
			Cluster: cluster, Reason: reason}
	}
	mustApply(t, s,
		halt("test", k1, a, "drainFailed", time.Hour),
		halt("test", k2, a, "quotaExceeded", 2*time.Hour),
		halt("prod", k1, b, "drainFailed", 3*time.Hour),
		// Halted already: the same failure again changes nothing...
		halt("test", k1, strings.ToUpper(a), "drainFailed", 4*time.Hour),
		// ...another failure keeps the first halt but is audited.
		halt("test", k1, b, "postflight failed", 5*time.Hour),
	)
	if got := len(mustAudit(t, s, store.AuditQuery{Stage: "test"})); got != 3 {
		t.Errorf("audit entries of test = %d, want 3 (the repeated halt is not one)", got)
	}
	first := mustHistory(t, s)
	if h := first.Progress("test", k1).Halt; h == nil || h.Cluster != a || !h.At.Equal(at(time.Hour)) {
		t.Errorf("halt of test on 1.31.4 = %+v, want the first one", h)
	}

	retry := store.Transition{Kind: store.TransitionRetried, Stage: "test", At: at(6 * time.Hour), Actor: "carol", Reason: "PDB fixed"}
	mustApply(t, s, retry)
	h := mustHistory(t, s)
	for _, target := range []aksupgrade.Target{k1, k2} {
		if sp := h.Progress("test", target); sp == nil || sp.Halt != nil {
			t.Errorf("test on %s after retry = %+v, want its halt cleared", target, sp)
		}
	}
	if sp := h.Progress("prod", k1); sp == nil || sp.Halt == nil {
		t.Errorf("prod on 1.31.4 after a retry of test = %+v, want still halted", sp)
	}
	entries := mustAudit(t, s, store.AuditQuery{Limit: 1})
	if len(entries) != 1 || entries[0].Kind != "retried" || entries[0].Message != "test retried by carol: PDB fixed" {
		t.Errorf("newest audit entry = %+v, want the retry", entries)
	}

	// Nothing halted any more: a second retry is a no-op.
	retry.At = at(7 * time.Hour)
	mustApply(t, s, retry)
	if got := len(mustAudit(t, s, store.AuditQuery{Stage: "test"})); got != 4 {
		t.Errorf("audit entries of test = %d, want 4 (a retry of nothing is not one)", got)
	}
	// And the stage can halt again.
	mustApply(t, s, halt("test", k1, b, "drainFailed", 8*time.Hour))
	h = mustHistory(t, s)
	if sp := h.Progress("test", k1); sp.Halt == nil || sp.Halt.Cluster != b {
		t.Errorf("test on 1.31.4 after a new failure = %+v, want halted by %s", sp.Halt, b)
	}
}

// testPauseResumeAbort holds and releases a rollout.
func testPauseResumeAbort(t *testing.T, open Opener) {
	s := open(t)
	k := kube("1.31.4")
	// Resuming a rollout that does not exist creates nothing.
	mustApply(t, s, store.Transition{Kind: store.TransitionResumed, Target: k, At: at(0), Actor: "bob"})
	if h := mustHistory(t, s); len(h.Rollouts) != 0 {
		t.Fatalf("History after resuming nothing = %+v, want empty", h)
	}

	mark := func(kind store.TransitionKind, actor, reason string, d time.Duration) store.Transition {
		return store.Transition{Kind: kind, Target: k, At: at(d), Actor: actor, Reason: reason}
	}
	steps := []struct {
		tr   store.Transition
		want aksupgrade.Rollout
	}{
		{mark(store.TransitionPaused, "alice", "freeze", time.Hour),
			aksupgrade.Rollout{Target: k, Paused: &aksupgrade.Mark{By: "alice", At: at(time.Hour), Reason: "freeze"}}},
		{mark(store.TransitionPaused, "bob", "again", 2*time.Hour),
			aksupgrade.Rollout{Target: k, Paused: &aksupgrade.Mark{By: "alice", At: at(time.Hour), Reason: "freeze"}}},
		{mark(store.TransitionResumed, "bob", "", 3*time.Hour), aksupgrade.Rollout{Target: k}},
		{mark(store.TransitionResumed, "bob", "", 4*time.Hour), aksupgrade.Rollout{Target: k}},
		{mark(store.TransitionPaused, "bob", "", 5*time.Hour),
			aksupgrade.Rollout{Target: k, Paused: &aksupgrade.Mark{By: "bob", At: at(5 * time.Hour)}}},
		{mark(store.TransitionAborted, "carol", "CVE in 1.31.4", 6*time.Hour),
			aksupgrade.Rollout{Target: k, Paused: &aksupgrade.Mark{By: "bob", At: at(5 * time.Hour)},
				Aborted: &aksupgrade.Mark{By: "carol", At: at(6 * time.Hour), Reason: "CVE in 1.31.4"}}},
	}
	for i, st := range steps {
		mustApply(t, s, st.tr)
		want := aksupgrade.History{Rollouts: []aksupgrade.Rollout{st.want}}
		if diff := cmp.Diff(want, mustHistory(t, s), ignoreRolloutID()); diff != "" {
			t.Errorf("after step %d (%s by %s) (-want +got):\n%s", i, st.tr.Kind, st.tr.Actor, diff)
		}
	}
	wantKinds := []string{"aborted", "paused", "resumed", "paused"}
	entries := mustAudit(t, s, store.AuditQuery{})
	if diff := cmp.Diff(wantKinds, kinds(entries)); diff != "" {
		t.Errorf("audit kinds (-want +got):\n%s", diff)
	}
	if len(entries) > 0 && entries[0].Message != "rollout of 1.31.4 aborted by carol: CVE in 1.31.4" {
		t.Errorf("abort message = %q", entries[0].Message)
	}
}

// testInvalidTransitions: what breaks the contract is refused with
// ErrInvalid and writes nothing.
func testInvalidTransitions(t *testing.T, open Opener) {
	s := open(t)
	k := kube("1.31.4")
	ok := store.Transition{Kind: store.TransitionReached, Stage: "test", Target: k, At: at(0), Actor: store.ActorEngine}
	for _, tc := range []struct {
		name   string
		change func(*store.Transition)
	}{
		{"unknown kind", func(tr *store.Transition) { tr.Kind = "promoted" }},
		{"no kind", func(tr *store.Transition) { tr.Kind = "" }},
		{"no stage", func(tr *store.Transition) { tr.Stage = "" }},
		{"retry without stage", func(tr *store.Transition) { tr.Kind, tr.Stage = store.TransitionRetried, "" }},
		{"no target", func(tr *store.Transition) { tr.Target = aksupgrade.Target{} }},
		{"unknown target kind", func(tr *store.Transition) { tr.Target.Kind = "helm" }},
		{"pause without target", func(tr *store.Transition) { tr.Kind, tr.Target = store.TransitionPaused, aksupgrade.Target{} }},
		{"no time", func(tr *store.Transition) { tr.At = time.Time{} }},
		{"no actor", func(tr *store.Transition) { tr.Actor = "" }},
	} {
		tr := ok
		tc.change(&tr)
		if err := s.Apply(t.Context(), tr); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: Apply = %v, want ErrInvalid", tc.name, err)
		}
	}
	if h := mustHistory(t, s); len(h.Rollouts) != 0 {
		t.Errorf("History after invalid transitions = %+v, want empty", h)
	}
	if es := mustAudit(t, s, store.AuditQuery{}); len(es) != 0 {
		t.Errorf("Audit after invalid transitions = %+v, want empty", es)
	}
	// A retry needs no target.
	mustApply(t, s, store.Transition{Kind: store.TransitionRetried, Stage: "test", At: at(0), Actor: "bob"})
}

// testRetryAfterReached: a target halted during its soak (a postflight
// gate failed) is no longer reached after the retry, so that it soaks
// again once reached again; one halted before it was reached, or after it
// was proven, keeps its times.
func testRetryAfterReached(t *testing.T, open Opener) {
	s := open(t)
	soaking, rolling := kube("1.31.5"), kube("1.31.4")
	a := clusterID("aks-dev-01")
	mustApply(t, s,
		store.Transition{Kind: store.TransitionReached, Stage: "dev", Target: soaking, At: at(time.Hour), Actor: store.ActorEngine, Evidence: []string{"aks-dev-01"}},
		store.Transition{Kind: store.TransitionStarted, Stage: "dev", Target: rolling, At: at(time.Hour), Actor: store.ActorEngine},
		store.Transition{Kind: store.TransitionHalted, Stage: "dev", Target: soaking, At: at(3 * time.Hour), Actor: store.ActorEngine, Cluster: a, Reason: "postflight gates failed"},
		store.Transition{Kind: store.TransitionHalted, Stage: "dev", Target: rolling, At: at(3 * time.Hour), Actor: store.ActorEngine, Cluster: a, Reason: "drainFailed"},
		store.Transition{Kind: store.TransitionRetried, Stage: "dev", At: at(4 * time.Hour), Actor: "carol"},
	)
	h := mustHistory(t, s)
	if sp := h.Progress("dev", soaking); sp == nil || sp.Halt != nil || sp.ReachedAt != nil || len(sp.Evidence) != 0 {
		t.Errorf("dev on %s after the retry = %+v, want neither halted nor reached", soaking, sp)
	}
	if sp := h.Progress("dev", rolling); sp == nil || sp.Halt != nil || sp.StartedAt == nil {
		t.Errorf("dev on %s after the retry = %+v, want started and not halted", rolling, sp)
	}
	// Reached again: the soak counts from then.
	mustApply(t, s, store.Transition{Kind: store.TransitionReached, Stage: "dev", Target: soaking, At: at(5 * time.Hour), Actor: store.ActorEngine, Evidence: []string{"aks-dev-01"}})
	// The proof keeps what the gates saw.
	gates := []string{"aks-dev-01 nodes passed at 2026-03-02T19:00:00Z: 3 of 3 nodes Ready on 1.31.5"}
	mustApply(t, s, store.Transition{Kind: store.TransitionProven, Stage: "dev", Target: soaking, At: at(17 * time.Hour), Actor: store.ActorEngine, Gates: gates})
	h = mustHistory(t, s)
	if sp := h.Progress("dev", soaking); !slices.Equal(sp.Gates, gates) || len(sp.Evidence) != 1 {
		t.Errorf("dev on %s proven: gates %q, evidence %q; want the gates kept and the clusters", soaking, sp.Gates, sp.Evidence)
	}
	if sp := h.Progress("dev", soaking); sp.ReachedAt == nil || !sp.ReachedAt.Equal(at(5*time.Hour)) {
		t.Errorf("dev on %s reached again = %+v, want at 5h", soaking, sp.ReachedAt)
	}
	// Planning reads the same history, without the gates' evidence.
	planning, err := s.PlanningHistory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range h.Rollouts {
		for j := range h.Rollouts[i].Stages {
			h.Rollouts[i].Stages[j].Gates = nil
		}
	}
	if diff := cmp.Diff(h, planning); diff != "" {
		t.Errorf("PlanningHistory differs from History without the gates (-want +got):\n%s", diff)
	}
}
