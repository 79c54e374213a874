// Package lease elects, among the replicas that share a store, the one
// that runs the engine, the poller and the notifier: the holder of the
// store's lease (see store.Lease). An Elector asks for the lease every
// third of its TTL, and renews it while it holds it. It leads from the
// moment it takes the lease until, by its own clock, two thirds of the
// TTL passed since the start of its last successful renewal; the store
// lets another replica take over only once the whole TTL passed (by that
// replica's clock), so a leader that is paused, cut off or slow stops
// acting before another starts. What a stale leader still tries to write
// is refused by the store's fence (store.Fenced).
//
// These are the timings of Kubernetes' own leader election in client-go
// (a 15s lease, renewed within 10s, retried every 2s), with the lease in
// the store instead of the API server.
package lease

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/loop"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// DefaultTTL is how long a lease lasts unless renewed.
const DefaultTTL = 15 * time.Second

// Term is one holding of the lease: its epoch, the store fenced at it,
// and Held, which says whether the lease is still held now.
type Term struct {
	Epoch int64
	Store store.Store
	Held  func() error
}

// Options configure an Elector.
type Options struct {
	Store store.Store
	// Holder names this replica; empty: Holder().
	Holder string
	// TTL of the lease (default DefaultTTL).
	TTL    time.Duration
	Clock  aksupgrade.Clock
	Logger *slog.Logger
	// Lead is called when this replica takes the lease; Follow when it
	// does not hold it: at the first attempt that does not get it, and
	// when it lost it. Both are called from the elector's goroutine, one
	// at a time; Lead must start what leads and return.
	Lead   func(ctx context.Context, t Term)
	Follow func(ctx context.Context)
	// Tick, when set, is called after every renewal while leading.
	Tick func(ctx context.Context)
}

// Status is where this replica stands.
type Status struct {
	// Self is this replica's holder name; Leading whether it leads.
	Self    string `json:"self"`
	Leading bool   `json:"leading"`
	// Lease is the lease as last read or written (zero before).
	Lease store.Lease `json:"lease"`
	// Err is why the last attempt failed, other than the lease being
	// held by another replica (the store unreachable, ...); nil else.
	Err error `json:"-"`
}

// Elector takes and keeps the lease.
type Elector struct {
	o    Options
	log  *slog.Logger
	loop *loop.Loop

	mu       sync.Mutex
	status   Status
	deadline time.Time // leading until then (by o.Clock)

	// Of the loop's goroutine: the epoch Lead was last called with (0:
	// Follow was called since), and whether either was called yet.
	term    int64
	started bool
}

// Holder is a name for this process: host, process ID and a random
// suffix, so that a restarted process is a new holder.
func Holder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host" // a name still tells the processes apart
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:6])
}

// New checks the options and returns an Elector.
func New(o Options) (*Elector, error) {
	switch {
	case o.Store == nil:
		return nil, errors.New("lease: no store")
	case o.Clock == nil:
		return nil, errors.New("lease: no clock")
	case o.Lead == nil || o.Follow == nil:
		return nil, errors.New("lease: Lead and Follow are required")
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Holder == "" {
		o.Holder = Holder()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Elector{o: o, log: o.Logger, loop: loop.New(o.Clock), status: Status{Self: o.Holder}}, nil
}

// Start asks for the lease once, before it returns (so that Lead or
// Follow has been called), and then every third of the TTL in the
// background until ctx ends or Stop. Lead and Follow get ctx.
func (e *Elector) Start(ctx context.Context) {
	e.step(ctx, ctx)
	e.loop.Start(ctx, func(loopCtx context.Context) time.Duration {
		select {
		case <-e.o.Clock.After(e.o.TTL / 3):
			e.step(loopCtx, ctx)
		case <-loopCtx.Done():
		}
		return 0
	})
}

// Stop ends the elector's loop and waits for it; it calls neither Lead
// nor Follow. The caller stops what leads, then calls Release.
func (e *Elector) Stop() { e.loop.Stop() }

// Release gives the lease up, if this replica holds it, so that another
// takes over at once rather than after the TTL.
func (e *Elector) Release(ctx context.Context) error {
	e.mu.Lock()
	leading, epoch := e.status.Leading, e.status.Lease.Epoch
	e.status.Leading, e.deadline = false, time.Time{}
	e.mu.Unlock()
	e.term = 0
	if !leading {
		return nil
	}
	if err := e.o.Store.ReleaseLease(ctx, e.o.Holder, epoch, e.o.Clock.Now()); err != nil {
		return fmt.Errorf("release the lease: %w", err)
	}
	e.log.Info("lease released", "holder", e.o.Holder, "epoch", epoch)
	return nil
}

// Status is where this replica stands now.
func (e *Elector) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.status
	if st.Leading && !e.o.Clock.Now().Before(e.deadline) {
		st.Leading = false
	}
	return st
}

// Held is nil while this replica leads, or why it does not.
func (e *Elector) Held() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.status.Leading {
		return errors.New("this replica does not hold the lease")
	}
	if now := e.o.Clock.Now(); !now.Before(e.deadline) {
		return fmt.Errorf("the lease was last renewed too long ago (renewal due before %s, now %s)",
			e.deadline.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	return nil
}

// Step makes one attempt: take or renew the lease, and call Lead or
// Follow (with ctx) when that changes what this replica does.
func (e *Elector) Step(ctx context.Context) { e.step(ctx, ctx) }

// step is Step, with run the context Lead and Follow get.
func (e *Elector) step(ctx, run context.Context) {
	start := e.o.Clock.Now()
	l, err := e.o.Store.AcquireLease(ctx, store.LeaseRequest{Holder: e.o.Holder, At: start, TTL: e.o.TTL})
	if ctx.Err() != nil {
		return // stopping: what this replica does changes no more
	}
	var held *store.LeaseHeldError
	e.mu.Lock()
	switch {
	case err == nil:
		e.status.Lease, e.status.Err = l, nil
		e.status.Leading, e.deadline = true, start.Add(e.o.TTL*2/3)
	case errors.As(err, &held):
		e.status.Lease, e.status.Err = held.Lease, nil
		e.status.Leading, e.deadline = false, time.Time{}
	default:
		// Unknown: go on leading until the deadline; Held says no after.
		e.status.Err = err
	}
	leading := e.status.Leading && start.Before(e.deadline)
	epoch := e.status.Lease.Epoch
	e.mu.Unlock()

	switch {
	case err != nil && held == nil:
		e.log.Warn("lease: cannot reach the store to take or renew the lease", "err", err, "leading", leading)
	case leading && e.term != epoch:
		e.log.Info("lease taken: this replica leads", "holder", e.o.Holder, "epoch", epoch)
	case !leading && e.term != 0:
		e.log.Warn("lease lost: another replica leads", "leader", e.status.Lease.Holder, "epoch", epoch)
	case !leading && !e.started:
		e.log.Info("lease held by another replica: this one follows", "leader", held.Lease.Holder,
			"epoch", held.Lease.Epoch, "until", held.Lease.Expires)
	}
	switch {
	case leading && e.term == epoch:
		if e.o.Tick != nil {
			e.o.Tick(run)
		}
	case leading:
		if e.term != 0 {
			// Another term came between (the lease lapsed, another
			// replica held and released it): what leads writes with the
			// old epoch's fence, refused; start it again.
			e.o.Follow(run)
		}
		e.term, e.started = epoch, true
		e.o.Lead(run, Term{Epoch: epoch, Store: e.o.Store.Fenced(epoch), Held: e.Held})
	case e.term != 0 || !e.started:
		e.term, e.started = 0, true
		e.o.Follow(run)
	}
}
