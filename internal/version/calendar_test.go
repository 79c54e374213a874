package version

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDefaultCalendar(t *testing.T) {
	c := DefaultCalendar()
	if !strings.Contains(c.Source(), "Supported Kubernetes versions") || !strings.Contains(c.Source(), "first day of") {
		t.Errorf("Source = %q; want the page and the month rule", c.Source())
	}
	if c.Updated().IsZero() {
		t.Error("Updated is zero")
	}
	es := c.Entries()
	var minors []string
	for _, e := range es {
		minors = append(minors, e.Minor.MinorString())
	}
	for m := 27; m <= 34; m++ {
		want := "1." + strconv.Itoa(m)
		if !slices.Contains(minors, want) {
			t.Errorf("calendar lacks %s; has %v", want, minors)
		}
	}
	for i := 1; i < len(es); i++ {
		if !es[i-1].Minor.Less(es[i].Minor) {
			t.Errorf("entries not ascending: %v then %v", es[i-1].Minor, es[i].Minor)
		}
	}
	// Platform support of N lasts until N+4 reaches GA.
	for _, e := range es {
		n4, ok := c.Entry(Version{e.Minor.Major, e.Minor.Minor + 4, 0})
		switch {
		case ok && !e.PlatformSupportEnd.Equal(n4.AKSGA):
			t.Errorf("%s: platformSupportEnd %s, want the GA of %s, %s", e.Minor.MinorString(),
				e.PlatformSupportEnd.Format(dateLayout), n4.Minor.MinorString(), n4.AKSGA.Format(dateLayout))
		case !ok && !e.PlatformSupportEnd.IsZero():
			t.Errorf("%s: platformSupportEnd %s but N+4 is not in the calendar", e.Minor.MinorString(), e.PlatformSupportEnd.Format(dateLayout))
		}
	}

	got, ok := c.Entry(MustParse("1.30.14"))
	if !ok {
		t.Fatal("no entry for 1.30")
	}
	want := CalendarEntry{
		Minor:              v(t, "1.30"),
		UpstreamRelease:    day(t, "2024-04-01"),
		AKSPreview:         day(t, "2024-06-01"),
		AKSGA:              day(t, "2024-07-01"),
		EndOfLife:          day(t, "2025-08-22"),
		PlatformSupportEnd: day(t, "2025-11-01"),
		LTSEnd:             day(t, "2026-07-31"),
		Note:               got.Note,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("1.30 entry (-want +got):\n%s", diff)
	}

	es[0].Minor = Version{9, 9, 0}
	if c.Entries()[0].Minor == es[0].Minor {
		t.Error("Entries returned the calendar's own slice")
	}
}

func TestLoadCalendar(t *testing.T) {
	const file = `{
  "source": "test", "updated": "2026-01-02",
  "entries": [
    {"minor": "1.41", "aksGA": "2027-06-01", "endOfLife": "2028-06-30"},
    {"minor": "1.40", "upstreamRelease": "2027-01-01", "aksPreview": "2027-02-01", "aksGA": "2027-03-01",
     "endOfLife": "2028-03-31", "platformSupportEnd": "2028-06-01", "ltsEnd": "2029-03-31", "note": "n"}
  ]
}`
	c, err := LoadCalendar(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []CalendarEntry{
		{
			Minor: v(t, "1.40"), UpstreamRelease: day(t, "2027-01-01"), AKSPreview: day(t, "2027-02-01"),
			AKSGA: day(t, "2027-03-01"), EndOfLife: day(t, "2028-03-31"), PlatformSupportEnd: day(t, "2028-06-01"),
			LTSEnd: day(t, "2029-03-31"), Note: "n",
		},
		{Minor: v(t, "1.41"), AKSGA: day(t, "2027-06-01"), EndOfLife: day(t, "2028-06-30")},
	}
	if diff := cmp.Diff(want, c.Entries()); diff != "" {
		t.Errorf("Entries (-want +got):\n%s", diff)
	}
	if c.Source() != "test" || !c.Updated().Equal(day(t, "2026-01-02")) {
		t.Errorf("Source, Updated = %q, %v", c.Source(), c.Updated())
	}
	if got := c.Status(MustParse("1.40.2"), "", day(t, "2028-04-01")).Support; got != PlatformSupport {
		t.Errorf("a loaded calendar's status = %q, want %q", got, PlatformSupport)
	}
}

func TestLoadCalendarErrors(t *testing.T) {
	entry := func(fields string) string { return `{"source": "s", "entries": [` + fields + `]}` }
	const ok = `{"minor": "1.31", "aksGA": "2024-11-01", "endOfLife": "2025-11-01"}`
	tests := []struct {
		name, file, want string
	}{
		{"empty input", "", "EOF"},
		{"not JSON", "minor: 1.31", "invalid character"},
		{"wrong type", `{"entries": {"minor": "1.31"}}`, "cannot unmarshal"},
		{"unknown field", entry(`{"minor": "1.31", "aksGA": "2024-11-01", "endOfLife": "2025-11-01", "eol": "x"}`), `unknown field "eol"`},
		{"trailing data", entry(ok) + `{}`, "after the JSON object"},
		{"no entries", `{"source": "s", "entries": []}`, "no entries"},
		{"bad minor", entry(`{"minor": "1.31.2", "aksGA": "2024-11-01", "endOfLife": "2025-11-01"}`), `"1.31.2"`},
		{"bad date", entry(`{"minor": "1.31", "aksGA": "Nov 2024", "endOfLife": "2025-11-01"}`), `aksGA "Nov 2024": want YYYY-MM-DD`},
		{"bad updated", `{"updated": "yesterday", "entries": [` + ok + `]}`, `updated "yesterday"`},
		{"missing GA", entry(`{"minor": "1.31", "endOfLife": "2025-11-01"}`), "aksGA is required"},
		{"missing end of life", entry(`{"minor": "1.31", "aksGA": "2024-11-01"}`), "endOfLife is required"},
		{"GA before preview", entry(`{"minor": "1.31", "aksPreview": "2024-12-01", "aksGA": "2024-11-01", "endOfLife": "2025-11-01"}`), "aksGA 2024-11-01 is before aksPreview 2024-12-01"},
		{"end of life before GA", entry(`{"minor": "1.31", "aksGA": "2024-11-01", "endOfLife": "2024-10-01"}`), "endOfLife 2024-10-01 is before aksGA"},
		{"LTS ends before end of life", entry(`{"minor": "1.31", "aksGA": "2024-11-01", "endOfLife": "2025-11-01", "ltsEnd": "2025-01-01"}`), "ltsEnd 2025-01-01 is before endOfLife"},
		{"duplicate minor", entry(ok + `,` + ok), "1.31 is listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadCalendar(strings.NewReader(tt.file))
			if err == nil {
				t.Fatalf("LoadCalendar = %+v, want an error", c)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func loadCalendar(t *testing.T, file string) *Calendar {
	t.Helper()
	c, err := LoadCalendar(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
