package cli

import (
	"fmt"
	"time"
)

// How times are written for people: the weekday, day, month, clock and
// zone ("Tue 10 Mar 21:00 CET"); with the year where a line stands alone
// ("Tue 10 Mar 2026 21:00 CET").
const (
	timeLayout     = "Mon 2 Jan 15:04 MST"
	longTimeLayout = "Mon 2 Jan 2006 15:04 MST"
)

// WithZone sets the zone times are shown in where no stage's window
// gives one; the default is the process's local zone (time.Local).
func WithZone(loc *time.Location) Option { return func(e *env) { e.zone = loc } }

// humanTime writes t in loc: "Tue 10 Mar 21:00 CET".
func humanTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(timeLayout)
}

// longTime writes t in loc with its year: "Tue 10 Mar 2026 21:00 CET".
func longTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(longTimeLayout)
}

// whenOrDash is humanTime of t, or "-" for none.
func whenOrDash(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "-"
	}
	return humanTime(*t, loc)
}

// humanDuration writes d in its two largest units, the smaller cut off
// rather than rounded: "4d 22h", "3h 05m", "12m"; "under a minute"
// below one. A negative d is written as its size with a minus.
func humanDuration(d time.Duration) string {
	if d < 0 {
		return "-" + humanDuration(-d)
	}
	const day = 24 * time.Hour
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d < day:
		return fmt.Sprintf("%dh %02dm", d/time.Hour, d%time.Hour/time.Minute)
	}
	if h := d % day / time.Hour; h > 0 {
		return fmt.Sprintf("%dd %dh", d/day, h)
	}
	return fmt.Sprintf("%dd", d/day)
}

// ago says how long before now t was: "3m ago", "just now" within a
// minute, "in 5m" for a time still to come.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d > -time.Minute && d < time.Minute:
		return "just now"
	case d < 0:
		return "in " + humanDuration(-d)
	}
	return humanDuration(d) + " ago"
}
