package cli

import (
	"time"

	"github.com/aksupgrade/aksupgrade"
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

// ago says how long before now t was: "3m ago", "just now" within a
// minute, "in 5m" for a time still to come.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d > -time.Minute && d < time.Minute:
		return "just now"
	case d < 0:
		return "in " + aksupgrade.FormatSpan(-d)
	}
	return aksupgrade.FormatSpan(d) + " ago"
}
