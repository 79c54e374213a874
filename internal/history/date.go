package history

import (
	"encoding/json"
	"fmt"
	"time"
)

// dateLayout is the form of every date in a history file.
const dateLayout = "2006-01-02"

// Date is a calendar day at 00:00 UTC, written "YYYY-MM-DD" in a history
// file. The zero Date means "no date".
//
// Decoding keeps text that is not a date instead of failing at once, so
// that [Parse] can report it with the entry and field it belongs to.
type Date struct {
	t   time.Time
	raw string // the text of a date that did not parse; empty otherwise
}

// Time returns the day at 00:00 UTC, or the zero time for no date.
func (d Date) Time() time.Time { return d.t }

// IsZero reports whether d is "no date".
func (d Date) IsZero() bool { return d.t.IsZero() && d.raw == "" }

// String returns "YYYY-MM-DD", the text of a date that did not parse, or ""
// for no date.
func (d Date) String() string {
	if d.t.IsZero() {
		return d.raw
	}
	return d.t.Format(dateLayout)
}

// MarshalJSON writes the date as a string.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a string. A string that is not a YYYY-MM-DD day is
// kept for [Parse] to report; anything but a string or null is an error.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date %s: want a string YYYY-MM-DD", b)
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		*d = Date{raw: s}
		return nil
	}
	*d = Date{t: t}
	return nil
}

// bad reports whether the file held text that is not a date.
func (d Date) bad() bool { return d.raw != "" }

// Precision says how well a date is known.
type Precision string

const (
	// PrecisionDay: the day is known. It is the default when a file says
	// nothing.
	PrecisionDay Precision = "day"
	// PrecisionMonth: only the month is known. A start (preview, GA, a
	// release) is written as the 1st, an end as the last day of the month.
	PrecisionMonth Precision = "month"
	// PrecisionAtLatest: available on or before the day; the sources do
	// not say when it was added.
	PrecisionAtLatest Precision = "atLatest"
	// PrecisionAtEarliest: not available before the day (for a node image
	// listed in a release older than the image's build).
	PrecisionAtEarliest Precision = "atEarliest"
)

// orDay returns p, or PrecisionDay when p is empty.
func (p Precision) orDay() Precision {
	if p == "" {
		return PrecisionDay
	}
	return p
}

// lastDayOfMonth reports whether t is the last day of its month.
func lastDayOfMonth(t time.Time) bool { return t.AddDate(0, 0, 1).Day() == 1 }
