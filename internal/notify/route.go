package notify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// Route sends the messages it matches to one receiver. Routes are
// evaluated in order; the first that matches takes the message, unless
// it says Continue, in which case the next ones are evaluated too.
type Route struct {
	Receiver string
	Match    Match
	// Continue: after this route matched, keep evaluating the next ones.
	Continue bool
	// GroupBy names the labels whose values split the route's messages
	// into groups: "kind", "stage", "cluster", "target". Empty: one group
	// for the whole route; "...": every message alone.
	GroupBy []string
	// GroupWait is how long a group collects messages, from its first,
	// before it is sent as one message.
	GroupWait time.Duration
	// RepeatInterval, when set, repeats messages that wait on people
	// (stageHalted, approvalNeeded) this often until a message resolves
	// them (see resolves in kinds.go).
	RepeatInterval time.Duration
	// MuteTimes delay delivery (never drop it) until they end.
	MuteTimes []MuteTime
}

// Match selects messages; an empty list matches everything, a non-empty
// one any of its values.
type Match struct {
	Kinds  []string
	Stages []string
	// Clusters match a message's cluster by name or by resource ID (like
	// aksupgrade.SameID), case-insensitively.
	Clusters   []string
	Severities []Severity
}

// MuteTime is a recurring time when a route delivers nothing: from Start
// to End ("HH:mm", in Location; nil means UTC) on each of Weekdays
// (every day when empty). An End at or before Start ends the next day
// ("22:00"-"07:00"); empty Start means "00:00", empty End "24:00".
type MuteTime struct {
	Weekdays   []time.Weekday
	Start, End string
	Location   *time.Location
}

// Group labels.
const (
	LabelKind    = "kind"
	LabelStage   = "stage"
	LabelCluster = "cluster"
	LabelTarget  = "target"
	// GroupByNothing in GroupBy sends every message alone.
	GroupByNothing = "..."
)

// Validate reports whether r can be used.
func (r Route) Validate() error {
	if r.Receiver == "" {
		return fmt.Errorf("a route needs a receiver")
	}
	for _, l := range r.GroupBy {
		switch l {
		case LabelKind, LabelStage, LabelCluster, LabelTarget, GroupByNothing:
		default:
			return fmt.Errorf("route to %s: cannot group by %q (want kind, stage, cluster, target or ...)", r.Receiver, l)
		}
	}
	if r.GroupWait < 0 || r.RepeatInterval < 0 {
		return fmt.Errorf("route to %s: negative groupWait or repeatInterval", r.Receiver)
	}
	for _, k := range r.Match.Kinds {
		if !slices.Contains(Kinds(), k) {
			return fmt.Errorf("route to %s: unknown kind %q (known: %s)", r.Receiver, k, strings.Join(Kinds(), ", "))
		}
	}
	for _, s := range r.Match.Severities {
		if s != SeverityInfo && s != SeverityWarning && s != SeverityCritical {
			return fmt.Errorf("route to %s: unknown severity %q", r.Receiver, s)
		}
	}
	for i, m := range r.MuteTimes {
		if _, _, err := m.bounds(); err != nil {
			return fmt.Errorf("route to %s: mute time %d: %w", r.Receiver, i+1, err)
		}
	}
	return nil
}

// Matches reports whether m is one of the messages mt selects.
func (mt Match) Matches(m Message) bool {
	if len(mt.Kinds) > 0 && !slices.Contains(mt.Kinds, m.Kind) {
		return false
	}
	if len(mt.Severities) > 0 && !slices.Contains(mt.Severities, m.Severity) {
		return false
	}
	if len(mt.Stages) > 0 && !slices.Contains(mt.Stages, m.Stage) {
		return false
	}
	if len(mt.Clusters) > 0 && !slices.ContainsFunc(mt.Clusters, func(c string) bool {
		return m.Cluster != "" && (aksupgrade.SameID(c, m.Cluster) || strings.EqualFold(c, aksupgrade.ClusterName(m.Cluster)))
	}) {
		return false
	}
	return true
}

// label returns the value of a group label of m.
func label(m Message, l string) string {
	switch l {
	case LabelKind:
		return m.Kind
	case LabelStage:
		return m.Stage
	case LabelCluster:
		return aksupgrade.NormalizeID(m.Cluster)
	case LabelTarget:
		return m.Target
	case GroupByNothing:
		return m.Key
	}
	return ""
}

// MutedUntil returns when the mute times of r that hold at t end
// (following mute times that touch each other); t when none holds.
func (r Route) MutedUntil(t time.Time) time.Time {
	for range 64 { // a bound: chained mute times end within a few weeks
		moved := false
		for _, m := range r.MuteTimes {
			if end, ok := m.until(t); ok && end.After(t) {
				t, moved = end, true
			}
		}
		if !moved {
			break
		}
	}
	return t
}

// bounds parses Start and End into minutes of the day.
func (m MuteTime) bounds() (start, end int, err error) {
	start, end = 0, 24*60
	if m.Start != "" {
		if start, err = parseHHMM(m.Start); err != nil {
			return 0, 0, err
		}
	}
	if m.End != "" {
		if end, err = parseHHMM(m.End); err != nil {
			return 0, 0, err
		}
	}
	if start == 24*60 {
		return 0, 0, fmt.Errorf("start %q: a mute time starts before 24:00", m.Start)
	}
	return start, end, nil
}

func parseHHMM(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q: want HH:mm", s)
	}
	h, err1 := strconv.Atoi(s[:2])
	mi, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || mi < 0 || mi > 59 || h > 24 || (h == 24 && mi != 0) {
		return 0, fmt.Errorf("%q: want HH:mm between 00:00 and 24:00", s)
	}
	return h*60 + mi, nil
}

// until reports whether m holds at t, and when it ends.
func (m MuteTime) until(t time.Time) (time.Time, bool) {
	start, end, err := m.bounds()
	if err != nil {
		return time.Time{}, false
	}
	loc := m.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	// A mute time that crosses midnight may have begun the day before.
	for _, back := range []int{1, 0} {
		day := time.Date(lt.Year(), lt.Month(), lt.Day()-back, 0, 0, 0, 0, loc)
		if len(m.Weekdays) > 0 && !slices.Contains(m.Weekdays, day.Weekday()) {
			continue
		}
		from := time.Date(day.Year(), day.Month(), day.Day(), start/60, start%60, 0, 0, loc)
		to := time.Date(day.Year(), day.Month(), day.Day(), end/60, end%60, 0, 0, loc)
		if !to.After(from) {
			to = time.Date(day.Year(), day.Month(), day.Day()+1, end/60, end%60, 0, 0, loc)
		}
		if !t.Before(from) && t.Before(to) {
			return to, true
		}
	}
	return time.Time{}, false
}
