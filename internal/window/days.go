package window

import "time"

// Days are counted as civil day numbers: days since 1970-01-01 in the
// proleptic Gregorian calendar, independent of any zone. Months are counted
// as year*12 + month-1.

// dayNumber returns the day number of y-m-d (m 1 to 12).
func dayNumber(y, m, d int) int {
	// Howard Hinnant's days_from_civil.
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civil returns the year, month (1 to 12) and day of day number z.
func civil(z int) (y, m, d int) {
	// Howard Hinnant's civil_from_days.
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// weekday returns the weekday of day number z (day 0 was a Thursday).
func weekday(z int) time.Weekday { return time.Weekday(mod(z+4, 7)) }

// localDay returns the day number of t's date in loc.
func localDay(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return dayNumber(y, int(m), d)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// monthIndex returns the month index of day number z.
func monthIndex(z int) int {
	y, m, _ := civil(z)
	return y*12 + m - 1
}

// firstOfMonth returns the day number of the first day of month index mi.
func firstOfMonth(mi int) int { return dayNumber(floorDiv(mi, 12), mod(mi, 12)+1, 1) }

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func mod(a, b int) int { return a - floorDiv(a, b)*b }

// ceilDiv returns a/b rounded towards +infinity, for b > 0.
func ceilDiv(a, b int) int { return -floorDiv(-a, b) }
