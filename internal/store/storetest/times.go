package storetest

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// testTimes: every time comes back as the same instant, to the nanosecond,
// in UTC, whatever zone it went in with; and time order survives storage
// (text that trims trailing zeros would sort 05.5 before 05).
func testTimes(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	zone := time.FixedZone("IST", 5*3600+1800)
	in := func(d time.Duration) time.Time {
		return time.Date(2026, 3, 2, 15, 0, 5, 987654321, zone).Add(d)
	}
	check := func(what string, got, want time.Time) {
		t.Helper()
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s = %s, want %s in UTC", what, got.Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
		}
	}

	if err := s.SaveFleet(ctx, store.Fleet{At: in(0)}); err != nil {
		t.Fatal(err)
	}
	f, err := s.Fleet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("Fleet.At", f.At, in(0))

	k := kube("1.31.4")
	mustApply(t, s,
		store.Transition{Kind: store.TransitionStarted, Stage: "dev", Target: k, At: in(1), Actor: store.ActorEngine},
		store.Transition{Kind: store.TransitionReached, Stage: "dev", Target: k, At: in(2), Actor: store.ActorEngine},
		store.Transition{Kind: store.TransitionProven, Stage: "dev", Target: k, At: in(3), Actor: store.ActorEngine},
		store.Transition{Kind: store.TransitionApproved, Stage: "dev", Target: k, At: in(4), Actor: "alice"},
		store.Transition{Kind: store.TransitionHalted, Stage: "dev", Target: k, At: in(5), Actor: store.ActorEngine, Reason: "x"},
		store.Transition{Kind: store.TransitionPaused, Target: k, At: in(6), Actor: "alice"},
		store.Transition{Kind: store.TransitionAborted, Target: k, At: in(7), Actor: "alice"},
	)
	h := mustHistory(t, s)
	if len(h.Rollouts) != 1 || len(h.Rollouts[0].Stages) != 1 {
		t.Fatalf("History = %+v, want one rollout with one stage", h)
	}
	r, sp := h.Rollouts[0], h.Rollouts[0].Stages[0]
	if sp.StartedAt == nil || sp.ReachedAt == nil || sp.ProvenAt == nil || sp.Approval == nil || sp.Halt == nil || r.Paused == nil || r.Aborted == nil {
		t.Fatalf("History = %+v, want every time set", h)
	}
	check("StartedAt", *sp.StartedAt, in(1))
	check("ReachedAt", *sp.ReachedAt, in(2))
	check("ProvenAt", *sp.ProvenAt, in(3))
	check("Approval.At", sp.Approval.At, in(4))
	check("Halt.At", sp.Halt.At, in(5))
	check("Paused.At", r.Paused.At, in(6))
	check("Aborted.At", r.Aborted.At, in(7))

	a := clusterID("aks-dev-01")
	if err := s.SetRun(ctx, store.Run{ClusterID: a, State: store.RunPending, UpdatedAt: in(8)}); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(ctx)
	if err != nil || len(runs) != 1 {
		t.Fatalf("Runs = %v, %v", runs, err)
	}
	check("Run.UpdatedAt", runs[0].UpdatedAt, in(8))

	rec := controlPlane(a, in(9))
	rec.UpdatedAt = in(10)
	begun := mustBegin(t, s, rec)
	check("BeginStep StartedAt", begun.StartedAt, in(9))
	check("BeginStep UpdatedAt", begun.UpdatedAt, in(10))
	steps, err := s.ActiveSteps(ctx)
	if err != nil || len(steps) != 1 {
		t.Fatalf("ActiveSteps = %v, %v", steps, err)
	}
	check("Step.StartedAt", steps[0].StartedAt, in(9))
	check("Step.UpdatedAt", steps[0].UpdatedAt, in(10))

	e := event("eventgrid", "1", in(11))
	e.Time = in(12)
	mustPut(t, s, e)
	if err := s.MarkProcessed(ctx, []store.EventKey{e.Key}, in(13)); err != nil {
		t.Fatal(err)
	}
	events, err := s.Events(ctx, 0)
	if err != nil || len(events) != 1 || events[0].ProcessedAt == nil {
		t.Fatalf("Events = %v, %v", events, err)
	}
	check("Event.ReceivedAt", events[0].ReceivedAt, in(11))
	check("Event.Time", events[0].Time, in(12))
	check("Event.ProcessedAt", *events[0].ProcessedAt, in(13))

	entries := mustAudit(t, s, store.AuditQuery{})
	if len(entries) == 0 {
		t.Fatal("no audit entries")
	}
	for _, e := range entries {
		if e.At.Location() != time.UTC {
			t.Errorf("audit entry %q: At in %s, want UTC", e.Message, e.At.Location())
		}
	}
	check("newest audit At", entries[0].At, in(10))

	testTimeOrder(t, s)
}

// testTimeOrder logs entries whose times differ in the fraction only and
// checks they come back in time order, and that Since compares times, not
// text.
func testTimeOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	whole := time.Date(2030, 1, 1, 10, 0, 5, 0, time.UTC)
	times := []time.Time{
		whole.Add(500 * time.Millisecond), // 05.5
		whole,                             // 05
		whole.Add(1),                      // 05.000000001
		whole.Add(-1),                     // 04.999999999
		whole.Add(time.Second),            // 06
	}
	for i, tm := range times {
		if err := s.Log(ctx, store.AuditEntry{At: tm, Actor: "test", Kind: "order", Stage: "order",
			Message: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	var got string
	for _, e := range mustAudit(t, s, store.AuditQuery{Stage: "order"}) {
		got += e.Message
	}
	if want := "eacbd"; got != want {
		t.Errorf("audit entries newest first = %q, want %q", got, want)
	}
	got = ""
	for _, e := range mustAudit(t, s, store.AuditQuery{Stage: "order", Since: whole}) {
		got += e.Message
	}
	if want := "eacb"; got != want {
		t.Errorf("audit entries since 05 = %q, want %q", got, want)
	}
}
