package window

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

func TestOpen(t *testing.T) {
	// Daily 22:00 for 4 hours; the 12th is not allowed, which removes the
	// occurrence of the 11th too.
	w := aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "22:00", NotAllowedDates: spans("2026-01-12..2026-01-12")}
	tests := []struct {
		at   string
		want string // "" when closed
	}{
		{"2026-01-10T21:59:59Z", ""},
		{"2026-01-10T22:00:00Z", "2026-01-10T22:00:00Z/2026-01-11T02:00:00Z"},
		{"2026-01-11T01:59:59Z", "2026-01-10T22:00:00Z/2026-01-11T02:00:00Z"},
		{"2026-01-11T02:00:00Z", ""},
		{"2026-01-11T23:00:00Z", ""}, // blocked: runs into the 12th
		{"2026-01-12T23:00:00Z", ""}, // blocked
		{"2026-01-13T23:00:00+01:00", "2026-01-13T22:00:00Z/2026-01-14T02:00:00Z"},
	}
	s := mustCompile(t, w)
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			o, ok := s.Open(instant(t, tt.at))
			got := ""
			if ok {
				got = format(o)
				checkOccurrence(t, s, o)
			}
			if got != tt.want {
				t.Errorf("Open = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNextFit(t *testing.T) {
	dailyUTC := aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "22:00"}
	oslo := aksupgrade.Window{Schedule: weekly(1, "Sunday"), DurationHours: 6, StartTime: "20:00", TimeZone: "Europe/Oslo"}
	tests := []struct {
		name      string
		window    aksupgrade.Window
		after     string
		d         time.Duration
		wantStart string // "" when not ok
		wantOcc   string
	}{
		{"enough left: same occurrence, at after", dailyUTC, "2026-01-10T23:00:00Z", 2 * time.Hour,
			"2026-01-10T23:00:00Z", "2026-01-10T22:00:00Z/2026-01-11T02:00:00Z"},
		{"exactly enough left", dailyUTC, "2026-01-10T23:00:00Z", 3 * time.Hour,
			"2026-01-10T23:00:00Z", "2026-01-10T22:00:00Z/2026-01-11T02:00:00Z"},
		{"not enough left: next occurrence", dailyUTC, "2026-01-10T23:00:00Z", 3*time.Hour + time.Minute,
			"2026-01-11T22:00:00Z", "2026-01-11T22:00:00Z/2026-01-12T02:00:00Z"},
		{"before an occurrence: its start", dailyUTC, "2026-01-10T12:00:00Z", 4 * time.Hour,
			"2026-01-10T22:00:00Z", "2026-01-10T22:00:00Z/2026-01-11T02:00:00Z"},
		{"zero duration at the last instant", dailyUTC, "2026-01-11T01:59:59Z", 0,
			"2026-01-11T01:59:59Z", "2026-01-10T22:00:00Z/2026-01-11T02:00:00Z"},
		{"longer than the window", dailyUTC, "2026-01-10T12:00:00Z", 4*time.Hour + time.Second, "", ""},
		{"after in another zone, result in the window's", oslo, "2026-01-11T20:00:00Z", time.Hour,
			"2026-01-11T21:00:00+01:00", "2026-01-11T20:00:00+01:00/2026-01-12T02:00:00+01:00"},
		{"every occurrence blocked", aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "22:00",
			NotAllowedDates: spans("2025-01-01..2040-12-31")}, "2026-01-10T12:00:00Z", time.Hour, "", ""},
		{"blocked occurrences are skipped", aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "22:00",
			NotAllowedDates: spans("2026-01-11..2026-01-20")}, "2026-01-10T23:00:00Z", 3*time.Hour + time.Minute,
			"2026-01-21T22:00:00Z", "2026-01-21T22:00:00Z/2026-01-22T02:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustCompile(t, tt.window)
			start, occ, ok := s.NextFit(instant(t, tt.after), tt.d)
			if tt.wantStart == "" {
				if ok {
					t.Fatalf("NextFit = %s, %s, true; want false", start.Format(time.RFC3339), format(occ))
				}
				return
			}
			if !ok {
				t.Fatalf("NextFit = false, want %s", tt.wantStart)
			}
			if got := start.Format(time.RFC3339); got != tt.wantStart || start.Location() != s.Location() {
				t.Errorf("start = %s in %v, want %s in %v", got, start.Location(), tt.wantStart, s.Location())
			}
			if got := format(occ); got != tt.wantOcc {
				t.Errorf("occurrence = %s, want %s", got, tt.wantOcc)
			}
			checkOccurrence(t, s, occ)
		})
	}
}

func BenchmarkNextFit(b *testing.B) {
	windows := map[string]aksupgrade.Window{
		"weekly Oslo": {Schedule: weekly(2, "Saturday"), DurationHours: 6, StartTime: "02:30", TimeZone: "Europe/Oslo", StartDate: "2026-01-03"},
		"daily blocked": {Schedule: daily(1), DurationHours: 4, StartTime: "22:00", UTCOffset: "+05:30",
			NotAllowedDates: spans("2026-12-20..2027-01-05", "2026-06-01..2026-06-30", "2026-03-10..2026-03-12")},
		"relativeMonthly": {Schedule: relativeMonthly(1, "Last", "Sunday"), DurationHours: 8, StartTime: "01:00", TimeZone: "America/New_York"},
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, w := range windows {
		b.Run(name, func(b *testing.B) {
			s := mustCompile(b, w)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				after := base.Add(time.Duration(i%8760) * time.Hour)
				if _, _, ok := s.NextFit(after, 2*time.Hour); !ok {
					b.Fatal("no fit")
				}
				i++
			}
		})
	}
}
