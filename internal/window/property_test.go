package window

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/google/go-cmp/cmp"
)

// propertyWindows are schedules of every kind, with zones, intervals and
// not-allowed dates, for the property tests.
var propertyWindows = map[string]aksupgrade.Window{
	"daily every 3 days Oslo": {Schedule: daily(3), DurationHours: 24, StartTime: "01:00", TimeZone: "Europe/Oslo",
		StartDate: "2026-02-03", NotAllowedDates: spans("2026-03-28..2026-03-29", "2026-07-01..2026-07-31")},
	"daily 02:30 New York": {Schedule: daily(1), DurationHours: 5, StartTime: "02:30", TimeZone: "America/New_York"},
	"weekly every 2 weeks -03:30": {Schedule: weekly(2, "Wednesday"), DurationHours: 12, StartTime: "20:15", UTCOffset: "-03:30",
		StartDate: "2026-01-15", NotAllowedDates: spans("2026-04-02..2026-04-02")},
	"weekly Sydney": {Schedule: weekly(1, "Sunday"), DurationHours: 8, StartTime: "02:00", TimeZone: "Australia/Sydney"},
	"absoluteMonthly 31 every 2 months +05:30": {Schedule: absoluteMonthly(2, 31), DurationHours: 6, StartTime: "23:00",
		UTCOffset: "+05:30", StartDate: "2026-01-31"},
	"absoluteMonthly 29 every 4 months": {Schedule: absoluteMonthly(4, 29), DurationHours: 4, StartTime: "00:00", StartDate: "2027-02-10"},
	"relativeMonthly Last Saturday Oslo": {Schedule: relativeMonthly(1, "Last", "Saturday"), DurationHours: 10, StartTime: "22:00",
		TimeZone: "Europe/Oslo", NotAllowedDates: spans("2026-12-27..2027-01-02")},
	"relativeMonthly Fourth Tuesday every 5 months": {Schedule: relativeMonthly(5, "Fourth", "Tuesday"), DurationHours: 4, StartTime: "09:00",
		StartDate: "2026-03-25"},
}

// TestNextMatchesReference checks Next against a day-by-day reference built
// on the time package alone.
func TestNextMatchesReference(t *testing.T) {
	after := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, w := range propertyWindows {
		t.Run(name, func(t *testing.T) {
			s := mustCompile(t, w)
			want := reference(t, w, s.Location(), after, time.Date(2029, 12, 31, 0, 0, 0, 0, time.UTC))
			if len(want) < 5 {
				t.Fatalf("reference has %d occurrences only", len(want))
			}
			got := s.Next(after, len(want))
			if diff := cmp.Diff(formatAll(want), formatAll(got)); diff != "" {
				t.Errorf("Next (-reference +got):\n%s", diff)
			}
		})
	}
}

// reference lists the occurrences of w that end after after, on local days
// up to until, by testing every day.
func reference(t *testing.T, w aksupgrade.Window, loc *time.Location, after, until time.Time) []Occurrence {
	t.Helper()
	date := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	wd := func(s string) time.Weekday {
		for d := time.Sunday; d <= time.Saturday; d++ {
			if strings.EqualFold(d.String(), s) {
				return d
			}
		}
		t.Fatalf("weekday %q", s)
		return 0
	}
	first := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if w.StartDate != "" {
		first = date(w.StartDate)
	}
	days := func(a, b time.Time) int { return int(b.Sub(a).Hours()/24 + 0.5) } // UTC dates
	months := func(a, b time.Time) int { return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month()) }
	interval := func(v int) int { return max(v, 1) }
	clock, err := time.Parse("15:04", w.StartTime)
	if err != nil {
		t.Fatal(err)
	}

	var out []Occurrence
	for d := first; !d.After(until); d = d.AddDate(0, 0, 1) {
		var match bool
		switch sc := w.Schedule; {
		case sc.Daily != nil:
			match = days(first, d)%interval(sc.Daily.IntervalDays) == 0
		case sc.Weekly != nil:
			day := wd(sc.Weekly.DayOfWeek)
			firstDay := first.AddDate(0, 0, (int(day)-int(first.Weekday())+7)%7)
			match = d.Weekday() == day && (days(firstDay, d)/7)%interval(sc.Weekly.IntervalWeeks) == 0
		case sc.AbsoluteMonthly != nil:
			match = d.Day() == sc.AbsoluteMonthly.DayOfMonth && months(first, d)%interval(sc.AbsoluteMonthly.IntervalMonths) == 0
		case sc.RelativeMonthly != nil:
			rm := sc.RelativeMonthly
			lastOfMonth := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
			var index bool
			if rm.WeekIndex == "Last" {
				index = d.Day()+7 > lastOfMonth
			} else {
				n := map[string]int{"First": 1, "Second": 2, "Third": 3, "Fourth": 4}[rm.WeekIndex]
				index = (d.Day()-1)/7+1 == n
			}
			match = d.Weekday() == wd(rm.DayOfWeek) && index && months(first, d)%interval(rm.IntervalMonths) == 0
		}
		if !match {
			continue
		}
		start := time.Date(d.Year(), d.Month(), d.Day(), clock.Hour(), clock.Minute(), 0, 0, loc)
		o := Occurrence{Start: start, End: start.Add(time.Duration(w.DurationHours) * time.Hour)}
		if !o.End.After(after) {
			continue
		}
		blocked := false
		for _, ds := range w.NotAllowedDates {
			a, b := date(ds.Start), date(ds.End).AddDate(0, 0, 1)
			from := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, loc)
			to := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, loc)
			if o.Start.Before(to) && o.End.After(from) {
				blocked = true
			}
		}
		if !blocked {
			out = append(out, o)
		}
	}
	return out
}

// TestOpenAgreesWithNext checks Open on random instants against the list of
// occurrences Next gives, and against Next from that instant.
func TestOpenAgreesWithNext(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const span = 2 * 365 * 24 * time.Hour
	for name, w := range propertyWindows {
		t.Run(name, func(t *testing.T) {
			s := mustCompile(t, w)
			all := s.Next(base, 10000)
			rng := rand.New(rand.NewPCG(1, 2)) // reproducible
			for range 3000 {
				at := base.Add(time.Duration(rng.Int64N(int64(span))))
				var want *Occurrence
				for i := range all {
					if !all[i].Start.After(at) && at.Before(all[i].End) {
						want = &all[i]
						break
					}
				}
				got, ok := s.Open(at)
				switch {
				case ok != (want != nil):
					t.Fatalf("Open(%s) ok = %v, want %v", at.Format(time.RFC3339), ok, want != nil)
				case ok && format(got) != format(*want):
					t.Fatalf("Open(%s) = %s, want %s", at.Format(time.RFC3339), format(got), format(*want))
				}
				next := s.Next(at, 1)
				if len(next) != 1 {
					t.Fatalf("Next(%s, 1) = %v", at.Format(time.RFC3339), next)
				}
				if open := !next[0].Start.After(at); open != ok || ok && format(next[0]) != format(got) {
					t.Fatalf("Next(%s, 1) = %s, Open = %s, %v", at.Format(time.RFC3339), format(next[0]), format(got), ok)
				}
			}
		})
	}
}
