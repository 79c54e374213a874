package demo

import (
	"context"
	"testing"
	"time"
)

// TestStoryClock: the clock moves only when moved, never backwards; a
// wait asked for inside a step passes at once, moving the clock by it.
func TestStoryClock(t *testing.T) {
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	c := newStoryClock(start, 5400)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want the start", c.Now())
	}
	c.AdvanceTo(start.Add(time.Hour))
	c.AdvanceTo(start) // never backwards
	if got := c.Now(); !got.Equal(start.Add(time.Hour)) {
		t.Errorf("Now = %v after moving back, want %v", got, start.Add(time.Hour))
	}
	if got := <-c.After(10 * time.Second); !got.Equal(start.Add(time.Hour + 10*time.Second)) {
		t.Errorf("After(10s) delivered %v, want the clock jumped by 10s", got)
	}
	if got := c.Now(); !got.Equal(start.Add(time.Hour + 10*time.Second)) {
		t.Errorf("Now = %v after After(10s)", got)
	}
}

// TestStoryClockWait: a wait that something ends early leaves the clock
// short of its due time, and says why; a due time already reached ends
// it at once.
func TestStoryClockWait(t *testing.T) {
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	c := newStoryClock(start, 1) // one simulated hour is a real hour
	wake := make(chan struct{}, 1)
	wake <- struct{}{}
	due := start.Add(time.Hour)
	if got := c.Wait(context.Background(), due, wake, nil); got != waitWoken {
		t.Errorf("Wait = %d, want waitWoken", got)
	}
	if !c.Now().Before(due) {
		t.Errorf("the clock reached %v though the wait was cut short", c.Now())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := c.Wait(ctx, due, nil, nil); got != waitDone {
		t.Errorf("Wait with its context ended = %d, want waitDone", got)
	}
	if got := c.Wait(context.Background(), c.Now(), nil, nil); got != waitDue {
		t.Errorf("Wait for now = %d, want waitDue", got)
	}
}
