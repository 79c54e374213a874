package window

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

type kind int

const (
	kindDaily kind = iota
	kindWeekly
	kindAbsoluteMonthly
	kindRelativeMonthly
)

// noStartDay is the startDay of a window without StartDate: far enough back
// to never limit anything, far enough from MinInt to never overflow.
const noStartDay = math.MinInt32

// Schedule is a validated window, ready for arithmetic. It is immutable and
// safe for concurrent use.
type Schedule struct {
	loc      *time.Location
	kind     kind
	interval int          // in days, weeks or months; at least 1
	weekday  time.Weekday // weekly, relativeMonthly
	// day is the day of month (absoluteMonthly) or the week index, 1 to 4
	// or lastWeek (relativeMonthly).
	day          int
	hour, minute int
	dur          time.Duration
	// startDay is the day number of StartDate, noStartDay without one.
	startDay int
	// anchor is the first candidate day number (daily, weekly) or the month
	// index intervals count from (monthly).
	anchor  int
	blocked []span // sorted, disjoint, not adjacent
}

// span is a run of not-allowed local days: [from, to) in Unix seconds, and
// the day number of its last day.
type span struct {
	from, to int64
	lastDay  int
}

// Compile validates w and returns its schedule. Invalid windows yield every
// problem found, each a *FieldError, joined with errors.Join; FieldErrors
// returns them.
func Compile(w aksupgrade.Window) (*Schedule, error) {
	var p problems
	s := &Schedule{loc: time.UTC, startDay: noStartDay}

	p.schedule(w.Schedule, s)
	s.dur = time.Duration(p.intRange("durationHours", w.DurationHours, 4, 24)) * time.Hour
	s.hour, s.minute = p.startTime(w.StartTime)
	s.loc = p.location(w.UTCOffset, w.TimeZone)

	switch {
	case w.StartDate != "":
		if d, ok := p.date("startDate", w.StartDate); ok {
			s.startDay = d
		}
	case s.interval > 1:
		p.add("startDate", `""`, allowedStartReq)
	}
	s.blocked = p.notAllowed(w.NotAllowedDates, s.loc)

	if err := p.err(); err != nil {
		return nil, err
	}
	s.anchor = s.anchorOf()
	return s, nil
}

// Location returns the zone the window is defined in: a fixed zone for a
// non-zero utcOffset, the IANA zone of timeZone, or UTC.
func (s *Schedule) Location() *time.Location { return s.loc }

// schedule validates the schedule kinds into s.
func (p *problems) schedule(sc aksupgrade.Schedule, s *Schedule) {
	var set []string
	if d := sc.Daily; d != nil {
		set = append(set, "daily")
		s.kind = kindDaily
		s.interval = p.interval("schedule.daily.intervalDays", d.IntervalDays, 7)
	}
	if wk := sc.Weekly; wk != nil {
		set = append(set, "weekly")
		s.kind = kindWeekly
		s.interval = p.interval("schedule.weekly.intervalWeeks", wk.IntervalWeeks, 4)
		s.weekday = p.dayOfWeek("schedule.weekly.dayOfWeek", wk.DayOfWeek)
	}
	if am := sc.AbsoluteMonthly; am != nil {
		set = append(set, "absoluteMonthly")
		s.kind = kindAbsoluteMonthly
		s.interval = p.interval("schedule.absoluteMonthly.intervalMonths", am.IntervalMonths, 6)
		s.day = p.intRange("schedule.absoluteMonthly.dayOfMonth", am.DayOfMonth, 1, 31)
	}
	if rm := sc.RelativeMonthly; rm != nil {
		set = append(set, "relativeMonthly")
		s.kind = kindRelativeMonthly
		s.interval = p.interval("schedule.relativeMonthly.intervalMonths", rm.IntervalMonths, 6)
		s.day = p.weekIndex("schedule.relativeMonthly.weekIndex", rm.WeekIndex)
		s.weekday = p.dayOfWeek("schedule.relativeMonthly.dayOfWeek", rm.DayOfWeek)
	}
	switch len(set) {
	case 0:
		p.add("schedule", "none", allowedSchedule)
	case 1:
	default:
		p.add("schedule", strings.Join(set, " and "), allowedSchedule)
	}
}

// location validates utcOffset and timeZone and returns the window's zone.
func (p *problems) location(offset, zone string) *time.Location {
	if offset != "" && zone != "" {
		p.add("timeZone", strconv.Quote(zone), allowedExclusive)
	}
	loc := time.UTC
	if zone != "" {
		loc = p.timeZone(zone)
	}
	if offset != "" {
		if secs := p.utcOffset(offset); secs != 0 {
			loc = time.FixedZone(offset, secs)
		}
	}
	return loc
}

// notAllowed validates the not-allowed dates and returns them as merged
// spans of instants in loc.
func (p *problems) notAllowed(dates []aksupgrade.DateSpan, loc *time.Location) []span {
	var out []span
	for i, ds := range dates {
		field := "notAllowedDates[" + strconv.Itoa(i) + "]"
		first, okS := p.date(field+".start", ds.Start)
		last, okE := p.date(field+".end", ds.End)
		if !okS || !okE {
			continue
		}
		if last < first {
			p.add(field+".end", strconv.Quote(ds.End), "on or after start "+strconv.Quote(ds.Start))
			continue
		}
		out = append(out, span{from: midnight(first, loc), to: midnight(last+1, loc), lastDay: last})
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	merged := out[:0]
	for _, sp := range out {
		if n := len(merged); n > 0 && sp.from <= merged[n-1].to {
			m := &merged[n-1]
			m.to = max(m.to, sp.to)
			m.lastDay = max(m.lastDay, sp.lastDay)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// midnight returns the start of local day z in loc, in Unix seconds.
func midnight(z int, loc *time.Location) int64 {
	y, m, d := civil(z)
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc).Unix()
}

// anchorOf returns the anchor of a valid schedule.
func (s *Schedule) anchorOf() int {
	switch s.kind {
	case kindDaily:
		if s.startDay == noStartDay {
			return 0
		}
		return s.startDay
	case kindWeekly:
		if s.startDay == noStartDay {
			return mod(int(s.weekday)-int(weekday(0)), 7)
		}
		return s.startDay + mod(int(s.weekday)-int(weekday(s.startDay)), 7)
	default:
		if s.startDay == noStartDay {
			return 0
		}
		return monthIndex(s.startDay)
	}
}
