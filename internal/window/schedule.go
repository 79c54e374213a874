package window

import "time"

// Occurrence is one opening of a window: Start <= t < End.
type Occurrence struct{ Start, End time.Time }

// Next returns the first n occurrences that end after after, in order; an
// occurrence open at after comes first. It returns fewer (or none) when the
// look-ahead horizon, about five years from after or from StartDate when
// that is later, holds fewer.
func (s *Schedule) Next(after time.Time, n int) []Occurrence {
	var out []Occurrence
	c := s.cursor(after)
	for len(out) < n {
		o, ok := c.next()
		if !ok {
			break
		}
		if out == nil {
			out = make([]Occurrence, 0, min(n, 64))
		}
		out = append(out, o)
	}
	return out
}

// Open reports the occurrence containing t (Start <= t < End), if any. When
// two occurrences overlap (24 hours daily across a spring-forward), it is the
// one that started first, as with Next.
func (s *Schedule) Open(t time.Time) (Occurrence, bool) {
	c := s.cursor(t)
	o, ok := c.next()
	if !ok || o.Start.After(t) {
		return Occurrence{}, false
	}
	return o, true
}

// NextFit returns the earliest instant >= after at which an occurrence is
// open with at least d left before its End, and that occurrence. ok is false
// when there is none within the look-ahead horizon: d is longer than the
// window, or every occurrence is blocked by not-allowed dates.
func (s *Schedule) NextFit(after time.Time, d time.Duration) (start time.Time, occ Occurrence, ok bool) {
	if d > s.dur {
		return time.Time{}, Occurrence{}, false
	}
	c := s.cursor(after)
	for {
		o, ok := c.next()
		if !ok {
			return time.Time{}, Occurrence{}, false
		}
		at := o.Start
		if at.Before(after) {
			at = after.In(s.loc)
		}
		if o.End.Sub(at) >= d {
			return at, o, true
		}
	}
}

// cursor walks the allowed occurrences that end after a given instant.
type cursor struct {
	s     *Schedule
	after time.Time
	day   int // next candidate day number
	limit int // last day number to look at
}

func (s *Schedule) cursor(after time.Time) cursor {
	// An occurrence ending after after starts after after-dur; one day more
	// covers start times pushed into the next day by a DST gap.
	from := localDay(after.Add(-s.dur), s.loc) - 1
	limit := max(from, s.startDay) + horizonDays
	return cursor{s: s, after: after, day: s.firstOnOrAfter(from, limit), limit: limit}
}

func (c *cursor) next() (Occurrence, bool) {
	s := c.s
	for c.day <= c.limit {
		z := c.day
		o := s.on(z)
		if !o.End.After(c.after) {
			c.day = s.firstOnOrAfter(z+1, c.limit)
			continue
		}
		if i := s.blockedBy(o); i >= 0 {
			// Every candidate up to the span's last day is blocked too.
			c.day = s.firstOnOrAfter(max(z+1, s.blocked[i].lastDay), c.limit)
			continue
		}
		c.day = s.firstOnOrAfter(z+1, c.limit)
		return o, true
	}
	return Occurrence{}, false
}

// on returns the occurrence on local day z.
func (s *Schedule) on(z int) Occurrence {
	y, m, d := civil(z)
	start := time.Date(y, time.Month(m), d, s.hour, s.minute, 0, 0, s.loc)
	return Occurrence{Start: start, End: start.Add(s.dur)}
}

// blockedBy returns the index of the not-allowed span o overlaps, or -1.
func (s *Schedule) blockedBy(o Occurrence) int {
	if len(s.blocked) == 0 {
		return -1
	}
	start, end := o.Start.Unix(), o.End.Unix()
	// First span ending after start.
	lo, hi := 0, len(s.blocked)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if s.blocked[h].to <= start {
			lo = h + 1
		} else {
			hi = h
		}
	}
	if lo < len(s.blocked) && s.blocked[lo].from < end {
		return lo
	}
	return -1
}
