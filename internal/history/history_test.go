package history

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/version"
)

func load(t *testing.T) *History {
	t.Helper()
	h, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return h
}

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLoadCoversEveryMinorFrom124(t *testing.T) {
	h := load(t)
	if h.GatheredAt.IsZero() || len(h.Sources) == 0 || len(h.Notes) == 0 {
		t.Fatalf("gatheredAt %v, %d sources, %d notes: want all three", h.GatheredAt, len(h.Sources), len(h.Notes))
	}
	// Minors ascend from 1.24 without a gap, up to the newest in preview
	// or planned.
	for i, m := range h.Minors {
		want := version.Version{Major: 1, Minor: 24 + i}
		if m.Version() != want {
			t.Fatalf("minors[%d] = %s; want %s (no gaps from 1.24)", i, m.Name, want.MinorString())
		}
	}
	if n := len(h.Minors); n < 14 {
		t.Fatalf("%d minors; want 1.24 through at least 1.37", n)
	}
	for _, m := range h.Minors {
		if m.AKSPreview.IsZero() {
			t.Errorf("minor %s has no preview date", m.Name)
		}
		if !m.Planned && len(m.Patches) == 0 {
			t.Errorf("minor %s shipped but has no patches", m.Name)
		}
		for i := 1; i < len(m.Patches); i++ {
			if !m.Patches[i-1].Version().Less(m.Patches[i].Version()) {
				t.Errorf("minor %s: patches not ascending at %s", m.Name, m.Patches[i].Name)
			}
		}
	}
	if len(h.NodeImages) == 0 {
		t.Fatal("no node images")
	}
	var from2024 int
	for _, im := range h.NodeImages {
		if im.Date.Time().Year() >= 2024 {
			from2024++
		}
	}
	if from2024 < 100 {
		t.Errorf("%d node images from 2024 on; the release notes name far more", from2024)
	}
}

// Facts read from the release notes, checked so that a regenerated file
// cannot lose them silently.
func TestLoadKnownFacts(t *testing.T) {
	h := load(t)
	minor := func(s string) Minor {
		t.Helper()
		m, ok := h.Minor(version.MustParse(s + ".0"))
		if !ok {
			t.Fatalf("no minor %s", s)
		}
		return m
	}
	m129 := minor("1.29")
	if got := m129.AKSGA.String(); got != "2024-03-17" {
		t.Errorf("1.29 aksGA = %s; want 2024-03-17 (release notes 2024-03-17)", got)
	}
	if got := m129.DatePrecision("aksGA"); got != PrecisionDay {
		t.Errorf("1.29 aksGA precision = %s; want day", got)
	}
	m133 := minor("1.33")
	if got := m133.DatePrecision("aksGA"); got != PrecisionMonth {
		t.Errorf("1.33 aksGA precision = %s; want month (no release notes announce it)", got)
	}
	if !minor("1.37").Planned {
		t.Error("1.37 should be planned: no release confirms its dates")
	}
	if !minor("1.27").LTSEnd.Time().Equal(day(t, "2025-07-31")) {
		t.Errorf("1.27 ltsEnd = %s; want 2025-07-31", minor("1.27").LTSEnd)
	}
	var lts Patch
	for _, p := range minor("1.27").Patches {
		if p.Name == "1.27.101" {
			lts = p
		}
	}
	if !lts.LTS || lts.Precision != PrecisionMonth || lts.Date.String() != "2024-12-01" {
		t.Errorf("1.27.101 = %+v; want an LTS patch of December 2024, month precision", lts)
	}
}

// valid is a small history file that passes every check; the error cases
// below break one thing each.
const valid = `{
  "gatheredAt": "2026-12-06",
  "sources": [{"url": "https://example.com/notes"}],
  "minors": [
    {"minor": "1.30", "aksPreview": "2024-06-09", "aksGA": "2024-07-16", "endOfSupport": "2025-08-22",
     "platformSupportEnd": "2025-11-01", "ltsEnd": "2026-07-31", "precision": {"ltsEnd": "month"},
     "patches": [{"version": "1.30.1", "date": "2024-07-16"}, {"version": "1.30.0", "date": "2024-06-01", "precision": "month"}]},
    {"minor": "1.29", "aksPreview": "2024-02-07", "aksGA": "2024-03-17", "endOfSupport": "2025-03-31",
     "precision": {"endOfSupport": "month"},
     "patches": [{"version": "1.29.0", "date": "2024-02-07"}]}
  ],
  "nodeImages": [
    {"os": "AKSUbuntu-2204", "version": "202407.10.0", "date": "2024-07-16"},
    {"os": "AzureLinux", "version": "2022.05.10", "date": "2022-05-22"}
  ]
}`

func TestParseValid(t *testing.T) {
	h, err := Parse("valid.json", []byte(valid))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if h.Minors[0].Name != "1.29" || h.Minors[1].Patches[0].Name != "1.30.0" {
		t.Errorf("minors %s, %s and 1.30's first patch %s: want ascending versions",
			h.Minors[0].Name, h.Minors[1].Name, h.Minors[1].Patches[0].Name)
	}
	if h.NodeImages[0].OS != "AzureLinux" {
		t.Errorf("first node image %s; want the oldest, AzureLinux 2022.05.10", h.NodeImages[0].OS)
	}
	// What Parse returns writes back to a file Parse reads the same way.
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("again.json", b)
	if err != nil {
		t.Fatalf("Parse of the marshalled history: %v\n%s", err, b)
	}
	b2, err := json.Marshal(again)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(b2) {
		t.Errorf("round trip changed the history:\n%s\n%s", b, b2)
	}
}

func TestParseErrors(t *testing.T) {
	// edit replaces old with new in the valid file, once.
	edit := func(pairs ...string) string {
		s := valid
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				panic("test fixture lacks " + pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		return s
	}
	tests := []struct {
		name string
		file string
		want []string // substrings of the error
	}{
		{"not JSON", "{", []string{"bad.json", "JSON object"}},
		{"trailing data", valid + " {}", []string{"unexpected data after the JSON object"}},
		{"unknown field", edit(`"gatheredAt"`, `"gathered": "x", "gatheredAt"`), []string{`unknown field "gathered"`}},
		{"no gatheredAt", edit(`"gatheredAt": "2026-12-06",`, ``), []string{"gatheredAt is required"}},
		{"bad gatheredAt", edit(`"2026-12-06"`, `"6 Dec 2026"`), []string{`gatheredAt "6 Dec 2026"`}},
		{"no sources", edit(`[{"url": "https://example.com/notes"}]`, `[]`), []string{"sources is empty"}},
		{"source without url", edit(`{"url": "https://example.com/notes"}`, `{"about": "x"}`), []string{"sources[0]: url is required"}},
		{"no minors", `{"gatheredAt": "2026-12-06", "sources": [{"url": "u"}], "minors": []}`, []string{"minors is empty"}},
		{"bad minor", edit(`"minor": "1.30"`, `"minor": "1.30.1"`), []string{"minors[0]", "1.30.1", "MAJOR.MINOR"}},
		{"duplicate minor", edit(`"minor": "1.29"`, `"minor": "1.30"`), []string{"minor 1.30: listed twice"}},
		{"missing aksGA", edit(`"aksGA": "2024-03-17",`, ``), []string{"minor 1.29: aksGA is required"}},
		{"missing endOfSupport", edit(`"endOfSupport": "2025-08-22",`, ``), []string{"minor 1.30: endOfSupport is required"}},
		{"bad date", edit(`"aksGA": "2024-07-16"`, `"aksGA": "2024-13-16"`), []string{`minor 1.30: aksGA "2024-13-16": want YYYY-MM-DD`}},
		{"date not a string", edit(`"aksGA": "2024-07-16"`, `"aksGA": 20240716`), []string{"want a string YYYY-MM-DD"}},
		{"GA before preview", edit(`"aksGA": "2024-07-16"`, `"aksGA": "2024-06-01"`), []string{"minor 1.30: aksGA 2024-06-01 is before aksPreview 2024-06-09"}},
		{"end of support before GA", edit(`"endOfSupport": "2025-08-22"`, `"endOfSupport": "2024-07-01"`), []string{"minor 1.30: endOfSupport 2024-07-01 is before aksGA 2024-07-16"}},
		{"platform before end of support", edit(`"platformSupportEnd": "2025-11-01"`, `"platformSupportEnd": "2025-08-01"`), []string{"minor 1.30: platformSupportEnd 2025-08-01 is before endOfSupport 2025-08-22"}},
		{"LTS before end of support", edit(`"ltsEnd": "2026-07-31"`, `"ltsEnd": "2025-07-31"`), []string{"minor 1.30: ltsEnd 2025-07-31 is before endOfSupport 2025-08-22"}},
		{"month start not the 1st", edit(`"precision": {"ltsEnd": "month"}`, `"precision": {"ltsEnd": "month", "aksGA": "month"}`), []string{"minor 1.30: aksGA 2024-07-16: a month-precision start is written as the 1st"}},
		{"month end not the last day", edit(`"endOfSupport": "2025-03-31"`, `"endOfSupport": "2025-03-30"`), []string{"minor 1.29: endOfSupport 2025-03-30: a month-precision end is written as the last day"}},
		{"precision of an unknown field", edit(`{"ltsEnd": "month"}`, `{"lts": "month"}`), []string{`minor 1.30: precision names "lts"`}},
		{"precision of an absent date", edit(`{"endOfSupport": "month"}`, `{"endOfSupport": "month", "ltsEnd": "month"}`), []string{"minor 1.29: precision of ltsEnd is given but ltsEnd is not"}},
		{"minor precision atLatest", edit(`{"ltsEnd": "month"}`, `{"ltsEnd": "atLatest"}`), []string{`minor 1.30: precision of ltsEnd is "atLatest"`}},
		{"patch of another minor", edit(`{"version": "1.29.0", "date": "2024-02-07"}`, `{"version": "1.28.0", "date": "2024-02-07"}`), []string{"minor 1.29: patch 1.28.0: belongs to minor 1.28"}},
		{"duplicate patch", edit(`{"version": "1.30.1", "date": "2024-07-16"}`, `{"version": "1.30.0", "date": "2024-07-16"}`), []string{"minor 1.30: patch 1.30.0: listed twice"}},
		{"patch before preview", edit(`{"version": "1.29.0", "date": "2024-02-07"}`, `{"version": "1.29.0", "date": "2024-02-06"}`), []string{"minor 1.29: patch 1.29.0: date 2024-02-06 is before the minor's aksPreview 2024-02-07"}},
		{"patch after the minor's last day", edit(`{"version": "1.29.0", "date": "2024-02-07"}`, `{"version": "1.29.0", "date": "2025-04-01"}`), []string{"minor 1.29: patch 1.29.0: date 2025-04-01 is after the minor's endOfSupport 2025-03-31"}},
		{"bad patch version", edit(`"version": "1.30.1"`, `"version": "1.30.x"`), []string{"minor 1.30: patch:", `"1.30.x"`}},
		{"patch without date", edit(`{"version": "1.30.1", "date": "2024-07-16"}`, `{"version": "1.30.1"}`), []string{"minor 1.30: patch 1.30.1: date is required"}},
		{"patch bad precision", edit(`"precision": "month"}`, `"precision": "week"}`), []string{`minor 1.30: patch 1.30.0: precision "week"`}},
		{"patch month not the 1st", edit(`"date": "2024-06-01", "precision": "month"`, `"date": "2024-06-15", "precision": "month"`), []string{"minor 1.30: patch 1.30.0: date 2024-06-15: a month-precision start"}},
		{"duplicate node image", edit(`"os": "AzureLinux", "version": "2022.05.10"`, `"os": "AKSUbuntu-2204", "version": "202407.10.0"`), []string{"node image AKSUbuntu-2204 202407.10.0: listed twice"}},
		{"node image before its build", edit(`"version": "202407.10.0", "date": "2024-07-16"`, `"version": "202407.10.0", "date": "2024-07-09"`), []string{"node image AKSUbuntu-2204 202407.10.0: date 2024-07-09 is before the image's build day 2024-07-10"}},
		{"node image bad version", edit(`"202407.10.0"`, `"v1"`), []string{`node image AKSUbuntu-2204 v1: version "v1"`}},
		{"node image impossible build day", edit(`"202407.10.0"`, `"202413.10.0"`), []string{`version "202413.10.0"`}},
		{"node image without os", edit(`"os": "AzureLinux", `, ``), []string{"nodeImages[1]: os is required"}},
		{"node image without date", edit(`, "date": "2022-05-22"`, ``), []string{"node image AzureLinux 2022.05.10: date is required"}},
		{"every error at once", edit(`"aksGA": "2024-07-16"`, `"aksGA": "2024-06-01"`, `"version": "1.29.0"`, `"version": "1.28.0"`),
			[]string{"minor 1.30: aksGA", "minor 1.29: patch 1.28.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Parse("bad.json", []byte(tt.file))
			if err == nil {
				t.Fatalf("Parse succeeded with %d minors; want an error", len(h.Minors))
			}
			if !strings.HasPrefix(err.Error(), "history file bad.json: ") {
				t.Errorf("error %q does not start with the file name", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte(releasesJSON))
	f.Add([]byte(`{"gatheredAt": null, "minors": [{"minor": "1.1", "patches": [{"version": "1.1.1"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		// A history that passed the checks is usable.
		evs := h.Events(time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
		for i := 1; i < len(evs); i++ {
			if evs[i].At.Before(evs[i-1].At) {
				t.Fatalf("events out of order: %v then %v", evs[i-1], evs[i])
			}
		}
	})
}
