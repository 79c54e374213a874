package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// testPrune: what ended before the retention's times is deleted; what is
// pending stays whatever its age; the audit log stays; zero times prune
// nothing.
func testPrune(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	old := event("eventgrid", "old", at(0))
	oldPending := event("eventgrid", "old-pending", at(0))
	recent := event("eventgrid", "recent", at(2*day))
	for _, e := range []store.Event{old, oldPending, recent} {
		mustPut(t, s, e)
	}
	if err := s.MarkProcessed(ctx, []store.EventKey{old.Key, recent.Key}, at(2*day)); err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, s, outgoing("slack", "sent-old", at(0)), outgoing("slack", "pending-old", at(0)), outgoing("slack", "failed-recent", at(0)))
	if err := s.MarkSent(ctx, byKey(t, s, "slack", "sent-old").ID, at(hours(1))); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, byKey(t, s, "slack", "failed-recent").ID, at(2*day), "410 Gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.Log(ctx, store.AuditEntry{At: at(0), Actor: "alice", Kind: "note", Message: "kept forever"}); err != nil {
		t.Fatal(err)
	}

	if got, err := s.Prune(ctx, store.Retention{}); err != nil || got != (store.Pruned{}) {
		t.Errorf("Prune(zero) = %+v, %v; want nothing", got, err)
	}
	got, err := s.Prune(ctx, store.Retention{EventsBefore: at(day), OutboxBefore: at(day)})
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Pruned{Events: 1, Outbox: 1}); got != want {
		t.Errorf("Prune = %+v, want %+v", got, want)
	}
	evs, err := s.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]store.EventKey{recent.Key, oldPending.Key}, keysOf(evs)); d != "" {
		t.Errorf("events left (-want +got):\n%s", d)
	}
	outs, err := s.Notifications(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"slack/failed-recent", "slack/pending-old"}, outKeys(outs)); d != "" {
		t.Errorf("outbox left (-want +got):\n%s", d)
	}
	if a, err := s.Audit(ctx, store.AuditQuery{}); err != nil || len(a) != 1 {
		t.Errorf("audit after Prune = %d entries, %v; want it kept", len(a), err)
	}
}
