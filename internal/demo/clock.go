package demo

import (
	"context"
	"sync"
	"time"
)

// storyClock is the demo's simulated time. It moves only when the story
// moves it (AdvanceTo), between steps of the engine, the notifier and
// Event Grid's deliveries, never while they work: however long a step
// takes in real time, it takes no simulated time, so the same story plays
// at any speed. The story paces it (Wait): a simulated span takes
// span/speed of real time.
//
// It implements aksupgrade.Clock for the engine, the notifier and the
// simulator. A wait asked for on it (After) from inside a step, such as
// the Azure client waiting out its rate limit, passes at once: the clock
// jumps forward by the wait, as if the step had slept that long.
type storyClock struct {
	speed float64
	// wall is the real clock (time.Now), for pacing.
	wall func() time.Time

	mu  sync.Mutex
	now time.Time
	// paceSim and paceReal anchor the pace: the story means to reach
	// simulated time t at real time paceReal + (t - paceSim)/speed.
	// Work makes it late; the waits after catch up, up to maxLag.
	paceSim, paceReal time.Time
}

// maxLag is how late (real time) the story may be on its pace and still
// catch up by waiting less; later than that, it keeps its pace from
// where it is, so that after a long piece of work the clock does not
// rush.
const maxLag = 500 * time.Millisecond

func newStoryClock(start time.Time, speed float64) *storyClock {
	return &storyClock{speed: speed, wall: time.Now, now: start}
}

// Now is the simulated time.
func (c *storyClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After moves the clock forward by d at once and delivers the new time:
// whatever waits on it waits inside a step, which takes no real time.
func (c *storyClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// AdvanceTo moves the clock to t; never backwards.
func (c *storyClock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

// waitEnd says why Wait returned.
type waitEnd int

const (
	waitDue   waitEnd = iota // the clock reached due
	waitWoken                // wake received
	waitTick                 // tick received
	waitDone                 // ctx ended
)

// Wait paces the story: it waits the real time the clock takes to reach
// due at its speed, then moves the clock there. When wake or tick
// receives first, or ctx ends, it moves the clock as far as the real
// time spent justifies, never past due, and says which.
func (c *storyClock) Wait(ctx context.Context, due time.Time, wake <-chan struct{}, tick <-chan time.Time) waitEnd {
	from := c.Now()
	if !due.After(from) {
		return waitDue
	}
	simAt, realAt := c.pace(from)
	timer := time.NewTimer(realAt.Add(c.real(due.Sub(simAt))).Sub(c.wall()))
	defer timer.Stop()
	var end waitEnd
	select {
	case <-timer.C:
		c.AdvanceTo(due)
		return waitDue
	case <-ctx.Done():
		end = waitDone
	case <-wake:
		end = waitWoken
	case <-tick:
		end = waitTick
	}
	reached := simAt.Add(time.Duration(float64(c.wall().Sub(realAt)) * c.speed))
	if reached.After(due) {
		reached = due
	}
	c.AdvanceTo(reached)
	return end
}

// pace returns the anchor of the pace, set anew at now when there is
// none yet or the story is more than maxLag late on it.
func (c *storyClock) pace(now time.Time) (simAt, realAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := c.wall()
	if c.paceReal.IsZero() || wall.Sub(c.paceReal.Add(c.real(now.Sub(c.paceSim)))) > maxLag {
		c.paceSim, c.paceReal = now, wall
	}
	return c.paceSim, c.paceReal
}

// real is how long a simulated span takes in real time.
func (c *storyClock) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.speed)
}
