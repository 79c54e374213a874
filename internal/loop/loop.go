// Package loop is the Start/Stop of every background loop of the service
// (the engine, the notifier, the dispatcher): a step run in one goroutine
// at once, then again after the wait the step returns, or sooner on Poke,
// until the context given to Start ends or Stop is called.
package loop

import (
	"context"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// Loop runs a step in one background goroutine: at once, then again
// after the wait the step returns, or sooner on Poke, until the context
// given to Start ends or Stop is called. Starting a running loop does
// nothing; Stop may be called any number of times and returns once the
// goroutine has; a stopped loop may start again.
type Loop struct {
	clock aksupgrade.Clock
	wake  chan struct{}

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a loop that waits on clk.
func New(clk aksupgrade.Clock) *Loop {
	return &Loop{clock: clk, wake: make(chan struct{}, 1)}
}

// Start runs step in the background until ctx ends or Stop.
func (l *Loop) Start(ctx context.Context, step func(context.Context) time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel != nil {
		return
	}
	ctx, l.cancel = context.WithCancel(ctx)
	done := make(chan struct{})
	l.done = done
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			wait := step(ctx)
			select {
			case <-ctx.Done():
			case <-l.wake:
			case <-l.clock.After(wait):
			}
		}
	}()
}

// Stop ends the goroutine and waits for it. A second Stop waits too,
// even while the first still does.
func (l *Loop) Stop() {
	l.mu.Lock()
	cancel, done := l.cancel, l.done
	l.cancel = nil
	l.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if done != nil {
		<-done
	}
}

// Poke makes a waiting step run now; a Poke while the step runs makes
// the next one run at once.
func (l *Loop) Poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}
