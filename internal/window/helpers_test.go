package window

import (
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

func mustCompile(t testing.TB, w aksupgrade.Window) *Schedule {
	t.Helper()
	s, err := Compile(w)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return s
}

// instant parses an RFC 3339 instant.
func instant(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// format writes o as an RFC 3339 interval, "start/end", in o's zone.
func format(o Occurrence) string {
	return o.Start.Format(time.RFC3339) + "/" + o.End.Format(time.RFC3339)
}

func formatAll(os []Occurrence) []string {
	if len(os) == 0 {
		return nil
	}
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = format(o)
	}
	return out
}

// checkOccurrence checks the invariants every occurrence of s has.
func checkOccurrence(t testing.TB, s *Schedule, o Occurrence) {
	t.Helper()
	if o.Start.Location() != s.Location() || o.End.Location() != s.Location() {
		t.Errorf("%s: zones %v, %v, want %v", format(o), o.Start.Location(), o.End.Location(), s.Location())
	}
	if got := o.End.Sub(o.Start); got != s.dur {
		t.Errorf("%s: lasts %v, want %v", format(o), got, s.dur)
	}
}

func daily(interval int) aksupgrade.Schedule {
	return aksupgrade.Schedule{Daily: &aksupgrade.DailySchedule{IntervalDays: interval}}
}

func weekly(interval int, day string) aksupgrade.Schedule {
	return aksupgrade.Schedule{Weekly: &aksupgrade.WeeklySchedule{IntervalWeeks: interval, DayOfWeek: day}}
}

func absoluteMonthly(interval, day int) aksupgrade.Schedule {
	return aksupgrade.Schedule{AbsoluteMonthly: &aksupgrade.AbsoluteMonthlySchedule{IntervalMonths: interval, DayOfMonth: day}}
}

func relativeMonthly(interval int, index, day string) aksupgrade.Schedule {
	return aksupgrade.Schedule{RelativeMonthly: &aksupgrade.RelativeMonthlySchedule{IntervalMonths: interval, WeekIndex: index, DayOfWeek: day}}
}

// spans builds not-allowed dates from "start..end" strings.
func spans(ss ...string) []aksupgrade.DateSpan {
	out := make([]aksupgrade.DateSpan, len(ss))
	for i, s := range ss {
		start, end, _ := strings.Cut(s, "..")
		out[i] = aksupgrade.DateSpan{Start: start, End: end}
	}
	return out
}
