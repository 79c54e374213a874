package demo

import (
	"fmt"
	"strings"
	"time"
)

// fmtSim is a simulated time for people: day, date, time and zone.
func fmtSim(t time.Time) string { return t.UTC().Format("Mon 01-02 15:04 MST") }

// elapsed is how far into the story a simulated time is: "day 1 09:00"
// (day 0 is the first).
func elapsed(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	return fmt.Sprintf("day %d %02d:%02d", days, int(d/time.Hour)%24, int(d/time.Minute)%60)
}

// span is a duration for people: "4d 22h 39m", "3h", "45m", "1m 19s",
// "0.4s"; minutes are the finest unit from an hour up.
func span(d time.Duration) string {
	if d < 0 {
		return "-" + span(-d)
	}
	if d < time.Minute {
		return fmt.Sprintf("%gs", d.Round(100*time.Millisecond).Seconds())
	}
	if d < time.Hour {
		d = d.Round(time.Second)
	} else {
		d = d.Round(time.Minute)
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", n, u.name))
			d -= n * u.size
		}
	}
	return strings.Join(parts, " ")
}
