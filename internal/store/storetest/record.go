package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

func testRecord(t *testing.T, open Opener) {
	t.Run("FailedStepHaltsInOneWrite", func(t *testing.T) { testRecordHalt(t, open) })
	t.Run("AllOrNothing", func(t *testing.T) { testRecordAllOrNothing(t, open) })
	t.Run("TellsOnce", func(t *testing.T) { testRecordTellsOnce(t, open) })
	t.Run("FleetWithEvents", func(t *testing.T) { testRecordFleet(t, open) })
	t.Run("Invalid", func(t *testing.T) { testRecordInvalid(t, open) })
	t.Run("NotesWithTheirEvent", func(t *testing.T) { testRecordNotes(t, open) })
}

// testRecordNotes: a note and the event that tells it are written
// together, or, when a part fails, neither is.
func testRecordNotes(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	a := clusterID("aks-prod-01")
	note := store.AuditEntry{At: at(hours(1)), Actor: store.ActorEngine, Kind: "channels", Stage: "prod", Cluster: a,
		Message: "set the node OS channel from NodeImage to None"}
	ev := engineEvent("channels/aks-prod-01", aksupgrade.EventChannelsSet, 1)
	step := mustBegin(t, s, controlPlane(a, at(0)))
	bad := step
	bad.ID += 1000 // unknown: the step part fails, and the note with it
	bad.State, bad.UpdatedAt = store.StepSucceeded, at(hours(1))
	if _, err := s.Record(ctx, store.Fact{Step: &bad, Notes: []store.AuditEntry{note}, Events: []store.Event{ev}}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Record with an unknown step = %v, want ErrNotFound", err)
	}
	if got, err := s.Audit(ctx, store.AuditQuery{Cluster: a}); err != nil || slices.ContainsFunc(got, func(e store.AuditEntry) bool { return e.Kind == "channels" }) {
		t.Fatalf("audit after a failed fact = %+v, %v; want no note", got, err)
	}
	got, err := s.Record(ctx, store.Fact{Notes: []store.AuditEntry{note}, Events: []store.Event{ev}})
	if err != nil || !got.Changed || got.Events != 1 {
		t.Fatalf("Record = %+v, %v; want a change and one event", got, err)
	}
	entries, err := s.Audit(ctx, store.AuditQuery{Cluster: a})
	if err != nil || !slices.ContainsFunc(entries, func(e store.AuditEntry) bool { return e.Kind == "channels" && e.Message == note.Message }) {
		t.Errorf("audit = %+v, %v; want the note", entries, err)
	}
	if evs, err := s.Events(ctx, 0); err != nil || len(evs) != 1 || evs[0].Type != aksupgrade.EventChannelsSet {
		t.Errorf("events = %+v, %v; want the channels event", evs, err)
	}
	if _, err := s.Record(ctx, store.Fact{Notes: []store.AuditEntry{{Kind: "channels"}}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a note without time or actor: %v, want ErrInvalid", err)
	}
}

// engineEvent is an event of the engine's about stage and target.
func engineEvent(id string, typ aksupgrade.EventType, when int) store.Event {
	return store.Event{Key: store.EventKey{Source: "aksupgrade/engine", ID: id}, Type: typ,
		Time: at(hours(when)), ReceivedAt: at(hours(when)), Data: []byte(`{"stage":"test"}`)}
}

// haltFact is what the engine records when a step fails: the step, the
// halt, the cluster's run and two events.
func haltFact(step store.StepRecord) store.Fact {
	a := step.Step.ClusterID
	step.State, step.UpdatedAt, step.ErrorCode, step.Error = store.StepFailed, at(hours(1)), aksupgrade.ErrDrainFailed, "drain blocked"
	return store.Fact{
		Step:        &step,
		Transitions: []store.Transition{{Kind: store.TransitionHalted, Stage: "test", Target: kube("1.31.4"), At: at(hours(1)), Actor: store.ActorEngine, Cluster: a, Reason: "drain blocked"}},
		Run:         &store.Run{ClusterID: a, Stage: "test", Target: kube("1.31.4"), State: store.RunFailed, Reason: "drain blocked", UpdatedAt: at(hours(1))},
		Events:      []store.Event{engineEvent("step/failed", aksupgrade.EventStepFailed, 1), engineEvent("halted", aksupgrade.EventStageHalted, 1)},
	}
}

// testRecordHalt: every part of a fact is there after Record, with the
// audit entries each part writes.
func testRecordHalt(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	step := mustBegin(t, s, controlPlane(clusterID("aks-test-01"), at(0)))
	got, err := s.Record(ctx, haltFact(step))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Changed || got.Events != 2 {
		t.Errorf("Record = %+v, want changed with 2 events", got)
	}
	if active, err := s.ActiveSteps(ctx); err != nil || len(active) != 0 {
		t.Errorf("ActiveSteps = %v, %v; want none: the step failed", active, err)
	}
	h, err := s.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sp := h.Progress("test", kube("1.31.4")); sp == nil || sp.Halt == nil || sp.Halt.Reason != "drain blocked" {
		t.Errorf("progress = %+v, want halted with the reason", sp)
	}
	runs, err := s.Runs(ctx)
	if err != nil || len(runs) != 1 || runs[0].State != store.RunFailed {
		t.Errorf("Runs = %+v, %v; want one failed", runs, err)
	}
	evs, err := s.Events(ctx, 0)
	if err != nil || len(evs) != 2 {
		t.Errorf("Events = %d, %v; want 2", len(evs), err)
	}
	audit, err := s.Audit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, a := range audit {
		kinds[a.Kind]++
	}
	if kinds[store.AuditKindStep] != 2 || kinds[string(store.TransitionHalted)] != 1 || kinds[store.AuditKindRun] != 1 {
		t.Errorf("audit kinds = %v, want 2 step (begun, failed), 1 halted, 1 run", kinds)
	}
}

// testRecordAllOrNothing: when one part cannot be written, none is: not
// the transition before it, not the events.
func testRecordAllOrNothing(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	step := mustBegin(t, s, controlPlane(clusterID("aks-test-01"), at(0)))
	f := haltFact(step)
	f.Step.ID = step.ID + 1000 // unknown: the step part fails
	if _, err := s.Record(ctx, f); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Record with an unknown step = %v, want ErrNotFound", err)
	}
	// A halt recorded first in the fact, then a failing step update.
	g := haltFact(step)
	g.Step = nil
	g.Transitions = append(g.Transitions, store.Transition{Kind: store.TransitionProven, Stage: "test", Target: kube("1.31.4"), At: at(hours(1)), Actor: store.ActorEngine})
	ended := step
	ended.State, ended.UpdatedAt = store.StepSucceeded, at(hours(1))
	mustUpdate(t, s, ended)
	failing := step
	failing.State, failing.UpdatedAt = store.StepFailed, at(hours(2)) // an ended step cannot change
	g.Step = &failing
	if _, err := s.Record(ctx, g); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Record changing an ended step = %v, want ErrInvalid", err)
	}
	h, err := s.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Rollouts) != 0 {
		t.Errorf("history = %+v, want nothing: the fact failed", h.Rollouts)
	}
	if evs, err := s.Events(ctx, 0); err != nil || len(evs) != 0 {
		t.Errorf("Events = %d, %v; want none", len(evs), err)
	}
	if runs, err := s.Runs(ctx); err != nil || len(runs) != 0 {
		t.Errorf("Runs = %+v, %v; want none", runs, err)
	}
}

// testRecordTellsOnce: a fact recorded again changes nothing and stores
// no event, even one with a new key; a fact of events alone stores them,
// once each.
func testRecordTellsOnce(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	proven := store.Fact{
		Transitions: []store.Transition{{Kind: store.TransitionProven, Stage: "test", Target: kube("1.31.4"), At: at(hours(3)), Actor: store.ActorEngine}},
		Events:      []store.Event{engineEvent("proven/1", aksupgrade.EventStageProven, 3)},
	}
	if got, err := s.Record(ctx, proven); err != nil || !got.Changed || got.Events != 1 {
		t.Fatalf("Record(proven) = %+v, %v; want changed, 1 event", got, err)
	}
	proven.Events = []store.Event{engineEvent("proven/2", aksupgrade.EventStageProven, 4)}
	proven.Transitions[0].At = at(hours(4))
	if got, err := s.Record(ctx, proven); err != nil || got.Changed || got.Events != 0 {
		t.Fatalf("Record(proven again) = %+v, %v; want no change, no event", got, err)
	}
	news := store.Fact{Events: []store.Event{engineEvent("news", aksupgrade.EventVersionAvailable, 5)}}
	for i, want := range []int{1, 0} {
		if got, err := s.Record(ctx, news); err != nil || got.Events != want {
			t.Fatalf("Record(news) #%d = %+v, %v; want %d events", i+1, got, err, want)
		}
	}
	if evs, err := s.Events(ctx, 0); err != nil || len(evs) != 2 {
		t.Errorf("Events = %d, %v; want 2", len(evs), err)
	}
}

// testRecordFleet: an observation and the events found in it are one
// write.
func testRecordFleet(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	f := store.Fleet{At: at(0), Clusters: []aksupgrade.Cluster{{ID: clusterID("aks-test-01"), Name: "aks-test-01", KubernetesVersion: "1.31.4"}}}
	polled := store.Event{Key: store.EventKey{Source: "aksupgrade/poller", ID: "p1"}, Type: aksupgrade.EventNodePoolRollingStarted,
		Time: at(0), ReceivedAt: at(0), Data: []byte(`{"data":{"nodePoolName":"np1"}}`)}
	got, err := s.Record(ctx, store.Fact{Fleet: &f, Events: []store.Event{polled}})
	if err != nil || !got.Changed || got.Events != 1 {
		t.Fatalf("Record(fleet) = %+v, %v; want changed, 1 event", got, err)
	}
	back, err := s.Fleet(ctx)
	if err != nil || len(back.Clusters) != 1 {
		t.Errorf("Fleet = %+v, %v", back, err)
	}
	if pending, err := s.PendingEvents(ctx, 0); err != nil || len(pending) != 1 {
		t.Errorf("PendingEvents = %d, %v; want 1", len(pending), err)
	}
}

// testRecordInvalid: an empty fact, or one with an invalid part, is
// refused before anything is written.
func testRecordInvalid(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	if _, err := s.Record(ctx, store.Fact{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Record(empty) = %v, want ErrInvalid", err)
	}
	bad := store.Fact{
		Transitions: []store.Transition{{Kind: store.TransitionProven, Stage: "test", Target: kube("1.31.4"), At: at(0), Actor: store.ActorEngine}},
		Events:      []store.Event{{Key: store.EventKey{Source: "aksupgrade/engine"}}},
	}
	if _, err := s.Record(ctx, bad); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Record(event without an ID) = %v, want ErrInvalid", err)
	}
	if h, err := s.History(ctx); err != nil || len(h.Rollouts) != 0 {
		t.Errorf("History = %+v, %v; want empty", h.Rollouts, err)
	}
}

// hours is n hours.
func hours(n int) time.Duration { return time.Duration(n) * time.Hour }

// testWritable: an open store takes writes, and checking writes nothing.
func testWritable(t *testing.T, open Opener) {
	s := open(t)
	if err := s.Writable(t.Context()); err != nil {
		t.Fatalf("Writable: %v", err)
	}
	if _, err := s.Fleet(t.Context()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Fleet after Writable = %v, want ErrNotFound: the check wrote", err)
	}
	if a, err := s.Audit(t.Context(), store.AuditQuery{}); err != nil || len(a) != 0 {
		t.Errorf("Audit after Writable = %v, %v; want nothing", a, err)
	}
}
