package aksupgrade

import (
	"fmt"
	"strings"
	"time"
)

// ClusterName returns the last segment of an ARM resource ID (a cluster's
// name), or id itself when it has none.
func ClusterName(id string) string {
	id = strings.TrimRight(id, "/")
	if i := strings.LastIndexByte(id, '/'); i >= 0 && i < len(id)-1 {
		return id[i+1:]
	}
	return id
}

// Arg writes a target as the CLI's rollout commands and the API's paths
// take it: "1.31.4", "nodeImage:202502.03.0". ParseTarget reads it back.
func (t Target) Arg() string {
	if t.Kind == TargetNodeImage {
		return "nodeImage:" + t.Version
	}
	return t.Version
}

// Describe says what a step changes, for people: "the control plane of
// aks-test-1 to 1.31.4", "node pool np1 of aks-test-1 to 1.31.4", "the node
// image of pool np1 of aks-test-1".
func (s Step) Describe() string {
	name := ClusterName(s.ClusterID)
	switch s.Kind {
	case StepControlPlane:
		return fmt.Sprintf("the control plane of %s to %s", name, s.Version)
	case StepNodePool:
		return fmt.Sprintf("node pool %s of %s to %s", s.Pool, name, s.Version)
	case StepNodeImage:
		return fmt.Sprintf("the node image of pool %s of %s", s.Pool, name)
	case StepCluster:
		return fmt.Sprintf("the control plane and every pool of %s to %s", name, s.Version)
	}
	return fmt.Sprintf("%s of %s", s.Kind, name)
}

// Change says what a step changes in a cluster already named, in short:
// "control plane → 1.31.4", "pool np1 → 1.31.4", "whole cluster →
// 1.30.10", "pool np1 → latest node image".
func (s Step) Change() string {
	switch s.Kind {
	case StepControlPlane:
		return "control plane → " + s.Version
	case StepNodePool:
		return "pool " + s.Pool + " → " + s.Version
	case StepCluster:
		return "whole cluster → " + s.Version
	case StepNodeImage:
		return "pool " + s.Pool + " → latest node image"
	}
	return string(s.Kind)
}

// FormatSpan writes d for people in its two largest units, the smaller
// cut off rather than rounded: "4d 22h", "3h 05m", "12m"; "under a
// minute" below one. A negative d is written as its size with a minus.
func FormatSpan(d time.Duration) string {
	if d < 0 {
		return "-" + FormatSpan(-d)
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

// DayLayout is how times are written for people where a time zone
// matters: weekday, date, time and zone ("Tue 2026-03-10 21:00 CET").
const DayLayout = "Mon 2006-01-02 15:04 MST"

// FormatDay writes t for people in loc (UTC when nil) with DayLayout; ""
// for the zero time.
func FormatDay(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(DayLayout)
}

// Printable returns s as it may safely be shown in a terminal or a page:
// control characters (escape sequences among them) become spaces, and
// the invisible characters that reorder or hide text (bidirectional
// overrides and isolates, zero-width marks) are dropped.
func Printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			return ' '
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f,
			r >= 0x200b && r <= 0x200d, r == 0xfeff, r == 0x061c:
			return -1
		}
		return r
	}, s)
}
