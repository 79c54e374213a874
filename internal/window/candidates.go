package window

// horizonDays bounds every look-ahead: candidate days are searched at most
// this many days past the first day that could hold an occurrence.
const horizonDays = 5*366 + 1

// firstOnOrAfter returns the first candidate day number >= z: a day on
// which the schedule has an occurrence (before not-allowed dates). It
// returns a day > limit when there is none up to limit.
func (s *Schedule) firstOnOrAfter(z, limit int) int {
	z = max(z, s.startDay)
	switch s.kind {
	case kindDaily, kindWeekly:
		step := s.interval
		if s.kind == kindWeekly {
			step *= 7
		}
		return s.anchor + ceilDiv(z-s.anchor, step)*step
	}
	k := s.interval
	mi := monthIndex(z)
	mi += mod(s.anchor-mi, k) // first month of the interval at or after z's
	for {
		if d, ok := s.dayIn(mi); ok && d >= z {
			return d
		}
		mi += k
		if first := firstOfMonth(mi); first > limit {
			return first
		}
	}
}

// dayIn returns the day number of the occurrence of a monthly schedule in
// month index mi, if that month has one.
func (s *Schedule) dayIn(mi int) (int, bool) {
	y, m := floorDiv(mi, 12), mod(mi, 12)+1
	n := daysIn(y, m)
	first := dayNumber(y, m, 1)
	if s.kind == kindAbsoluteMonthly {
		if s.day > n {
			return 0, false
		}
		return first + s.day - 1, true
	}
	if s.day == lastWeek {
		last := first + n - 1
		return last - mod(int(weekday(last))-int(s.weekday), 7), true
	}
	return first + mod(int(s.weekday)-int(weekday(first)), 7) + 7*(s.day-1), true
}
