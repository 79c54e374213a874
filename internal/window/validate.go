package window

import (
	"strconv"
	"strings"
	"time"
)

// Allowed texts, as FieldError.Allowed shows them.
const (
	allowedDayOfWeek = "Sunday, Monday, Tuesday, Wednesday, Thursday, Friday or Saturday"
	allowedWeekIndex = "First, Second, Third, Fourth or Last"
	allowedSchedule  = "exactly one of daily, weekly, absoluteMonthly or relativeMonthly"
	allowedStartTime = `"HH:mm" from 00:00 to 23:59`
	allowedUTCOffset = `"+HH:mm" or "-HH:mm" from -12:00 to +14:00`
	allowedTimeZone  = "an IANA time zone name such as Europe/Oslo"
	allowedExclusive = "timeZone or utcOffset, not both (remove one)"
	allowedDate      = "a date YYYY-MM-DD"
	allowedStartReq  = "required when an interval greater than 1 is set: intervals count from it"
	dateLayout       = "2006-01-02"
)

// lastWeek is the week index of "Last".
const lastWeek = 5

var weekIndexes = []string{"First", "Second", "Third", "Fourth", "Last"}

// interval validates an interval field; 0 (unset) means 1.
func (p *problems) interval(field string, v, maxV int) int {
	if v == 0 {
		return 1
	}
	if v < 1 || v > maxV {
		p.add(field, strconv.Itoa(v), "1 to "+strconv.Itoa(maxV))
		return 1
	}
	return v
}

func (p *problems) dayOfWeek(field, v string) time.Weekday {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(v, d.String()) {
			return d
		}
	}
	p.add(field, strconv.Quote(v), allowedDayOfWeek)
	return time.Sunday
}

func (p *problems) weekIndex(field, v string) int {
	for i, name := range weekIndexes {
		if strings.EqualFold(v, name) {
			return i + 1
		}
	}
	p.add(field, strconv.Quote(v), allowedWeekIndex)
	return 1
}

func (p *problems) intRange(field string, v, lo, hi int) int {
	if v < lo || v > hi {
		p.add(field, strconv.Itoa(v), strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		return lo
	}
	return v
}

// twoDigits parses exactly two ASCII digits.
func twoDigits(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// clock parses "HH:mm" (hours 00 to maxH, minutes 00 to 59).
func clock(s string, maxH int) (h, m int, ok bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, false
	}
	h, okH := twoDigits(s[:2])
	m, okM := twoDigits(s[3:])
	if !okH || !okM || h > maxH || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

func (p *problems) startTime(v string) (h, m int) {
	h, m, ok := clock(v, 23)
	if !ok {
		p.add("startTime", strconv.Quote(v), allowedStartTime)
	}
	return h, m
}

// utcOffset parses "+HH:mm" or "-HH:mm" into seconds east of UTC.
func (p *problems) utcOffset(v string) int {
	if len(v) == 6 && (v[0] == '+' || v[0] == '-') {
		if h, m, ok := clock(v[1:], 14); ok {
			mins := h*60 + m
			if v[0] == '-' {
				mins = -mins
			}
			if mins >= -12*60 && mins <= 14*60 {
				return mins * 60
			}
		}
	}
	p.add("utcOffset", strconv.Quote(v), allowedUTCOffset)
	return 0
}

func (p *problems) timeZone(v string) *time.Location {
	// "Local" is the machine's zone, not a zone of the window.
	if v != "Local" {
		if loc, err := time.LoadLocation(v); err == nil {
			return loc
		}
	}
	p.add("timeZone", strconv.Quote(v), allowedTimeZone)
	return time.UTC
}

// date parses a "YYYY-MM-DD" date into a day number.
func (p *problems) date(field, v string) (int, bool) {
	t, err := time.Parse(dateLayout, v)
	if err != nil || t.Format(dateLayout) != v {
		p.add(field, strconv.Quote(v), allowedDate)
		return 0, false
	}
	return dayNumber(t.Year(), int(t.Month()), t.Day()), true
}
