package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

func event(source, id string, received time.Time) store.Event {
	return store.Event{
		Key:        store.EventKey{Source: source, ID: id},
		Type:       "Microsoft.ContainerService.NewKubernetesVersionAvailable",
		Subject:    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-fleet",
		Time:       received.Add(-time.Second),
		Data:       []byte(fmt.Sprintf(`{"latestSupportedKubernetesVersion":"1.31.%s"}`, id)),
		ReceivedAt: received,
	}
}

func mustPut(t *testing.T, s store.Store, e store.Event) bool {
	t.Helper()
	inserted, err := s.PutEvent(t.Context(), e)
	if err != nil {
		t.Fatalf("PutEvent(%s/%s): %v", e.Key.Source, e.Key.ID, err)
	}
	return inserted
}

func keysOf(es []store.Event) []store.EventKey {
	out := make([]store.EventKey, len(es))
	for i, e := range es {
		out[i] = e.Key
	}
	return out
}

func testEvents(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	e1 := event("eventgrid", "1", at(0))
	if !mustPut(t, s, e1) {
		t.Fatalf("first PutEvent: inserted = false")
	}
	// A duplicate delivery, even with other content, changes nothing.
	dup := event("eventgrid", "1", at(time.Hour))
	dup.Type, dup.Data = "Other", []byte(`{"other":true}`)
	if mustPut(t, s, dup) {
		t.Errorf("duplicate PutEvent: inserted = true")
	}
	// The same ID from another source is another event; so are events
	// received at the same time (kept in the order they were stored).
	e2 := event("poller", "1", at(2*time.Minute))
	e3 := event("eventgrid", "3", at(time.Minute))
	e4 := event("eventgrid", "4", at(time.Minute))
	e5 := event("engine", "5", at(3*time.Minute))
	e5.Data, e5.Subject = nil, "" // no payload comes back as nil
	for _, e := range []store.Event{e2, e3, e4, e5} {
		if !mustPut(t, s, e) {
			t.Errorf("PutEvent(%s/%s): inserted = false", e.Key.Source, e.Key.ID)
		}
	}

	all, err := s.Events(ctx, 0)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if diff := cmp.Diff([]store.Event{e5, e2, e4, e3, e1}, all); diff != "" {
		t.Errorf("Events, newest first (-want +got):\n%s", diff)
	}
	if got, _ := s.Events(ctx, 2); !cmp.Equal(keysOf(got), []store.EventKey{e5.Key, e2.Key}) {
		t.Errorf("Events(2) = %v", keysOf(got))
	}
	pending, err := s.PendingEvents(ctx, 0)
	if err != nil {
		t.Fatalf("PendingEvents: %v", err)
	}
	if diff := cmp.Diff([]store.Event{e1, e3, e4, e2, e5}, pending); diff != "" {
		t.Errorf("PendingEvents, oldest first (-want +got):\n%s", diff)
	}

	unknown := store.EventKey{Source: "eventgrid", ID: "404"}
	if err := s.MarkProcessed(ctx, []store.EventKey{e1.Key, e4.Key, unknown}, at(time.Hour)); err != nil {
		t.Fatalf("MarkProcessed: %v", err)
	}
	// Marked again later: the first time stays.
	if err := s.MarkProcessed(ctx, []store.EventKey{e4.Key}, at(2*time.Hour)); err != nil {
		t.Fatalf("MarkProcessed again: %v", err)
	}
	if err := s.MarkProcessed(ctx, nil, at(2*time.Hour)); err != nil {
		t.Fatalf("MarkProcessed(nil): %v", err)
	}
	pending, err = s.PendingEvents(ctx, 2)
	if err != nil {
		t.Fatalf("PendingEvents: %v", err)
	}
	if diff := cmp.Diff([]store.EventKey{e3.Key, e2.Key}, keysOf(pending)); diff != "" {
		t.Errorf("PendingEvents(2) after MarkProcessed (-want +got):\n%s", diff)
	}
	all, _ = s.Events(ctx, 0)
	e1.ProcessedAt, e4.ProcessedAt = ptr(at(time.Hour)), ptr(at(time.Hour))
	if diff := cmp.Diff([]store.Event{e5, e2, e4, e3, e1}, all); diff != "" {
		t.Errorf("Events after MarkProcessed (-want +got):\n%s", diff)
	}

	// An event stored as processed already is not pending.
	done := event("engine", "6", at(4*time.Minute))
	done.ProcessedAt = ptr(at(4 * time.Minute))
	mustPut(t, s, done)
	if pending, _ := s.PendingEvents(ctx, 0); len(pending) != 3 {
		t.Errorf("PendingEvents = %v, want 3 events", keysOf(pending))
	}

	for _, bad := range []store.Event{
		{Key: store.EventKey{Source: "eventgrid"}, Type: "t", ReceivedAt: at(0)},
		{Key: store.EventKey{ID: "1"}, Type: "t", ReceivedAt: at(0)},
		{Key: store.EventKey{Source: "eventgrid", ID: "x"}, ReceivedAt: at(0)},
		{Key: store.EventKey{Source: "eventgrid", ID: "x"}, Type: "t"},
		{Key: store.EventKey{Source: "eventgrid", ID: "x"}, Type: "t", ReceivedAt: at(0), Data: []byte("{not json")},
	} {
		if _, err := s.PutEvent(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutEvent(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

// testEventsAfter: paging with the cursor sees every event once, in the
// order stored (not by ReceivedAt), also those stored between pages, and
// since leaves out those received earlier.
func testEventsAfter(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	if evs, cur, err := s.EventsAfter(ctx, 0, time.Time{}, 10); err != nil || len(evs) != 0 || cur != 0 {
		t.Fatalf("EventsAfter on an empty store = %v, %d, %v", evs, cur, err)
	}
	var stored []store.EventKey
	put := func(id string, received time.Time) {
		e := event("eventgrid", id, received)
		mustPut(t, s, e)
		stored = append(stored, e.Key)
	}
	put("a", at(time.Hour))
	put("b", at(0)) // received earlier, stored later
	put("c", at(2*time.Hour))
	var got []store.EventKey
	var cursor int64
	page := func(limit int) int {
		evs, next, err := s.EventsAfter(ctx, cursor, time.Time{}, limit)
		if err != nil {
			t.Fatalf("EventsAfter(%d): %v", cursor, err)
		}
		if len(evs) > 0 && next <= cursor {
			t.Fatalf("cursor %d after %d events from %d", next, len(evs), cursor)
		}
		if len(evs) == 0 && next != cursor {
			t.Fatalf("cursor moved from %d to %d with no events", cursor, next)
		}
		got, cursor = append(got, keysOf(evs)...), next
		return len(evs)
	}
	if n := page(2); n != 2 {
		t.Fatalf("first page: %d events", n)
	}
	put("d", at(30*time.Minute)) // arrives between pages
	mustPut(t, s, event("eventgrid", "a", at(3*time.Hour)))
	for page(2) > 0 {
	}
	if diff := cmp.Diff(stored, got); diff != "" {
		t.Errorf("paged events (-stored +got):\n%s", diff)
	}
	evs, _, err := s.EventsAfter(ctx, 0, at(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.EventKey{{Source: "eventgrid", ID: "a"}, {Source: "eventgrid", ID: "c"}}
	if diff := cmp.Diff(want, keysOf(evs)); diff != "" {
		t.Errorf("EventsAfter since +1h (-want +got):\n%s", diff)
	}
}
