package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

const ttl = 15 * time.Second

func acquire(t *testing.T, s store.Store, holder string, when time.Time) store.Lease {
	t.Helper()
	l, err := s.AcquireLease(t.Context(), store.LeaseRequest{Holder: holder, At: when, TTL: ttl})
	if err != nil {
		t.Fatalf("AcquireLease(%s at %s): %v", holder, when, err)
	}
	return l
}

// wantHeld checks that holder cannot take the lease at when, because
// by holds it.
func wantHeld(t *testing.T, s store.Store, holder string, when time.Time, by string) {
	t.Helper()
	_, err := s.AcquireLease(t.Context(), store.LeaseRequest{Holder: holder, At: when, TTL: ttl})
	var held *store.LeaseHeldError
	if !errors.As(err, &held) || !errors.Is(err, store.ErrLeaseHeld) {
		t.Fatalf("AcquireLease(%s at %s): err = %v, want a LeaseHeldError", holder, when, err)
	}
	if held.Lease.Holder != by {
		t.Fatalf("AcquireLease(%s): held by %q, want %q", holder, held.Lease.Holder, by)
	}
}

// testLease: the lease goes to one holder at a time; a renewal keeps its
// epoch and first time, a new holder gets the next epoch once the lease
// expired or was released; a release by anyone else changes nothing.
func testLease(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	if _, err := s.CurrentLease(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CurrentLease before any: err = %v, want ErrNotFound", err)
	}
	a := acquire(t, s, "a", at(0))
	if want := (store.Lease{Holder: "a", Epoch: 1, Acquired: at(0), Renewed: at(0), Expires: at(ttl)}); a != want {
		t.Fatalf("first lease = %+v, want %+v", a, want)
	}
	wantHeld(t, s, "b", at(5*time.Second), "a")
	a = acquire(t, s, "a", at(10*time.Second))
	if want := (store.Lease{Holder: "a", Epoch: 1, Acquired: at(0), Renewed: at(10 * time.Second), Expires: at(25 * time.Second)}); a != want {
		t.Fatalf("renewed lease = %+v, want %+v", a, want)
	}
	wantHeld(t, s, "b", at(25*time.Second-time.Nanosecond), "a")
	b := acquire(t, s, "b", at(25*time.Second))
	if b.Epoch != 2 || b.Acquired != at(25*time.Second) {
		t.Fatalf("lease after a's expired = %+v, want epoch 2 acquired at 25s", b)
	}
	if cur, err := s.CurrentLease(ctx); err != nil || cur != b {
		t.Fatalf("CurrentLease = %+v, %v; want %+v", cur, err, b)
	}
	wantHeld(t, s, "a", at(26*time.Second), "b")

	// A release by a past holder, or of another epoch, changes nothing.
	if err := s.ReleaseLease(ctx, "a", 1, at(27*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLease(ctx, "b", 1, at(27*time.Second)); err != nil {
		t.Fatal(err)
	}
	wantHeld(t, s, "a", at(28*time.Second), "b")
	// The holder's release frees it at once.
	if err := s.ReleaseLease(ctx, "b", 2, at(29*time.Second)); err != nil {
		t.Fatal(err)
	}
	if cur, err := s.CurrentLease(ctx); err != nil || cur.Held(at(29*time.Second)) {
		t.Fatalf("CurrentLease after release = %+v, %v; want expired", cur, err)
	}
	if a = acquire(t, s, "a", at(30*time.Second)); a.Epoch != 3 {
		t.Fatalf("lease after release = %+v, want epoch 3", a)
	}
	for _, r := range []store.LeaseRequest{{At: at(0), TTL: ttl}, {Holder: "a", TTL: ttl}, {Holder: "a", At: at(0)}} {
		if _, err := s.AcquireLease(ctx, r); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AcquireLease(%+v): err = %v, want ErrInvalid", r, err)
		}
	}
}

// testLeaseRace: of many replicas asking at once, exactly one gets the
// lease.
func testLeaseRace(t *testing.T, open Opener) {
	s := open(t)
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  []string
		errs []error
	)
	for i := range n {
		holder := string(rune('a' + i))
		wg.Go(func() {
			_, err := s.AcquireLease(t.Context(), store.LeaseRequest{Holder: holder, At: at(0), TTL: ttl})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, holder)
			case !errors.Is(err, store.ErrLeaseHeld):
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 || len(won) != 1 {
		t.Fatalf("winners %v, errors %v; want exactly one winner and no other error", won, errs)
	}
	if cur, err := s.CurrentLease(t.Context()); err != nil || cur.Holder != won[0] || cur.Epoch != 1 {
		t.Fatalf("CurrentLease = %+v, %v; want %s's, epoch 1", cur, err, won[0])
	}
}

// writes are every write of the store, each writing something new when
// the store is fresh.
func writes(s store.Store) map[string]func(ctx context.Context) error {
	k := kube("1.31.4")
	return map[string]func(ctx context.Context) error{
		"SaveFleet": func(ctx context.Context) error { return s.SaveFleet(ctx, store.Fleet{At: at(0)}) },
		"Record": func(ctx context.Context) error {
			_, err := s.Record(ctx, store.Fact{Transitions: []store.Transition{{Kind: store.TransitionReached, Stage: "dev", Target: k, At: at(0), Actor: "engine"}}})
			return err
		},
		"Apply": func(ctx context.Context) error {
			return s.Apply(ctx, store.Transition{Kind: store.TransitionStarted, Stage: "dev", Target: k, At: at(0), Actor: "engine"})
		},
		"SetRun": func(ctx context.Context) error {
			return s.SetRun(ctx, store.Run{ClusterID: clusterID("a"), Stage: "dev", Target: k, State: store.RunPending, UpdatedAt: at(0)})
		},
		"BeginStep": func(ctx context.Context) error {
			_, err := s.BeginStep(ctx, controlPlane(clusterID("a"), at(0)))
			return err
		},
		"Log": func(ctx context.Context) error {
			return s.Log(ctx, store.AuditEntry{At: at(0), Actor: "a", Kind: "note", Message: "m"})
		},
		"PutEvent": func(ctx context.Context) error { _, err := s.PutEvent(ctx, event("s", "1", at(0))); return err },
		"PutEvents": func(ctx context.Context) error {
			_, err := s.PutEvents(ctx, []store.Event{event("s", "2", at(0))})
			return err
		},
		"EnqueueNotifications": func(ctx context.Context) error {
			return s.EnqueueNotifications(ctx, []store.Outgoing{outgoing("r", "k", at(0))})
		},
		"Prune": func(ctx context.Context) error {
			_, err := s.Prune(ctx, store.Retention{EventsBefore: at(0)})
			return err
		},
		"Writable": func(ctx context.Context) error { return s.Writable(ctx) },
	}
}

// testFenced: the fenced view of the lease's epoch writes; that of an
// older epoch writes nothing (ErrFenced), whatever the write, and reads
// as well as any.
func testFenced(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	old := acquire(t, s, "a", at(0))
	// A write of the holder's view before the takeover is kept.
	if err := s.Fenced(old.Epoch).Log(ctx, store.AuditEntry{At: at(0), Actor: "engine", Kind: "note", Message: "before"}); err != nil {
		t.Fatalf("a write of the lease's epoch: %v", err)
	}
	cur := acquire(t, s, "b", at(ttl))
	stale := s.Fenced(old.Epoch)
	for name, write := range writes(stale) {
		if err := write(ctx); !errors.Is(err, store.ErrFenced) {
			t.Errorf("%s of epoch %d after epoch %d took over: err = %v, want ErrFenced", name, old.Epoch, cur.Epoch, err)
		}
	}
	// Nothing of them was written.
	if _, err := s.Fleet(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Fleet after fenced writes: err = %v, want ErrNotFound", err)
	}
	if h, err := s.History(ctx); err != nil || len(h.Rollouts) != 0 {
		t.Errorf("History after fenced writes = %+v, %v; want none", h, err)
	}
	if a, err := s.Audit(ctx, store.AuditQuery{}); err != nil || len(a) != 1 {
		t.Errorf("Audit after fenced writes: %d entries, %v; want only the one before", len(a), err)
	}
	if es, err := s.Events(ctx, 0); err != nil || len(es) != 0 {
		t.Errorf("Events after fenced writes: %d, %v; want none", len(es), err)
	}
	if os, err := s.Notifications(ctx, 0); err != nil || len(os) != 0 {
		t.Errorf("Notifications after fenced writes: %d, %v; want none", len(os), err)
	}
	// Reads of the stale view work.
	if _, err := stale.Audit(ctx, store.AuditQuery{}); err != nil {
		t.Errorf("a read of the stale view: %v", err)
	}
	// The view of the lease's epoch writes everything.
	fresh := s.Fenced(cur.Epoch)
	for name, write := range writes(fresh) {
		if err := write(ctx); err != nil {
			t.Errorf("%s of the lease's epoch %d: %v", name, cur.Epoch, err)
		}
	}
	// Updates of what the current view wrote: refused for the stale one.
	steps, err := s.ActiveSteps(ctx)
	if err != nil || len(steps) != 1 {
		t.Fatalf("ActiveSteps = %v, %v; want the step begun", steps, err)
	}
	up := steps[0]
	up.State, up.UpdatedAt = store.StepAbandoned, at(ttl)
	if err := stale.UpdateStep(ctx, up); !errors.Is(err, store.ErrFenced) {
		t.Errorf("UpdateStep of the stale view: err = %v, want ErrFenced", err)
	}
	if err := stale.MarkProcessed(ctx, []store.EventKey{{Source: "s", ID: "1"}}, at(ttl)); !errors.Is(err, store.ErrFenced) {
		t.Errorf("MarkProcessed of the stale view: err = %v, want ErrFenced", err)
	}
	os, err := s.Notifications(ctx, 0)
	if err != nil || len(os) != 1 {
		t.Fatalf("Notifications = %v, %v; want the one enqueued", os, err)
	}
	for name, mark := range map[string]func() error{
		"ClaimNotification": func() error {
			_, err := stale.ClaimNotification(ctx, os[0].ID, at(ttl), at(2*ttl))
			return err
		},
		"MarkSent":   func() error { return stale.MarkSent(ctx, os[0].ID, at(ttl)) },
		"MarkRetry":  func() error { return stale.MarkRetry(ctx, os[0].ID, at(ttl), 1, "x") },
		"MarkFailed": func() error { return stale.MarkFailed(ctx, os[0].ID, at(ttl), "x") },
	} {
		if err := mark(); !errors.Is(err, store.ErrFenced) {
			t.Errorf("%s of the stale view: err = %v, want ErrFenced", name, err)
		}
	}
	if err := fresh.UpdateStep(ctx, up); err != nil {
		t.Errorf("UpdateStep of the lease's epoch: %v", err)
	}
	if err := fresh.MarkSent(ctx, os[0].ID, at(ttl)); err != nil {
		t.Errorf("MarkSent of the lease's epoch: %v", err)
	}
}
