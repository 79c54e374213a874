// Package clock implements aksupgrade.Clock three ways: the wall clock,
// a manual clock that tests step by hand, and a scaled clock on which
// simulated time runs N times faster than real time (the demo, the
// simulator served alone).
package clock

import (
	"sort"
	"sync"
	"time"
)

// Real is the wall clock.
type Real struct{}

func (Real) Now() time.Time                         { return time.Now() }
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Manual is a clock that moves only when told to. Waiters fire, in order of
// their due time, when Advance or Set passes it.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	waited  chan struct{}
}

type waiter struct {
	due time.Time
	ch  chan time.Time
}

// NewManual returns a manual clock showing start.
func NewManual(start time.Time) *Manual {
	return &Manual{now: start, waited: make(chan struct{}, 1)}
}

// Waited receives a value after After registers a new waiter, so a driver
// can move the clock when whatever it drives starts to wait.
func (m *Manual) Waited() <-chan struct{} { return m.waited }

func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// After returns a channel that receives the clock's time once it has
// moved d forward; at once when d <= 0.
func (m *Manual) After(d time.Duration) <-chan time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- m.now
		return ch
	}
	m.waiters = append(m.waiters, waiter{m.now.Add(d), ch})
	select {
	case m.waited <- struct{}{}:
	default:
	}
	return ch
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) { m.Set(m.Now().Add(d)) }

// Set moves the clock to t; it never moves backwards.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	if t.After(m.now) {
		m.now = t
	}
	var due, rest []waiter
	for _, w := range m.waiters {
		if !w.due.After(m.now) {
			due = append(due, w)
		} else {
			rest = append(rest, w)
		}
	}
	m.waiters = rest
	now := m.now
	m.mu.Unlock()
	sort.SliceStable(due, func(i, j int) bool { return due[i].due.Before(due[j].due) })
	for _, w := range due {
		w.ch <- now
	}
}

// NextDue returns when the earliest waiting After channel fires.
func (m *Manual) NextDue() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var next time.Time
	for _, w := range m.waiters {
		if next.IsZero() || w.due.Before(next) {
			next = w.due
		}
	}
	return next, !next.IsZero()
}

// Waiters reports how many After channels have not fired yet, so a test
// can tell that a loop is asleep before it advances the clock.
func (m *Manual) Waiters() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.waiters)
}

// Scaled runs Speed times faster than the wall clock from Start: a Speed
// of 3600 plays a simulated hour in a real second.
type Scaled struct {
	start time.Time // simulated time at realStart
	real  time.Time
	speed float64
	wall  func() time.Time
	// afterFunc calls f in its own goroutine once d of real time passed
	// (time.AfterFunc): no goroutine waits meanwhile.
	afterFunc func(d time.Duration, f func())
}

// NewScaled returns a clock that shows start now and then runs speed times
// faster than real time.
func NewScaled(start time.Time, speed float64) *Scaled {
	return &Scaled{start: start, real: time.Now(), speed: speed, wall: time.Now,
		afterFunc: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
}

// NewScaledSince returns a clock that showed start at the real time
// since and runs speed times faster than real time: processes that share
// start, since and speed share the clock.
func NewScaledSince(start, since time.Time, speed float64) *Scaled {
	s := NewScaled(start, speed)
	s.real = since
	return s
}

func (s *Scaled) Now() time.Time {
	elapsed := s.wall().Sub(s.real)
	return s.start.Add(time.Duration(float64(elapsed) * s.speed))
}

// After waits d of simulated time, d/speed of real time, and then
// receives the simulated time. It holds a timer, not a goroutine, while
// it waits: a caller that stops listening leaves nothing running.
func (s *Scaled) After(d time.Duration) <-chan time.Time {
	out := make(chan time.Time, 1)
	s.afterFunc(time.Duration(float64(d)/s.speed), func() { out <- s.Now() })
	return out
}

// Speed is how many simulated seconds pass per real second.
func (s *Scaled) Speed() float64 { return s.speed }
