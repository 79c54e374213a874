package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// stepUntilInFlight steps the engine, moving the clock to each due time,
// until an operation is in flight.
func (h *harness) stepUntilInFlight() {
	h.t.Helper()
	ctx := context.Background()
	for range 1000 {
		next, err := h.eng.Step(ctx)
		if err != nil {
			h.t.Fatalf("step at %s: %v", h.clk.Now(), err)
		}
		if active, err := h.st.ActiveSteps(ctx); err != nil || len(active) > 0 {
			if err != nil {
				h.t.Fatal(err)
			}
			return
		}
		if next.After(h.clk.Now()) {
			h.clk.Set(next)
		}
	}
	h.t.Fatal("no operation in flight after 1000 steps")
}

// written counts what the store and Azure hold: audit entries, events,
// steps, and the operations the simulator ran.
type written struct{ audit, events, steps, operations int }

func (h *harness) written() written {
	h.t.Helper()
	ctx := context.Background()
	a, err := h.st.Audit(ctx, store.AuditQuery{})
	if err != nil {
		h.t.Fatal(err)
	}
	ev, err := h.st.Events(ctx, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	st, err := h.st.Steps(ctx, "", 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return written{len(a), len(ev), len(st), len(h.sim.State(true).Operations)}
}

// TestStaleLeaderWritesNothing: a leader whose lease another replica
// took, while its own clock says it still leads (a process paused past
// its lease, a clock that lags), has every write refused by the store's
// fence: its step fails with ErrFenced, and the store and Azure are as
// they were.
func TestStaleLeaderWritesNothing(t *testing.T) {
	h := newHarness(t, "testdata/scenario.yaml", "testdata/policy.yaml")
	ctx := t.Context()
	l, err := h.st.AcquireLease(ctx, store.LeaseRequest{Holder: "a", At: h.clk.Now(), TTL: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.eng.UseLease(h.st.Fenced(l.Epoch), func() error { return nil })
	h.stepUntilInFlight()
	if _, err := h.st.AcquireLease(ctx, store.LeaseRequest{Holder: "b", At: h.clk.Now().Add(16 * time.Second), TTL: 15 * time.Second}); err != nil {
		t.Fatal(err)
	}
	before := h.written()
	// Long enough for the operation in flight to end and others to be
	// due: the stale leader would record the end and issue the next.
	for range 20 {
		h.clk.Advance(30 * time.Minute)
		if _, err := h.eng.Step(ctx); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("step of the stale leader at %s: err = %v, want ErrFenced", h.clk.Now(), err)
		}
	}
	if after := h.written(); after != before {
		t.Errorf("the stale leader changed things: %+v before, %+v after", before, after)
	}
}

// TestLapsedLeaseIssuesNothing: a leader that could not renew its lease
// in time issues no upgrade, even where the store would still take its
// writes (nobody took the lease over yet).
func TestLapsedLeaseIssuesNothing(t *testing.T) {
	h := newHarness(t, "testdata/scenario.yaml", "testdata/policy.yaml")
	lapsed := errors.New("the lease was last renewed too long ago")
	h.eng.UseLease(h.st, func() error { return lapsed })
	ctx := t.Context()
	refused := 0
	for range 200 {
		next, err := h.eng.Step(ctx)
		switch {
		case errors.Is(err, lapsed):
			refused++
		case err != nil:
			t.Fatalf("step at %s: %v", h.clk.Now(), err)
		}
		if next.After(h.clk.Now()) {
			h.clk.Set(next)
		} else {
			h.clk.Advance(time.Hour)
		}
	}
	if refused == 0 {
		t.Fatal("the engine never wanted to issue an upgrade: the test proves nothing")
	}
	if w := h.written(); w.operations != 0 || w.steps != 0 {
		t.Errorf("%d operations in Azure and %d steps recorded, want none", w.operations, w.steps)
	}
}
