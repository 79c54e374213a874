package policy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a Go duration ("36h", "90m") that may also start with
// whole days ("3d", "1d12h"), as soak times are usually said in days.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > maxDays {
			return 0, fmt.Errorf("bad day count %q", s[:i])
		}
		days = time.Duration(n) * day
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if days > 0 && (d < 0 || d > math.MaxInt64-days) {
		return 0, fmt.Errorf("bad duration after the days %q", s)
	}
	return days + d, nil
}

const (
	day     = 24 * time.Hour
	maxDays = int(math.MaxInt64 / day)
)

// FormatDuration writes d the way people say soak times, so that
// ParseDuration reads it back: "3d", "1d12h", "1h30m", "0s".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d < 0 {
		return d.String()
	}
	days := d / day
	rest := d - days*day
	out := ""
	if days > 0 {
		out = strconv.Itoa(int(days)) + "d"
	}
	if rest > 0 {
		r := rest.String()
		if strings.HasSuffix(r, "m0s") {
			r = r[:len(r)-2]
		}
		if strings.HasSuffix(r, "h0m") {
			r = r[:len(r)-2]
		}
		out += r
	}
	return out
}
