package lease_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/lease"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

const ttl = 15 * time.Second

// replica is an elector with its own clock, and what it was told to do.
type replica struct {
	e     *lease.Elector
	clock *clock.Manual
	calls []string // "lead 1", "follow"
	term  lease.Term
}

func newReplica(t *testing.T, st store.Store, name string, start time.Time) *replica {
	t.Helper()
	r := &replica{clock: clock.NewManual(start)}
	e, err := lease.New(lease.Options{Store: st, Holder: name, TTL: ttl, Clock: r.clock,
		Lead: func(_ context.Context, term lease.Term) {
			r.term = term
			r.calls = append(r.calls, "lead "+string(rune('0'+term.Epoch)))
		},
		Follow: func(context.Context) { r.calls = append(r.calls, "follow") },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.e = e
	return r
}

func (r *replica) want(t *testing.T, calls ...string) {
	t.Helper()
	if !slices.Equal(r.calls, calls) {
		t.Fatalf("calls %q, want %q", r.calls, calls)
	}
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestElector: the first replica leads, the second follows; the leader's
// Held says no once its renewal is overdue; another replica takes over
// once the lease expired, the old leader follows on its next attempt and
// its term's store is fenced; a released lease is taken at once.
func TestElector(t *testing.T) {
	ctx := t.Context()
	st := openStore(t)
	start := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	a, b := newReplica(t, st, "a", start), newReplica(t, st, "b", start)

	a.e.Step(ctx)
	b.e.Step(ctx)
	a.want(t, "lead 1")
	b.want(t, "follow")
	if err := a.e.Held(); err != nil {
		t.Fatalf("a leads, but Held: %v", err)
	}
	if s := b.e.Status(); s.Leading || s.Lease.Holder != "a" || s.Self != "b" {
		t.Fatalf("b's status %+v, want following a", s)
	}
	// Renewals keep the term; nothing is called again.
	a.clock.Advance(ttl / 3)
	a.e.Step(ctx)
	b.e.Step(ctx)
	a.want(t, "lead 1")
	b.want(t, "follow")

	// a is paused: its renewal is overdue by its own clock.
	a.clock.Advance(ttl * 2 / 3)
	if err := a.e.Held(); err == nil {
		t.Fatal("Held is nil two thirds of the TTL after the last renewal")
	}
	if a.e.Status().Leading {
		t.Fatal("a's status says it leads with its renewal overdue")
	}
	// b, past the lease's expiry, takes over with the next epoch.
	b.clock.Advance(ttl + ttl/3)
	b.e.Step(ctx)
	b.want(t, "follow", "lead 2")
	// a's term writes nothing any more.
	if err := a.term.Store.Log(ctx, store.AuditEntry{At: start, Actor: "engine", Kind: "note", Message: "stale"}); err == nil {
		t.Fatal("a write of a's lost term was taken")
	}
	a.e.Step(ctx)
	a.want(t, "lead 1", "follow")
	if s := a.e.Status(); s.Leading || s.Lease.Holder != "b" || s.Lease.Epoch != 2 {
		t.Fatalf("a's status %+v, want following b at epoch 2", s)
	}

	// b stops and releases: a takes the lease on its next attempt.
	if err := b.e.Release(ctx); err != nil {
		t.Fatal(err)
	}
	a.clock.Set(b.clock.Now())
	a.e.Step(ctx)
	a.want(t, "lead 1", "follow", "lead 3")
}

// TestElectorNewTerm: a leader whose lease lapsed, was taken and given
// back meanwhile, is restarted with the new term's fence rather than
// going on with the old one.
func TestElectorNewTerm(t *testing.T) {
	ctx := t.Context()
	st := openStore(t)
	start := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	a := newReplica(t, st, "a", start)
	a.e.Step(ctx)
	// While a was paused, b took the lease and released it.
	if _, err := st.AcquireLease(ctx, store.LeaseRequest{Holder: "b", At: start.Add(ttl), TTL: ttl}); err != nil {
		t.Fatal(err)
	}
	if err := st.ReleaseLease(ctx, "b", 2, start.Add(ttl+time.Second)); err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(ttl + 2*time.Second)
	a.e.Step(ctx)
	a.want(t, "lead 1", "follow", "lead 3")
	if err := a.term.Store.Log(ctx, store.AuditEntry{At: start, Actor: "engine", Kind: "note", Message: "new term"}); err != nil {
		t.Fatalf("a write of the new term: %v", err)
	}
}
