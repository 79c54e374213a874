package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/loop"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Backoff says how long to wait after a failed delivery: Initial after
// the first failure, doubling after each further one, at most Max. No
// jitter: one dispatcher per store delivers, and tests step a clock.
type Backoff struct {
	Initial, Max time.Duration
}

// Delay returns the wait after the n-th failed attempt (n >= 1).
func (b Backoff) Delay(n int) time.Duration {
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// DispatcherOptions configure a Dispatcher.
type DispatcherOptions struct {
	Store store.Store
	// Receivers by name (Receiver.Name()); an outbox entry for a receiver
	// not here fails at once.
	Receivers map[string]Receiver
	Clock     aksupgrade.Clock
	// Logger; nil: no logs.
	Logger *slog.Logger
	// Backoff between attempts; zero fields: 30s initial, 1h max.
	Backoff Backoff
	// MaxAttempts is how many failed attempts make it give up; <= 0: 20.
	MaxAttempts int
	// Interval is how often Start's loop looks for due entries, besides
	// Wake; <= 0: 15s.
	Interval time.Duration
	// BatchSize is how many entries one store read returns; <= 0: 100.
	BatchSize int
	// SendTimeout bounds one Send (real time); <= 0: 30s.
	SendTimeout time.Duration
}

// ReceiverStats count what a dispatcher did for one receiver since it
// was made.
type ReceiverStats struct {
	Sent    int64 `json:"sent"`
	Failed  int64 `json:"failed"`
	Retried int64 `json:"retried"`
}

// Dispatcher delivers the outbox: it reads the entries due, sends each
// to its receiver, and records the result. An entry is marked sent only
// after its receiver accepted it, so a crash in between sends it again
// (at least once; receivers that can pass Message.Key on so that the
// other side drops the duplicate).
//
// A retryable failure (see Retryable) schedules the entry again after
// the backoff, or after the receiver's SendError.RetryAfter when longer;
// while it waits, the receiver's later entries wait too (the store keeps
// each receiver's order), and the rest of the batch skips the receiver.
// After MaxAttempts failures, or at once for a failure that is not
// retryable, the entry is marked failed and the receiver's next entries
// go on.
type Dispatcher struct {
	o   DispatcherOptions
	log *slog.Logger

	mu    sync.Mutex
	stats map[string]*ReceiverStats

	loop *loop.Loop
	// w, when set, is where claims and marks are written (see Lead).
	w atomic.Pointer[store.Store]
}

// NewDispatcher checks o and returns a dispatcher, not started.
func NewDispatcher(o DispatcherOptions) (*Dispatcher, error) {
	if o.Store == nil || o.Clock == nil {
		return nil, errors.New("notify dispatcher: needs a store and a clock")
	}
	for name, r := range o.Receivers {
		if r == nil {
			return nil, fmt.Errorf("notify dispatcher: receiver %s is nil", name)
		}
	}
	if o.Backoff.Initial <= 0 {
		o.Backoff.Initial = 30 * time.Second
	}
	if o.Backoff.Max <= 0 {
		o.Backoff.Max = time.Hour
	}
	o.Backoff.Max = max(o.Backoff.Max, o.Backoff.Initial)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.Interval <= 0 {
		o.Interval = 15 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{o: o, log: log.With("component", "notify"), stats: map[string]*ReceiverStats{}, loop: loop.New(o.Clock)}, nil
}

// Lead is Start with claims and marks written to w: the store fenced at
// the lease's epoch of the replica that leads (see store.Lease).
func (d *Dispatcher) Lead(ctx context.Context, w store.Store) {
	d.loop.Stop()
	d.w.Store(&w)
	d.Start(ctx)
}

// writes is where claims and marks are written.
func (d *Dispatcher) writes() store.Store {
	if w := d.w.Load(); w != nil {
		return *w
	}
	return d.o.Store
}

// Start runs the delivery loop in the background until ctx ends or
// Stop: DeliverDue at once, then every Interval on the clock and whenever
// Wake is called. Starting a running dispatcher does nothing.
func (d *Dispatcher) Start(ctx context.Context) {
	d.loop.Start(ctx, func(ctx context.Context) time.Duration {
		if _, _, err := d.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("deliver notifications", "err", err)
		}
		return d.o.Interval
	})
}

// Stop ends the loop and waits for it; a Send in progress is canceled
// (its entry stays due). It is safe to call more than once, and before
// Start.
func (d *Dispatcher) Stop() { d.loop.Stop() }

// Wake asks the loop to look for due entries now (after an enqueue).
func (d *Dispatcher) Wake() { d.loop.Poke() }

// DeliverDue delivers what is due now and returns how many entries were
// sent and how many given up. It stops at the first store error (what
// was not recorded is delivered again later).
func (d *Dispatcher) DeliverDue(ctx context.Context) (sent, failed int, err error) {
	for {
		now := d.o.Clock.Now()
		due, err := d.o.Store.DueNotifications(ctx, now, d.o.BatchSize)
		if err != nil {
			return sent, failed, fmt.Errorf("read due notifications: %w", err)
		}
		blocked := map[string]bool{}
		progress := false
		for _, o := range due {
			if blocked[o.Receiver] {
				continue
			}
			res, err := d.deliver(ctx, o)
			if err != nil {
				return sent, failed, err
			}
			switch res {
			case resultSent:
				sent++
				progress = true
			case resultFailed:
				failed++
				progress = true
			case resultRetry, resultClaimed:
				blocked[o.Receiver] = true
			case resultCanceled:
				return sent, failed, ctx.Err()
			}
		}
		if len(due) < d.o.BatchSize || len(blocked) > 0 || !progress {
			return sent, failed, nil
		}
	}
}

type result int

const (
	resultSent result = iota
	resultRetry
	resultFailed
	resultCanceled
	// resultClaimed: another sender has it now; its receiver's later
	// entries wait, to keep their order.
	resultClaimed
)

// claimMargin is how long a claim outlasts the send's timeout, for the
// mark after it.
const claimMargin = 30 * time.Second

// deliver claims one entry, sends it and records the outcome. The claim
// keeps any other dispatcher (another replica's, one that lost the lease
// and has not noticed yet) from sending it too until the mark, or until
// the claim lapses after a crash.
func (d *Dispatcher) deliver(ctx context.Context, o store.Outgoing) (result, error) {
	log := d.log.With("receiver", o.Receiver, "key", o.Key, "id", o.ID)
	claimedAt := d.o.Clock.Now()
	claimed, err := d.writes().ClaimNotification(ctx, o.ID, claimedAt, claimedAt.Add(d.o.SendTimeout+claimMargin))
	if err != nil {
		return 0, fmt.Errorf("claim notification %d: %w", o.ID, err)
	}
	if !claimed {
		log.Debug("notification claimed by another sender")
		return resultClaimed, nil
	}
	rcv, ok := d.o.Receivers[o.Receiver]
	var sendErr error
	switch m, err := DecodeMessage(o); {
	case !ok:
		sendErr = &SendError{Receiver: o.Receiver, Err: errors.New("no such receiver is configured")}
	case err != nil:
		sendErr = &SendError{Receiver: o.Receiver, Err: err}
	default:
		sctx, cancel := context.WithTimeout(ctx, d.o.SendTimeout)
		sendErr = rcv.Send(sctx, m)
		cancel()
		if sendErr != nil && ctx.Err() != nil {
			return resultCanceled, nil
		}
	}
	now := d.o.Clock.Now()
	if sendErr == nil {
		if err := d.writes().MarkSent(ctx, o.ID, now); err != nil {
			return 0, fmt.Errorf("record notification %d sent: %w", o.ID, err)
		}
		d.count(o.Receiver, func(s *ReceiverStats) { s.Sent++ })
		log.Debug("notification sent")
		return resultSent, nil
	}
	attempts := o.Attempts + 1
	if !Retryable(sendErr) || attempts >= d.o.MaxAttempts {
		if err := d.writes().MarkFailed(ctx, o.ID, now, sendErr.Error()); err != nil {
			return 0, fmt.Errorf("record notification %d failed: %w", o.ID, err)
		}
		d.count(o.Receiver, func(s *ReceiverStats) { s.Failed++ })
		log.Error("notification given up", "attempts", attempts, "err", sendErr)
		return resultFailed, nil
	}
	wait := d.o.Backoff.Delay(attempts)
	var se *SendError
	if errors.As(sendErr, &se) && se.RetryAfter > wait {
		wait = se.RetryAfter
	}
	if err := d.writes().MarkRetry(ctx, o.ID, now.Add(wait), attempts, sendErr.Error()); err != nil {
		return 0, fmt.Errorf("record notification %d for retry: %w", o.ID, err)
	}
	d.count(o.Receiver, func(s *ReceiverStats) { s.Retried++ })
	log.Warn("notification not delivered; will retry", "attempts", attempts, "in", wait, "err", sendErr)
	return resultRetry, nil
}

func (d *Dispatcher) count(receiver string, f func(*ReceiverStats)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats[receiver]
	if s == nil {
		s = &ReceiverStats{}
		d.stats[receiver] = s
	}
	f(s)
}

// Stats returns the counters per receiver.
func (d *Dispatcher) Stats() map[string]ReceiverStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]ReceiverStats, len(d.stats))
	for k, v := range maps.All(d.stats) {
		out[k] = *v
	}
	return out
}
