package loop

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
)

// TestLoop: the loop steps at once, on poke and after the wait its step
// asked for; starting it again while it runs does nothing; it ends with
// its context, without stop; stop may be called again; and it starts
// again after stop.
func TestLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := clock.NewManual(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC))
		l := New(clk)
		var steps atomic.Int32
		step := func(context.Context) time.Duration { steps.Add(1); return time.Minute }
		want := func(n int32, after string) {
			t.Helper()
			synctest.Wait() // every goroutine of the test waits
			if got := steps.Load(); got != n {
				t.Fatalf("%d steps %s, want %d", got, after, n)
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		l.Start(ctx, step)
		want(1, "after start")
		l.Start(ctx, step)
		want(1, "after a second start")
		l.Poke()
		want(2, "after poke")
		clk.Advance(59 * time.Second)
		want(2, "before the wait passed")
		clk.Advance(time.Second)
		want(3, "after the wait")

		cancel()
		synctest.Wait()
		select {
		case <-l.done:
		default:
			t.Fatal("the loop goes on after its context ended")
		}
		l.Stop()
		l.Stop()

		l.Start(t.Context(), step)
		want(4, "after a start again")
		l.Stop()
		l.Stop()
		clk.Advance(time.Hour)
		want(4, "after stop")
	})
}
