package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// The story runs in one goroutine, a step at a time: Event Grid's
// deliveries (the simulator's DeliverDue), the engine's step, the
// director's look, the notifier; then the clock moves, paced at the
// demo's speed, to whichever of them is due next. The clock stands still
// while they work, so each happens at the simulated instant it was due,
// whatever the speed and however busy the machine:
//
//	┌─▶ deliver Event Grid's due events ─▶ engine step (when due, or at once
//	│   after a delivery or an action) ─▶ director: tell, act ─▶ notify
//	│                                                              │
//	└──── move the clock to the next due instant, in real time ◀───┘

// Cadences of the story, in simulated time.
const (
	// deliverEvery is how often Event Grid's due events are delivered.
	deliverEvery = time.Minute
	// notifyEvery is how often the notifier looks for new events.
	notifyEvery = 5 * time.Minute
	// pollEvery is how often the engine polls operations in flight, and
	// how soon a failed step is tried again.
	pollEvery = 2 * time.Minute
	// observeEvery is how often the engine lists the fleet again.
	observeEvery = 30 * time.Minute
	// redraw is how often (real time) the live view is drawn.
	redraw = 150 * time.Millisecond
	// sameInstant is how many steps in a row may run at one instant
	// before the story lets a second pass: a step that keeps asking for
	// another at once does not stop the clock for ever.
	sameInstant = 100
)

// schedule is when each part of the story is next due (simulated time).
type schedule struct {
	deliver, engine, notify, prompt time.Time
}

// play runs the story until it ends, writes the summary, and, with
// Options.Keep, keeps the service running until ctx ends.
func (d *director) play(ctx context.Context, wake <-chan struct{}) (*Summary, error) {
	began := time.Now()
	now := d.clk.Now()
	due := schedule{deliver: now, engine: now, notify: now}
	var summary *Summary
	var tick <-chan time.Time
	if d.o.Live {
		t := time.NewTicker(redraw)
		defer t.Stop()
		tick = t.C
	}
	var drawn time.Time
	same := 0
	for {
		ended, err := d.turn(ctx, &due, summary == nil)
		switch {
		case err != nil && ctx.Err() != nil:
			return summary, d.ended(ctx, summary)
		case err != nil:
			return nil, err
		case ended:
			if d.o.Live {
				d.render() // the end, above the summary
			}
			summary = d.summary(time.Since(began))
			if err := d.end(summary); err != nil {
				return nil, err
			}
			if !d.o.Keep {
				return summary, nil
			}
		}
		if d.o.Live && summary == nil && time.Since(drawn) >= redraw {
			d.render()
			drawn = time.Now()
		}

		now := d.clk.Now()
		next := earliest(due.deliver, due.engine, due.notify, due.prompt)
		if !next.After(now) {
			if same++; same < sameInstant {
				continue
			}
			next = now.Add(time.Second)
		}
		same = 0
	wait:
		for {
			switch d.clk.Wait(ctx, next, wake, tick) {
			case waitDone:
				return summary, d.ended(ctx, summary)
			case waitWoken:
				due.engine = d.clk.Now() // a person acted through the API
				break wait
			case waitTick:
				if summary == nil {
					d.render()
					drawn = time.Now()
				}
			case waitDue:
				break wait
			}
		}
	}
}

// turn runs what is due now: Event Grid's deliveries, the engine's step,
// the director's look (while the story plays), the notifier; and sets
// when each is next due. It reports whether the story has ended.
func (d *director) turn(ctx context.Context, due *schedule, playing bool) (ended bool, err error) {
	now := d.clk.Now()
	if !now.Before(due.deliver) {
		if d.sim.DeliverDue(ctx) > 0 {
			due.engine = now // the webhook stored events: the engine reads them at once
		}
		due.deliver = now.Add(deliverEvery)
	}
	look := playing && !due.prompt.IsZero() && !now.Before(due.prompt)
	if !now.Before(due.engine) {
		next, err := d.app.Engine.Step(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return false, err
			}
			d.o.Logger.Error("engine step failed; trying again", "err", err)
			next = now.Add(pollEvery)
		}
		due.engine, look = next, playing
	}
	if look {
		acted, end, err := d.look(ctx)
		if err != nil {
			return false, err
		}
		if acted {
			due.engine = now
		}
		ended = end
	}
	if !now.Before(due.notify) {
		if _, err := d.app.Notify(ctx); err != nil && ctx.Err() == nil {
			d.o.Logger.Warn("notifications: will try again", "err", err)
		}
		due.notify = now.Add(notifyEvery)
	}
	if err := d.tell.err(); err != nil {
		return false, fmt.Errorf("write the demo's output: %w", err)
	}
	due.prompt = time.Time{}
	if playing && !ended {
		if now.Sub(d.start) > d.o.Limit {
			return false, fmt.Errorf("%w (%s); still open: %s", errLimit, span(d.o.Limit), unfinished(d.res))
		}
		due.prompt = d.nextPrompt(now)
	}
	return ended, nil
}

// ended is what play returns when ctx ends: after the story (Keep), the
// summary and no error; during it, ctx's error.
func (d *director) ended(ctx context.Context, summary *Summary) error {
	if summary != nil {
		return nil
	}
	return ctx.Err()
}

// earliest is the earliest of times, ignoring zero ones.
func earliest(times ...time.Time) time.Time {
	var out time.Time
	for _, t := range times {
		if !t.IsZero() && (out.IsZero() || t.Before(out)) {
			out = t
		}
	}
	return out
}

// end writes the summary, and says where the service keeps running.
func (d *director) end(s *Summary) error {
	d.tell.stop()
	var b strings.Builder
	if err := s.Write(&b); err != nil {
		return err
	}
	if d.o.Keep {
		fmt.Fprintf(&b, "\nThe service and the simulated Azure keep running (the clock too) until you press Ctrl-C:\n%s", d.links)
	}
	if _, err := io.WriteString(d.o.Out, b.String()); err != nil {
		return fmt.Errorf("write the demo's output: %w", err)
	}
	return nil
}
