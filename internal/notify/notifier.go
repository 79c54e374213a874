package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/loop"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Options configure a Notifier.
type Options struct {
	// Store holds the events read and the outbox written.
	Store store.Store
	// Policy says what is told, to whom and how: its notifications
	// (routes, templates, server URL), which must be set, and its stages
	// (their order, their windows' time zones).
	Policy *policy.Policy
	// Receivers by name (receivers.Build makes them from the policy); an
	// outbox entry for a receiver not here fails.
	Receivers map[string]Receiver
	// StageOf names the stage of a cluster (by resource ID), "" for none:
	// the engine's, from its last plan. Nil: a message about a cluster
	// has the stage its event names, if any.
	StageOf func(clusterID string) string
	Clock   aksupgrade.Clock
	// Logger; nil: no logs.
	Logger *slog.Logger
	// Interval is how often Start's loop looks for new events, besides
	// Wake and when a group is due; <= 0: 15s.
	Interval time.Duration
}

// Notifier turns stored events into delivered messages: each event
// stored since it last looked through FromEvent and the policy's routes
// (a Router), the groups the router flushes into the store's outbox, and
// its Dispatcher delivers them.
//
// After a restart, the first Step learns from the outbox what each
// receiver was told (group members included) and reads the events of the
// router's dedup window again: what was told is dropped, what waited in a
// group is told, and reminders go on. The outbox keeps each message key
// once per receiver.
type Notifier struct {
	o        Options
	log      *slog.Logger
	router   *Router
	dispatch *Dispatcher
	messages MessageOptions
	loop     *loop.Loop

	// w, when set, is where the outbox is written (see Lead).
	w atomic.Pointer[store.Store]

	mu sync.Mutex // guards the router and the cursor
	// restored is set once the router knows, from the outbox, what was
	// told before this process started; since is how far back events
	// were read then, cursor where the next read starts.
	restored bool
	since    time.Time
	cursor   int64
}

// New checks o and returns a notifier, not started.
func New(o Options) (*Notifier, error) {
	switch {
	case o.Store == nil || o.Clock == nil:
		return nil, errors.New("notifier: needs a store and a clock")
	case o.Policy == nil || o.Policy.Notifications == nil:
		return nil, errors.New("notifier: needs a policy with notifications")
	}
	if o.Interval <= 0 {
		o.Interval = 15 * time.Second
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	router, err := NewRouter(routes(o.Policy.Notifications))
	if err != nil {
		return nil, fmt.Errorf("notification routes: %w", err)
	}
	messages := messageOptions(o.Policy, o.StageOf)
	if err := messages.Validate(); err != nil {
		return nil, fmt.Errorf("notification templates: %w", err)
	}
	d, err := NewDispatcher(DispatcherOptions{Store: o.Store, Receivers: o.Receivers, Clock: o.Clock, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	return &Notifier{o: o, log: log.With("component", "notify"), router: router, dispatch: d, messages: messages,
		loop: loop.New(o.Clock)}, nil
}

// Start runs the notifier in the background until ctx ends or Stop: a
// Step at once, then every Interval, when a group is due, and whenever
// Wake is called; its dispatcher delivers meanwhile. Starting a running
// notifier does nothing.
func (n *Notifier) Start(ctx context.Context) {
	n.dispatch.Start(ctx)
	n.start(ctx)
}

func (n *Notifier) start(ctx context.Context) {
	n.loop.Start(ctx, func(ctx context.Context) time.Duration {
		if err := n.Step(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("notifications: will try again", "err", err)
		}
		return n.wait()
	})
}

// Lead is Start with what the notifier writes (the outbox, claims and
// marks) written to w: the store fenced at the lease's epoch of the
// replica that leads (see store.Lease).
func (n *Notifier) Lead(ctx context.Context, w store.Store) {
	n.Stop()
	n.w.Store(&w)
	// Another replica may have told things since this one last led: learn
	// them from the outbox again, as after a restart.
	n.mu.Lock()
	n.restored, n.cursor = false, 0
	n.mu.Unlock()
	n.dispatch.Lead(ctx, w)
	n.start(ctx)
}

// writes is where the outbox is written.
func (n *Notifier) writes() store.Store {
	if w := n.w.Load(); w != nil {
		return *w
	}
	return n.o.Store
}

// Stop ends the notifier and its dispatcher and waits for them. It is
// safe to call more than once, and before Start.
func (n *Notifier) Stop() {
	n.loop.Stop()
	n.dispatch.Stop()
}

// Wake makes the notifier look at new events now.
func (n *Notifier) Wake() { n.loop.Poke() }

// wait is how long the loop sleeps: Interval, or until the router's next
// group is due when that is sooner.
func (n *Notifier) wait() time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	wait := n.o.Interval
	if next, ok := n.router.Next(); ok {
		wait = min(wait, max(next.Sub(n.o.Clock.Now()), 0))
	}
	return wait
}

// restoreLimit is how many of the newest outbox entries a restarted
// notifier reads to learn what it told.
const restoreLimit = 10000

// eventPage is how many events one store read returns.
const eventPage = 500

// Step reads the events stored since the last step, routes them, and
// queues what is due in the outbox. The first step learns from the
// outbox what was told, and reads the events of the router's dedup
// window again. A started notifier steps on its own; tests that move a
// clock by hand call it.
func (n *Notifier) Step(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.o.Clock.Now()
	if !n.restored {
		if err := n.restore(ctx); err != nil {
			return err
		}
		n.since, n.restored = now.Add(-DefaultDedupWindow), true
	}
	for {
		evs, next, err := n.o.Store.EventsAfter(ctx, n.cursor, n.since, eventPage)
		if err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		for _, e := range evs {
			if m, ok := FromEvent(e, n.messages); ok {
				n.router.Add(now, m)
			}
		}
		n.cursor = next
		if len(evs) < eventPage {
			break
		}
	}
	if out := n.router.Flush(now); len(out) > 0 {
		if err := n.writes().EnqueueNotifications(ctx, out); err != nil {
			return fmt.Errorf("queue notifications: %w", err)
		}
		n.dispatch.Wake()
	}
	return nil
}

// restore tells the router what the outbox says was told.
func (n *Notifier) restore(ctx context.Context) error {
	told, err := n.o.Store.Notifications(ctx, restoreLimit)
	if err != nil {
		return fmt.Errorf("read the outbox: %w", err)
	}
	for _, o := range told {
		m, err := DecodeMessage(o)
		if err != nil {
			n.log.Warn("notifications: an outbox entry cannot be read; it may be told again", "err", err)
			continue
		}
		n.router.Restore(o.Receiver, m, o.DueAt)
	}
	return nil
}

// DeliverDue delivers the outbox entries due now (see
// Dispatcher.DeliverDue); a started notifier does it on its own.
func (n *Notifier) DeliverDue(ctx context.Context) (sent, failed int, err error) {
	return n.dispatch.DeliverDue(ctx)
}

// Stats returns the delivery counters per receiver.
func (n *Notifier) Stats() map[string]ReceiverStats { return n.dispatch.Stats() }
