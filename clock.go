package aksupgrade

import "time"

// Clock is the one source of time. Production uses the wall clock, tests a
// manual clock stepped by hand, the demo a scaled clock; see
// internal/clock.
type Clock interface {
	Now() time.Time
	// After delivers the clock's time once d has passed on the clock.
	After(d time.Duration) <-chan time.Time
}
