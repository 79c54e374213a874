package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Of the replicas that share a store, one leads (see store.Lease): its
// engine runs the loop (Lead), writing through the store fenced at its
// lease's epoch. The others follow (Follow): their engines plan from what
// the leader stored, so that their API shows the plan and takes
// operators' actions, which any replica records.

// writer is where the loop writes, and whether it may act.
type writer struct {
	st store.Store
	// held reports whether the lease is still held (nil: no lease).
	held func() error
}

// Lead runs the loop until ctx ends or Stop, like Start, but writing
// through w (the store fenced at the lease's epoch: store.Fenced) and
// issuing no upgrade unless held reports the lease still held. A running
// loop is stopped first.
func (e *Engine) Lead(ctx context.Context, w store.Store, held func() error) {
	e.loop.Stop()
	e.UseLease(w, held)
	e.start(ctx)
}

// UseLease makes Step write through w and issue no upgrade unless held
// reports the lease still held, as Lead does; tests that Step by hand
// call it. It must not be called while the loop runs.
func (e *Engine) UseLease(w store.Store, held func() error) {
	e.w.Store(&writer{st: w, held: held})
}

// Follow runs a loop that only plans, every PollInterval, from the fleet,
// history and operations the leader stored; it asks nothing of Azure and
// writes nothing. A running loop is stopped first.
func (e *Engine) Follow(ctx context.Context) {
	e.loop.Stop()
	e.loop.Start(ctx, func(ctx context.Context) time.Duration {
		err := e.planFromStore(ctx)
		e.mu.Lock()
		switch {
		case err == nil:
			e.stepErr = nil
		case ctx.Err() == nil:
			e.stepErr, e.stepErrAt = err, e.o.Clock.Now()
			e.log.Warn("following the leader: cannot plan", "err", err)
		}
		e.mu.Unlock()
		return e.o.PollInterval
	})
}

// planFromStore plans once from what the store holds.
func (e *Engine) planFromStore(ctx context.Context) error {
	now := e.o.Clock.Now()
	f, err := e.o.Store.Fleet(ctx)
	if isNotFound(err) {
		return nil // the leader has not observed the fleet yet
	}
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	active, err := e.o.Store.ActiveSteps(ctx)
	if err != nil {
		return fmt.Errorf("operations: %w", err)
	}
	// Azure's maintenance notices reach the leader; read them again.
	e.cal.mu.Lock()
	e.cal.loaded = false
	e.cal.mu.Unlock()
	res, err := e.plan(ctx, now, f, active)
	e.mu.Lock()
	e.last, e.lastErr = res, err
	e.mu.Unlock()
	return err
}

// writes is the store the loop writes to.
func (e *Engine) writes() store.Store {
	if w := e.w.Load(); w != nil {
		return w.st
	}
	return e.o.Store
}

// held reports whether the loop may act: nil unless it leads under a
// lease that it no longer holds.
func (e *Engine) held() error {
	if w := e.w.Load(); w != nil && w.held != nil {
		return w.held()
	}
	return nil
}
