package dashboard

import (
	"fmt"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// Times and durations as people read them.

// when writes t in loc as "Tue 10 Mar 21:00 CET", with the year when it
// is not now's.
func when(t, now time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if t.Year() != now.In(loc).Year() {
		return t.Format("Mon 2 Jan 2006 15:04 MST")
	}
	return t.Format("Mon 2 Jan 15:04 MST")
}

// relative writes t against now: "in 3h 05m", "12m ago", "now".
func relative(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d > -30*time.Second && d < 30*time.Second:
		return "now"
	case d > 0:
		return "in " + aksupgrade.FormatSpan(d)
	}
	return aksupgrade.FormatSpan(-d) + " ago"
}

// daysLeft writes how many days remain until the end of day last (a
// support date: the last day of a period, at 00:00 UTC).
func daysLeft(last, now time.Time) string {
	end := last.AddDate(0, 0, 1)
	d := end.Sub(now)
	if d <= 0 {
		return "ended " + aksupgrade.FormatSpan(-d) + " ago"
	}
	days := int(d / (24 * time.Hour))
	switch days {
	case 0:
		return "ends today"
	case 1:
		return "1 day left"
	}
	return fmt.Sprintf("%d days left", days)
}

// list joins words with commas.
func list(words []string) string { return strings.Join(words, ", ") }
