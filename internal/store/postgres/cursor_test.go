package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres"
)

// TestEventsCommitOrder: a transaction that stores an event holds the
// events' lock until it commits, so an event stored meanwhile waits, takes
// the next seq, and a reader paging by cursor cannot see the later event
// before the earlier one and skip it.
func TestEventsCommitOrder(t *testing.T) {
	sc := newSchema(t)
	s := openStore(t, sc.dsn)
	ctx := t.Context()
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	first, second := event("first", at), event("second", at)

	// Another writer stores the first event and has not committed yet.
	tx, err := sc.admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }() // a no-op after the commit
	if _, err := tx.Exec(ctx, `INSERT INTO events (source, id, type, time, received_at)
VALUES ($1, $2, $3, $4, $4)`, first.Key.Source, first.Key.ID, string(first.Type), "2026-03-02T09:30:00.000000000Z"); err != nil {
		t.Fatal(err)
	}
	stored := make(chan error, 1)
	go func() {
		_, err := s.PutEvent(ctx, second)
		stored <- err
	}()
	waitForEventsLock(t, sc)

	if evs, cursor, err := s.EventsAfter(ctx, 0, time.Time{}, 0); err != nil || len(evs) != 0 || cursor != 0 {
		t.Fatalf("EventsAfter while both are in flight = %v, %d, %v; want nothing", keys(evs), cursor, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-stored; err != nil {
		t.Fatalf("PutEvent: %v", err)
	}
	evs, _, err := s.EventsAfter(ctx, 0, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(evs); len(got) != 2 || got[0] != first.Key || got[1] != second.Key {
		t.Errorf("EventsAfter = %v, want first then second", got)
	}
}

// waitForEventsLock returns once a session waits for the events' lock of
// sc's schema. It polls the server (no sleep: each poll is a round trip).
func waitForEventsLock(t *testing.T, sc schema) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		var waiting bool
		err := sc.admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks
WHERE locktype = 'advisory' AND NOT granted AND classid = 1634431861 AND objid = 'events'::regclass::oid
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`).Scan(&waiting)
		if err != nil {
			t.Fatalf("waiting for the events' lock: %v", err)
		}
		if waiting {
			return
		}
	}
}

// TestEventsAfterConcurrentWriters: writers store events, alone and in
// facts, while a reader pages with the cursor; the reader sees every
// event exactly once.
func TestEventsAfterConcurrentWriters(t *testing.T) {
	s := openStore(t, newSchema(t).dsn, postgres.WithMaxConns(12))
	ctx := t.Context()
	writers, each := 8, 40
	if testing.Short() {
		each = 10
	}
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				e := event(fmt.Sprintf("w%d-%d", w, i), at.Add(time.Duration(i)*time.Second))
				if i%2 == 0 {
					if _, err := s.PutEvent(ctx, e); err != nil {
						t.Errorf("PutEvent: %v", err)
						return
					}
					continue
				}
				// A fact: the transition is written before the event, so
				// the transaction is longer than PutEvent's.
				_, err := s.Record(ctx, store.Fact{
					Transitions: []store.Transition{{Kind: store.TransitionStarted, Stage: fmt.Sprint("s", i),
						Target: aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: fmt.Sprintf("1.%d.0", w)},
						At:     e.ReceivedAt, Actor: store.ActorEngine}},
					Events: []store.Event{e},
				})
				if err != nil {
					t.Errorf("Record: %v", err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[store.EventKey]int{}
	var cursor int64
	page := func() int {
		evs, next, err := s.EventsAfter(ctx, cursor, time.Time{}, 7)
		if err != nil {
			t.Fatalf("EventsAfter(%d): %v", cursor, err)
		}
		if (len(evs) > 0) != (next > cursor) {
			t.Fatalf("EventsAfter(%d): %d events, cursor %d", cursor, len(evs), next)
		}
		for _, e := range evs {
			seen[e.Key]++
		}
		cursor = next
		return len(evs)
	}
	for writing := true; writing; {
		select {
		case <-done:
			writing = false
		default:
			page()
		}
	}
	for page() > 0 {
	}
	if t.Failed() {
		return
	}
	if len(seen) != writers*each {
		t.Errorf("reader saw %d events, want %d", len(seen), writers*each)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("reader saw %s/%s %d times", k.Source, k.ID, n)
		}
	}
}

func event(id string, received time.Time) store.Event {
	return store.Event{Key: store.EventKey{Source: "test", ID: id}, Type: "test.Event", Time: received, ReceivedAt: received}
}

func keys(es []store.Event) []store.EventKey {
	out := make([]store.EventKey, len(es))
	for i, e := range es {
		out[i] = e.Key
	}
	return out
}
