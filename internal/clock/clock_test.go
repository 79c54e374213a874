package clock

import (
	"runtime"
	"testing"
	"time"
)

func TestManualFiresWaitersInOrder(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := NewManual(start)
	if _, ok := m.NextDue(); ok {
		t.Fatal("NextDue with no waiter")
	}
	late, early := m.After(2*time.Hour), m.After(time.Hour)
	if m.Waiters() != 2 {
		t.Fatalf("waiters = %d, want 2", m.Waiters())
	}
	if due, _ := m.NextDue(); !due.Equal(start.Add(time.Hour)) {
		t.Errorf("NextDue = %v, want the earlier waiter", due)
	}
	m.Advance(30 * time.Minute)
	select {
	case <-early:
		t.Fatal("fired before its time")
	default:
	}
	m.Advance(45 * time.Minute)
	if got := <-early; !got.Equal(start.Add(75 * time.Minute)) {
		t.Errorf("early fired with %v", got)
	}
	select {
	case <-late:
		t.Fatal("late fired early")
	default:
	}
	m.Set(start) // never backwards
	if !m.Now().Equal(start.Add(75 * time.Minute)) {
		t.Errorf("clock went back to %v", m.Now())
	}
	m.Advance(time.Hour)
	<-late
	if m.Waiters() != 0 {
		t.Errorf("waiters = %d after all fired", m.Waiters())
	}
	if got := <-m.After(0); !got.Equal(m.Now()) {
		t.Errorf("After(0) = %v", got)
	}
}

func TestScaledRunsFaster(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Scaled{start: start, real: wall, speed: 3600, wall: func() time.Time { return wall.Add(2 * time.Second) }}
	if got, want := s.Now(), start.Add(2*time.Hour); !got.Equal(want) {
		t.Errorf("Now = %v, want %v (two real seconds at 3600x)", got, want)
	}
}

// TestScaledAfter: After waits d/speed of real time on its timer, then
// receives the simulated time.
func TestScaledAfter(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := wall
	var waits []time.Duration
	var fire []func()
	s := &Scaled{start: start, real: wall, speed: 3600, wall: func() time.Time { return now },
		afterFunc: func(d time.Duration, f func()) { waits = append(waits, d); fire = append(fire, f) }}
	ch := s.After(2 * time.Hour)
	if len(waits) != 1 || waits[0] != 2*time.Second {
		t.Fatalf("timers %v, want one of 2s (two simulated hours at 3600x)", waits)
	}
	select {
	case got := <-ch:
		t.Fatalf("received %v before the timer fired", got)
	default:
	}
	now = wall.Add(2 * time.Second)
	fire[0]()
	if got := <-ch; !got.Equal(start.Add(2 * time.Hour)) {
		t.Errorf("received %v, want the simulated time %v", got, start.Add(2*time.Hour))
	}
}

// TestScaledAfterHoldsNoGoroutine: a wait nobody listens to any more
// (a loop that returned on its context) leaves no goroutine behind.
func TestScaledAfterHoldsNoGoroutine(t *testing.T) {
	s := NewScaled(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), 1)
	before := runtime.NumGoroutine()
	for range 1000 {
		s.After(24 * time.Hour)
	}
	if grown := runtime.NumGoroutine() - before; grown > 10 {
		t.Errorf("%d more goroutines after 1,000 waits, want none", grown)
	}
}

// TestScaledSince: clocks made at different times from the same start,
// real instant and speed show the same time.
func TestScaledSince(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	since := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := NewScaledSince(start, since, 600), NewScaledSince(start, since, 600)
	a.wall = func() time.Time { return since.Add(3 * time.Second) }
	b.wall = a.wall
	if got, want := a.Now(), start.Add(30*time.Minute); !got.Equal(want) || !b.Now().Equal(want) {
		t.Errorf("Now = %v and %v, want %v (three real seconds at 600x)", got, b.Now(), want)
	}
}
