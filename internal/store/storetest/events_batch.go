package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// testPutEvents: a batch is stored as that many PutEvent calls in a row
// would store it (readers see its events in batch order, duplicates of
// stored events and of earlier events of the batch are not inserted),
// but all or nothing.
func testPutEvents(t *testing.T, open Opener) {
	t.Run("new events", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		// Received at the same time, events are read in the order of
		// the batch (their storing order); otherwise by receive time.
		e1 := event("eventgrid", "1", at(time.Minute))
		e2 := event("eventgrid", "2", at(0))
		e3 := event("eventgrid", "3", at(time.Minute))
		e4 := event("poller", "1", at(time.Minute))
		e4.Data, e4.Subject = nil, "" // no payload comes back as nil
		done := event("engine", "5", at(2*time.Minute))
		done.ProcessedAt = ptr(at(2 * time.Minute))
		batch := []store.Event{e1, e2, e3, e4, done}
		mustPutEvents(t, s, batch, []bool{true, true, true, true, true})

		all, err := s.Events(ctx, 0)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		if diff := cmp.Diff([]store.Event{done, e4, e3, e1, e2}, all); diff != "" {
			t.Errorf("Events, newest first (-want +got):\n%s", diff)
		}
		pending, err := s.PendingEvents(ctx, 0)
		if err != nil {
			t.Fatalf("PendingEvents: %v", err)
		}
		if diff := cmp.Diff([]store.Event{e2, e1, e3, e4}, pending); diff != "" {
			t.Errorf("PendingEvents, oldest first (-want +got):\n%s", diff)
		}
		after, _, err := s.EventsAfter(ctx, 0, time.Time{}, 0)
		if err != nil {
			t.Fatalf("EventsAfter: %v", err)
		}
		if diff := cmp.Diff(keysOf(batch), keysOf(after)); diff != "" {
			t.Errorf("EventsAfter, in storing order (-batch +got):\n%s", diff)
		}
	})

	t.Run("duplicates", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		old := event("eventgrid", "old", at(0))
		mustPut(t, s, old)
		// Duplicates keep what was stored first, even when their other
		// fields differ.
		oldAgain := event("eventgrid", "old", at(time.Hour))
		oldAgain.Type = "Other"
		n1 := event("eventgrid", "n1", at(time.Minute))
		n1Again := event("eventgrid", "n1", at(time.Hour))
		n1Again.Data = []byte(`{"again":true}`)
		n2 := event("eventgrid", "n2", at(time.Minute))
		n3 := event("poller", "n1", at(time.Minute)) // another source: another event
		mustPutEvents(t, s,
			[]store.Event{n1, oldAgain, n2, n1Again, oldAgain, n3, n2},
			[]bool{true, false, true, false, false, true, false})
		// A batch of duplicates only stores nothing.
		mustPutEvents(t, s, []store.Event{n3, old, n1}, []bool{false, false, false})

		pending, err := s.PendingEvents(ctx, 0)
		if err != nil {
			t.Fatalf("PendingEvents: %v", err)
		}
		if diff := cmp.Diff([]store.Event{old, n1, n2, n3}, pending); diff != "" {
			t.Errorf("PendingEvents (-want +got):\n%s", diff)
		}
		// PutEvent after the batch sees the batch's events as stored.
		if mustPut(t, s, n2) {
			t.Errorf("PutEvent of an event stored by PutEvents: inserted = true")
		}
	})

	t.Run("invalid", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		stored := event("eventgrid", "stored", at(0))
		mustPut(t, s, stored)
		for i, bad := range []store.Event{
			{Key: store.EventKey{Source: "eventgrid"}, Type: "t", ReceivedAt: at(0)},
			{Key: store.EventKey{Source: "eventgrid", ID: "x"}, ReceivedAt: at(0)},
			{Key: store.EventKey{Source: "eventgrid", ID: "x"}, Type: "t"},
			{Key: store.EventKey{Source: "eventgrid", ID: "x"}, Type: "t", ReceivedAt: at(0), Data: []byte("{not json")},
		} {
			// The invalid event comes after valid ones, new and not:
			// none of them is stored.
			batch := []store.Event{event("eventgrid", fmt.Sprint("new", i), at(0)), stored, bad}
			inserted, err := s.PutEvents(ctx, batch)
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("PutEvents with %+v = %v, %v; want ErrInvalid", bad, inserted, err)
			}
		}
		all, err := s.Events(ctx, 0)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		if diff := cmp.Diff([]store.Event{stored}, all); diff != "" {
			t.Errorf("Events after invalid batches (-want +got):\n%s", diff)
		}
	})

	t.Run("empty", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		for _, batch := range [][]store.Event{nil, {}} {
			inserted, err := s.PutEvents(ctx, batch)
			if err != nil || len(inserted) != 0 {
				t.Errorf("PutEvents(%#v) = %v, %v; want an empty slice, nil", batch, inserted, err)
			}
		}
		if all, err := s.Events(ctx, 0); err != nil || len(all) != 0 {
			t.Errorf("Events after empty batches = %v, %v", keysOf(all), err)
		}
	})

	t.Run("large", func(t *testing.T) {
		// A batch larger than the webhook ever commits at once (see
		// eventgrid's commit cap), every second event a duplicate of
		// the one before it.
		s := open(t)
		ctx := t.Context()
		var batch []store.Event
		var want []bool
		for i := range 1500 {
			batch = append(batch, event("eventgrid", fmt.Sprint(i/2), at(time.Duration(i)*time.Millisecond)))
			want = append(want, i%2 == 0)
		}
		mustPutEvents(t, s, batch, want)
		pending, err := s.PendingEvents(ctx, 0)
		if err != nil {
			t.Fatalf("PendingEvents: %v", err)
		}
		if len(pending) != 750 {
			t.Fatalf("%d events pending, want 750", len(pending))
		}
		for i, e := range pending {
			if e.Key.ID != fmt.Sprint(i) || !e.ReceivedAt.Equal(at(time.Duration(2*i)*time.Millisecond)) {
				t.Fatalf("pending event %d is %s received at %s, want %d at %s (the first of its key)",
					i, e.Key.ID, e.ReceivedAt, i, at(time.Duration(2*i)*time.Millisecond))
			}
		}
	})

	t.Run("closed", func(t *testing.T) {
		s := open(t)
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if _, err := s.PutEvents(t.Context(), []store.Event{event("eventgrid", "1", at(0))}); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("PutEvents after Close: err = %v, want ErrUnavailable", err)
		}
	})
}

// mustPutEvents stores batch and checks which events were new.
func mustPutEvents(t *testing.T, s store.Store, batch []store.Event, want []bool) {
	t.Helper()
	inserted, err := s.PutEvents(t.Context(), batch)
	if err != nil {
		t.Fatalf("PutEvents(%v): %v", keysOf(batch), err)
	}
	if diff := cmp.Diff(want, inserted); diff != "" {
		t.Errorf("PutEvents(%v) inserted (-want +got):\n%s", keysOf(batch), diff)
	}
}
