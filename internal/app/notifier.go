package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// notifier turns stored events into messages: each new event through
// notify.FromEvent and the policy's routes, the router's flushed groups
// into the store's outbox, and the dispatcher delivers them. After a
// restart the router learns from the outbox what each receiver was told
// (group members included), and the recent events are read again: what
// was told is dropped, what waited in a group is told, and reminders go
// on. The outbox keeps each message key once per receiver.
type notifier struct {
	store    store.Store
	router   *notify.Router
	dispatch *notify.Dispatcher
	opts     notify.MessageOptions
	clock    aksupgrade.Clock
	log      *slog.Logger
	every    time.Duration

	mu sync.Mutex
	// restored is set once the router knows, from the outbox, what was
	// told before this process started; since is how far back events
	// were read then, cursor where the next read starts.
	restored bool
	since    time.Time
	cursor   int64
	wake     chan struct{}
	cancel   context.CancelFunc
	done     chan struct{}
}

// routes converts the policy's routes.
func routes(n *policy.Notifications) []notify.Route {
	var out []notify.Route
	for _, r := range n.Routes {
		nr := notify.Route{Receiver: r.Receiver, Continue: r.Continue, GroupBy: r.GroupBy, GroupWait: r.GroupWait, RepeatInterval: r.RepeatInterval,
			Match: notify.Match{Kinds: r.Kinds, Stages: r.Stages, Clusters: r.Clusters}}
		for _, s := range r.Severities {
			nr.Match.Severities = append(nr.Match.Severities, notify.Severity(s))
		}
		for _, m := range r.MuteTimes {
			nr.MuteTimes = append(nr.MuteTimes, notify.MuteTime{Weekdays: m.Weekdays, Start: m.Start, End: m.End, Location: m.Location})
		}
		out = append(out, nr)
	}
	return out
}

// newNotifier wires the policy's notifications; stageOf names a
// cluster's stage (the engine's, from its last plan).
func newNotifier(st store.Store, pol *policy.Policy, receivers map[string]notify.Receiver, stageOf func(clusterID string) string,
	clk aksupgrade.Clock, log *slog.Logger) (*notifier, error) {
	n := pol.Notifications
	router, err := notify.NewRouter(routes(n))
	if err != nil {
		return nil, fmt.Errorf("notification routes: %w", err)
	}
	d, err := notify.NewDispatcher(notify.DispatcherOptions{Store: st, Receivers: receivers, Clock: clk, Logger: log})
	if err != nil {
		return nil, err
	}
	stages := make([]string, len(pol.Stages))
	zones := map[string]*time.Location{}
	for i, s := range pol.Stages {
		stages[i] = s.Name
		if s.Window.Schedule != nil {
			zones[s.Name] = s.Window.Schedule.Location()
		}
	}
	opts := notify.MessageOptions{BaseURL: n.ServerURL, Stages: stages, Zones: zones, StageOf: stageOf, Templates: n.Templates}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("notification templates: %w", err)
	}
	return &notifier{store: st, router: router, dispatch: d, opts: opts, clock: clk, log: log, every: 15 * time.Second,
		wake: make(chan struct{}, 1)}, nil
}

// Wake makes the notifier look at new events now.
func (n *notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) start(ctx context.Context) {
	ctx, n.cancel = context.WithCancel(ctx)
	n.done = make(chan struct{})
	n.dispatch.Start(ctx)
	go func() {
		defer close(n.done)
		for {
			if err := n.step(ctx); err != nil && ctx.Err() == nil {
				n.log.Warn("notifications: will try again", "err", err)
			}
			wait := n.every
			if next, ok := n.router.Next(); ok {
				wait = min(wait, max(next.Sub(n.clock.Now()), 0))
			}
			select {
			case <-ctx.Done():
				return
			case <-n.wake:
			case <-n.clock.After(wait):
			}
		}
	}()
}

func (n *notifier) stop() {
	if n.cancel == nil {
		return
	}
	n.cancel()
	<-n.done
	n.dispatch.Stop()
}

// restoreLimit is how many of the newest outbox entries a restarted
// notifier reads to learn what it told.
const restoreLimit = 10000

// eventPage is how many events one store read returns.
const eventPage = 500

// step reads the events stored since the last step, routes them, and
// queues what is due. The first step after a start learns from the
// outbox what was told, and reads the events of the router's dedup
// window again.
func (n *notifier) step(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.clock.Now()
	if !n.restored {
		if err := n.restore(ctx); err != nil {
			return err
		}
		n.since, n.restored = now.Add(-notify.DefaultDedupWindow), true
	}
	for {
		evs, next, err := n.store.EventsAfter(ctx, n.cursor, n.since, eventPage)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if m, ok := notify.FromEvent(e, n.opts); ok {
				n.router.Add(now, m)
			}
		}
		n.cursor = next
		if len(evs) < eventPage {
			break
		}
	}
	if out := n.router.Flush(now); len(out) > 0 {
		if err := n.store.EnqueueNotifications(ctx, out); err != nil {
			return err
		}
		n.dispatch.Wake()
	}
	return nil
}

// restore tells the router what the outbox says was told.
func (n *notifier) restore(ctx context.Context) error {
	told, err := n.store.Notifications(ctx, restoreLimit)
	if err != nil {
		return fmt.Errorf("read the outbox: %w", err)
	}
	for _, o := range told {
		m, err := notify.DecodeMessage(o)
		if err != nil {
			n.log.Warn("notifications: an outbox entry cannot be read; it may be told again", "err", err)
			continue
		}
		n.router.Restore(o.Receiver, m, o.DueAt)
	}
	return nil
}
