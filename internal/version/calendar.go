package version

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// calendarJSON is the AKS Kubernetes release calendar; see calendar.json's
// "source" field. A string, so nothing can change it.
//
//go:embed calendar.json
var calendarJSON string

// dateLayout is the form of every date in a calendar file.
const dateLayout = "2006-01-02"

// Calendar is the support calendar of Kubernetes minors on AKS. It is
// immutable; build it with DefaultCalendar or LoadCalendar.
type Calendar struct {
	source  string
	updated time.Time
	entries []CalendarEntry // ascending by minor
}

// CalendarEntry is one minor's dates, each a day at 00:00 UTC. End dates
// are the last day of their period. A zero time means "no date": no LTS,
// or a platform-support end not yet published.
type CalendarEntry struct {
	Minor              Version // Patch 0
	UpstreamRelease    time.Time
	AKSPreview         time.Time
	AKSGA              time.Time
	EndOfLife          time.Time // end of AKS official (community) support
	PlatformSupportEnd time.Time
	LTSEnd             time.Time
	Note               string
}

// calendarFile is the JSON shape of calendar.json.
type calendarFile struct {
	Source  string         `json:"source"`
	Updated string         `json:"updated"`
	Entries []calendarItem `json:"entries"`
}

type calendarItem struct {
	Minor              string `json:"minor"`
	UpstreamRelease    string `json:"upstreamRelease"`
	AKSPreview         string `json:"aksPreview"`
	AKSGA              string `json:"aksGA"`
	EndOfLife          string `json:"endOfLife"`
	PlatformSupportEnd string `json:"platformSupportEnd,omitempty"`
	LTSEnd             string `json:"ltsEnd,omitempty"`
	Note               string `json:"note,omitempty"`
}

// DefaultCalendar returns the calendar embedded in the binary. It parses
// the small embedded file on every call, which is cheap; it panics only if
// that file is broken, which the package's tests rule out.
func DefaultCalendar() *Calendar {
	c, err := LoadCalendar(strings.NewReader(calendarJSON))
	if err != nil {
		panic("version: embedded calendar.json: " + err.Error())
	}
	return c
}

// LoadCalendar reads a calendar file of calendar.json's shape:
//
//	{"source": "...", "updated": "2026-11-22",
//	 "entries": [{"minor": "1.31", "upstreamRelease": "2024-08-01",
//	   "aksPreview": "2024-10-01", "aksGA": "2024-11-01",
//	   "endOfLife": "2025-11-01", "platformSupportEnd": "2026-03-01",
//	   "ltsEnd": "2026-11-30", "note": "..."}]}
//
// Dates are YYYY-MM-DD. minor, aksGA and endOfLife are required; the other
// dates may be omitted. Unknown fields, trailing data, duplicate minors and
// dates out of order are errors.
func LoadCalendar(r io.Reader) (*Calendar, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f calendarFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("calendar: unexpected data after the JSON object")
	}
	c := &Calendar{source: f.Source}
	var errs []error
	if f.Updated != "" {
		var err error
		if c.updated, err = time.Parse(dateLayout, f.Updated); err != nil {
			errs = append(errs, fmt.Errorf("updated %q: want YYYY-MM-DD", f.Updated))
		}
	}
	if len(f.Entries) == 0 {
		errs = append(errs, errors.New("no entries"))
	}
	for i, it := range f.Entries {
		e, err := it.entry()
		if err != nil {
			errs = append(errs, fmt.Errorf("entry %d: %w", i, err))
			continue
		}
		c.entries = append(c.entries, e)
	}
	slices.SortFunc(c.entries, func(a, b CalendarEntry) int { return a.Minor.Compare(b.Minor) })
	for i := 1; i < len(c.entries); i++ {
		if c.entries[i].Minor == c.entries[i-1].Minor {
			errs = append(errs, fmt.Errorf("minor %s is listed twice", c.entries[i].Minor.MinorString()))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("calendar: %w", errors.Join(errs...))
	}
	return c, nil
}

// entry checks and converts one item of the file.
func (it calendarItem) entry() (CalendarEntry, error) {
	m, err := ParseMinor(it.Minor)
	if err != nil {
		return CalendarEntry{}, err
	}
	e := CalendarEntry{Minor: m, Note: it.Note}
	var errs []error
	date := func(field, s string, required bool) time.Time {
		if s == "" {
			if required {
				errs = append(errs, fmt.Errorf("%s: %s is required", m.MinorString(), field))
			}
			return time.Time{}
		}
		t, err := time.Parse(dateLayout, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s %q: want YYYY-MM-DD", m.MinorString(), field, s))
		}
		return t
	}
	e.UpstreamRelease = date("upstreamRelease", it.UpstreamRelease, false)
	e.AKSPreview = date("aksPreview", it.AKSPreview, false)
	e.AKSGA = date("aksGA", it.AKSGA, true)
	e.EndOfLife = date("endOfLife", it.EndOfLife, true)
	e.PlatformSupportEnd = date("platformSupportEnd", it.PlatformSupportEnd, false)
	e.LTSEnd = date("ltsEnd", it.LTSEnd, false)
	if len(errs) > 0 {
		return CalendarEntry{}, errors.Join(errs...)
	}
	order := []struct {
		name string
		t    time.Time
	}{
		{"upstreamRelease", e.UpstreamRelease},
		{"aksPreview", e.AKSPreview},
		{"aksGA", e.AKSGA},
		{"endOfLife", e.EndOfLife},
	}
	last := -1
	for i, d := range order {
		if d.t.IsZero() {
			continue
		}
		if last >= 0 && d.t.Before(order[last].t) {
			errs = append(errs, fmt.Errorf("%s: %s %s is before %s %s", m.MinorString(),
				d.name, d.t.Format(dateLayout), order[last].name, order[last].t.Format(dateLayout)))
		}
		last = i
	}
	for _, d := range []struct {
		name string
		t    time.Time
	}{{"platformSupportEnd", e.PlatformSupportEnd}, {"ltsEnd", e.LTSEnd}} {
		if !d.t.IsZero() && d.t.Before(e.EndOfLife) {
			errs = append(errs, fmt.Errorf("%s: %s %s is before endOfLife %s", m.MinorString(),
				d.name, d.t.Format(dateLayout), e.EndOfLife.Format(dateLayout)))
		}
	}
	return e, errors.Join(errs...)
}

// Source returns the file's note on where its dates come from.
func (c *Calendar) Source() string { return c.source }

// Updated returns the day the file says it was last updated (zero if it
// does not say).
func (c *Calendar) Updated() time.Time { return c.updated }

// Entries returns every minor the calendar knows, ascending.
func (c *Calendar) Entries() []CalendarEntry { return slices.Clone(c.entries) }

// Entry returns the dates of v's minor.
func (c *Calendar) Entry(v Version) (CalendarEntry, bool) {
	i, ok := slices.BinarySearchFunc(c.entries, v.MinorOf(), func(e CalendarEntry, t Version) int {
		return e.Minor.Compare(t)
	})
	if !ok {
		return CalendarEntry{}, false
	}
	return c.entries[i], true
}
