package eventgrid

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// DefaultCommitWindow is how long, by default, the first delivery of a
// batch waits for others to join it when no commit is running
// (HandlerOptions.CommitWindow). It is of the order of one commit (a
// commit of one event to SQLite took 0.4 to 2 ms on the machine of the
// benchmarks), so waiting costs a delivery at most about one more
// commit, and only when others come at the same time. Under load it
// hardly matters, since deliveries gather while the commit before them
// runs: at 64 senders, windows from 0.2 to 2 ms gave the same
// throughput within the benchmarks' noise.
const DefaultCommitWindow = time.Millisecond

// DefaultCommitMaxEvents caps the events of a shared commit by default
// (HandlerOptions.CommitMaxEvents): enough for ten deliveries of 100
// events to share a commit, few enough that one commit takes tens of
// milliseconds, not seconds (1000 events: about 10 ms to SQLite and
// 25 to 45 ms to PostgreSQL on the machine of the benchmarks), so that no
// delivery waits long behind others'.
const DefaultCommitMaxEvents = 1000

// maxCommitWindow is the longest CommitWindow Validate accepts: Event
// Grid waits 30 seconds for an answer, and a longer window only delays
// deliveries.
const maxCommitWindow = time.Second

// committer stores the events of concurrent deliveries in shared
// transactions (group commit): one store.PutEvents call, and so one
// sync to disk, for every delivery that arrived while the commit before
// it ran, or during a short window when none ran. It has no goroutine of
// its own: the first delivery of a batch leads it, and commits it on its
// own goroutine. One batch commits at a time.
//
// A batch goes through these states:
//
//	open --> a commit runs: wait for it to end --------------------+--> sealed --> done
//	  |      none runs: wait for the window (if deliveries come   |     (PutEvents with
//	  |      concurrently) or until it is full -------------------'      all its events)
//	  `-- every delivery in it gave up --> dropped, nothing written
//
// Deliveries join the open batch until it is sealed or full; one that
// does not fit starts the next batch. A delivery that gives up (its
// request's context ends) before its batch is sealed takes its events
// out of it, and if it led the batch the next delivery in it leads
// instead; after the seal its events are committed or not, but it
// reports failure either way, since it did not see the commit end.
type committer struct {
	store store.Store
	// window < 0: every delivery commits alone (no batching).
	window    time.Duration
	maxEvents int
	// slot holds a token while a batch commits (or its leader waits for
	// the window): one commit at a time, so that the deliveries arriving
	// meanwhile gather in the next batch instead of queueing for the
	// database's write lock one by one.
	slot chan struct{}

	mu   sync.Mutex
	open *batch // the batch deliveries join; nil when none
	// active counts the deliveries in commit; shared tells whether the
	// last batch committed held more than one. Either says deliveries
	// come concurrently, so a new batch's leader may wait for the
	// window; a lone sender's deliveries never do.
	active int
	shared bool
}

// batch is the events of the deliveries committed together.
type batch struct {
	waiters []*waiter // in the order they joined (their events' order)
	events  int       // of the waiters not gone
	leader  *waiter
	// deadline is when the leader stops waiting for others to join, if
	// no commit ran when it began to lead; zero when it does not wait.
	deadline time.Time
	// full is closed when the batch takes no more deliveries: it holds
	// maxEvents, or one did not fit.
	full     chan struct{}
	isFull   bool
	sealed   bool
	watchers int                // waiters waiting for the commit, once sealed
	cancel   context.CancelFunc // cancels the commit, once sealed

	done chan struct{} // closed when the commit ended; err is set before
	err  error
}

// waiter is one delivery in a batch.
type waiter struct {
	events   []store.Event
	inserted []bool        // which events were new; set before done is closed
	lead     chan struct{} // receives when the waiter is to lead its batch
	gone     bool          // it gave up before the seal; its events are out
}

// newCommitter returns a committer of deliveries to st. window and
// maxEvents are HandlerOptions.CommitWindow and CommitMaxEvents.
func newCommitter(st store.Store, window time.Duration, maxEvents int) *committer {
	if window == 0 {
		window = DefaultCommitWindow
	}
	if maxEvents <= 0 {
		maxEvents = DefaultCommitMaxEvents
	}
	return &committer{store: st, window: window, maxEvents: maxEvents, slot: make(chan struct{}, 1)}
}

// commit stores es, the events of one delivery, in one transaction,
// which it may share with other deliveries, and returns which events
// were new (inserted[i] for es[i]; see store.PutEvents). It returns once
// that transaction has committed, or failed, or when ctx ends first; the
// events of a delivery are committed together or not at all, and only a
// nil error says they were.
func (c *committer) commit(ctx context.Context, es []store.Event) ([]bool, error) {
	if c.window < 0 {
		return c.store.PutEvents(ctx, es)
	}
	w := &waiter{events: es, lead: make(chan struct{}, 1)}
	b := c.join(w)
	defer c.leaveCommit()
	select {
	case <-w.lead:
		return c.lead(ctx, b, w)
	case <-b.done:
		return c.result(b, w)
	case <-ctx.Done():
		// b.done may be closed too, but a waiter that leaves does not
		// look: it reports the failure of its context, never success.
		c.giveUp(b, w)
		return nil, context.Cause(ctx)
	}
}

// join adds w to the open batch, or to a new one that w leads, and
// returns the batch.
func (c *committer) join(w *waiter) *batch {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active++
	b := c.open
	if b != nil && b.events+len(w.events) > c.maxEvents {
		// w does not fit: b's leader commits it as it is, w leads the
		// next batch. A delivery larger than maxEvents is never split:
		// it gets a batch of its own.
		c.closeJoins(b)
		b = nil
	}
	if b == nil {
		b = &batch{full: make(chan struct{}), done: make(chan struct{})}
		if c.active > 1 || c.shared {
			b.deadline = time.Now().Add(c.window)
		}
		c.open = b
		b.leader = w
		w.lead <- struct{}{} // buffered: never blocks
	}
	b.waiters = append(b.waiters, w)
	b.events += len(w.events)
	if b.events >= c.maxEvents {
		c.closeJoins(b)
	}
	return b
}

// closeJoins makes b take no more deliveries and tells its leader it
// need not wait for any. c.mu is held.
func (c *committer) closeJoins(b *batch) {
	if c.open == b {
		c.open = nil
	}
	if !b.isFull {
		b.isFull = true
		close(b.full)
	}
}

// leaveCommit counts a delivery out of commit.
func (c *committer) leaveCommit() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active--
}

// lead commits b: it waits for deliveries to join b, then commits
// every event of b in one PutEvents call and hands each waiter its
// result. When a commit runs already, b takes the deliveries that
// arrive until it ends, and is committed at once after it: under load
// commits follow one another without a pause, each holding what arrived
// during the one before. When none runs, the leader waits until b's
// deadline, if it has one, or until b is full.
//
// The commit runs on a context of its own, not w's: it holds the events
// of every waiter, and ends early only when none waits for it anymore.
func (c *committer) lead(ctx context.Context, b *batch, w *waiter) ([]bool, error) {
	select {
	case c.slot <- struct{}{}:
		if err := c.wait(ctx, b); err != nil {
			<-c.slot
			c.giveUp(b, w)
			return nil, err
		}
	default:
		select {
		case c.slot <- struct{}{}:
		case <-ctx.Done():
			c.giveUp(b, w)
			return nil, context.Cause(ctx)
		}
	}
	events, commitCtx := c.seal(ctx, b)
	// When w's own request ends during the commit, w stops waiting for
	// it like any other waiter: the commit goes on for the others. (The
	// callback runs only then, on a goroutine that ends as soon as it
	// has counted w out.)
	stop := context.AfterFunc(ctx, func() { c.stopWatching(b) })
	ended := false
	defer func() {
		if !ended {
			// PutEvents panicked. The panic goes on (net/http logs it and
			// drops w's request), but the slot is freed and the other
			// waiters fail, rather than wait for ever.
			stop()
			b.cancel()
			<-c.slot
			c.finish(b, nil, errors.New("store events: the store panicked"))
		}
	}()
	inserted, err := c.store.PutEvents(commitCtx, events)
	ended = true
	stop()
	b.cancel()
	<-c.slot
	c.finish(b, inserted, err)
	return c.result(b, w)
}

// wait waits for b's deadline, or until b is full; an error when ctx
// ends first.
func (c *committer) wait(ctx context.Context, b *batch) error {
	wait := time.Until(b.deadline)
	if b.deadline.IsZero() || wait <= 0 {
		return nil
	}
	// The window is real time, not the handler's clock (which tests stop
	// and the simulator speeds up): it is measured against how long the
	// database takes to commit.
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-b.full:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	return nil
}

// seal closes b to joins and withdrawals and returns its events in
// order, and the context to commit them on. c.mu is taken.
func (c *committer) seal(ctx context.Context, b *batch) ([]store.Event, context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeJoins(b)
	b.sealed = true
	events := make([]store.Event, 0, b.events)
	for _, w := range b.waiters {
		if !w.gone {
			events = append(events, w.events...)
			b.watchers++
		}
	}
	c.shared = b.watchers > 1
	// WithoutCancel keeps ctx's values (for the store's logging and
	// tracing); stopWatching cancels it when the last waiter leaves.
	var commitCtx context.Context
	commitCtx, b.cancel = context.WithCancel(context.WithoutCancel(ctx))
	return events, commitCtx
}

// finish records the outcome of b's commit and wakes its waiters:
// inserted holds the flags of their events, in order.
func (c *committer) finish(b *batch, inserted []bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && len(inserted) != b.events {
		// Nobody could tell which events the store took for new.
		err = fmt.Errorf("store events: the store answered %d inserted flags for %d events", len(inserted), b.events)
	}
	b.err = err
	if err == nil {
		for _, w := range b.waiters {
			if !w.gone {
				w.inserted, inserted = inserted[:len(w.events):len(w.events)], inserted[len(w.events):]
			}
		}
	}
	close(b.done)
}

// result is what w learns of b's commit, once done.
func (c *committer) result(b *batch, w *waiter) ([]bool, error) {
	if b.err != nil {
		return nil, b.err
	}
	return w.inserted, nil
}

// giveUp takes w out of b, whose commit it no longer waits for. Before
// the seal, w's events go out of the batch and, if w led it, the next
// waiter leads instead (a batch nobody is left in is dropped); after
// it, w is one fewer waiter watching the commit.
func (c *committer) giveUp(b *batch, w *waiter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b.sealed {
		c.unwatch(b)
		return
	}
	w.gone = true
	b.events -= len(w.events)
	if b.leader != w {
		return
	}
	b.leader = nil
	for _, next := range b.waiters {
		if !next.gone {
			b.leader = next
			next.lead <- struct{}{} // buffered, and sent once: never blocks
			return
		}
	}
	// Nobody is left: nothing to commit. Close b to joins so that the
	// next delivery starts a batch it leads.
	c.closeJoins(b)
}

// stopWatching is giveUp for the leader, whose request ended during the
// commit.
func (c *committer) stopWatching(b *batch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unwatch(b)
}

// unwatch counts a waiter out of b's sealed commit, and cancels the
// commit when none is left to learn its outcome. c.mu is held.
func (c *committer) unwatch(b *batch) {
	if b.watchers--; b.watchers == 0 {
		b.cancel()
	}
}
