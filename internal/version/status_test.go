package version

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/google/go-cmp/cmp"
)

func at(t *testing.T, s string) time.Time {
	t.Helper()
	x, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestStatus(t *testing.T) {
	c := DefaultCalendar()
	s130 := Status{ // 1.30: GA Jul 2024, end of life Aug 22 2025, platform until 1.34 GA (Nov 2025), LTS Jul 2026
		EndOfSupport:         day(t, "2025-08-22"),
		EndOfPlatformSupport: day(t, "2025-11-01"),
		LTSEnd:               day(t, "2026-07-31"),
	}
	with := func(s Status, sup Support) Status { s.Support = sup; return s }
	s134 := Status{EndOfSupport: day(t, "2026-11-30"), LTSEnd: day(t, "2027-11-30")}
	tests := []struct {
		name string
		v    string
		plan string
		now  string
		want Status
	}{
		{"before GA", "1.30.4", "", "2024-06-30T23:59:59Z", with(s130, Unknown)},
		{"at GA", "1.30.4", "", "2024-07-01T00:00:00Z", with(s130, Supported)},
		{"last second of support", "1.30.4", "", "2025-08-22T23:59:59Z", with(s130, Supported)},
		{"first second of platform support", "1.30.4", "", "2025-08-23T00:00:00Z", with(s130, PlatformSupport)},
		{"last day of platform support", "1.30.4", "", "2025-11-01T23:59:59Z", with(s130, PlatformSupport)},
		{"out of support", "1.30.4", "", "2025-11-02T00:00:00Z", with(s130, OutOfSupport)},
		{"explicit official plan", "1.30.4", aksupgrade.SupportPlanOfficial, "2025-09-01T00:00:00Z", with(s130, PlatformSupport)},
		{"instant in another zone, still the 22nd in UTC", "1.30.4", "", "2025-08-23T05:00:00+10:00", with(s130, Supported)},
		{"instant in another zone, the 23rd in UTC", "1.30.4", "", "2025-08-22T20:00:00-05:00", with(s130, PlatformSupport)},

		{"LTS before GA", "1.30.4", aksupgrade.SupportPlanLTS, "2024-06-30T12:00:00Z", with(s130, Unknown)},
		{"LTS during community support", "1.30.4", aksupgrade.SupportPlanLTS, "2025-01-01T00:00:00Z", with(s130, Supported)},
		{"LTS after end of life", "1.30.4", aksupgrade.SupportPlanLTS, "2025-08-23T00:00:00Z", with(s130, Supported)},
		{"LTS after platform support", "1.30.4", aksupgrade.SupportPlanLTS, "2025-11-02T00:00:00Z", with(s130, Supported)},
		{"LTS last second", "1.30.4", aksupgrade.SupportPlanLTS, "2026-07-31T23:59:59Z", with(s130, Supported)},
		{"LTS over: no platform tail", "1.30.4", aksupgrade.SupportPlanLTS, "2026-08-01T00:00:00Z", with(s130, OutOfSupport)},
		{"LTS plan ignoring case", "1.30.4", "akslongtermsupport", "2026-01-01T00:00:00Z", with(s130, Supported)},

		{"platform support end not yet published", "1.34.1", "", "2026-12-01T00:00:00Z", with(s134, PlatformSupport)},
		{"far future, end still unpublished", "1.34.1", "", "2030-01-01T00:00:00Z", with(s134, PlatformSupport)},
		{"LTS over even without platform end", "1.34.1", aksupgrade.SupportPlanLTS, "2027-12-01T00:00:00Z", with(s134, OutOfSupport)},

		{"unknown minor", "1.20.1", "", "2025-01-01T00:00:00Z", Status{Support: Unknown}},
		{"unknown minor, LTS", "1.99.0", aksupgrade.SupportPlanLTS, "2025-01-01T00:00:00Z", Status{Support: Unknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Status(MustParse(tt.v), tt.plan, at(t, tt.now))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Status(%s, %q, %s) (-want +got):\n%s", tt.v, tt.plan, tt.now, diff)
			}
		})
	}
}

// TestStatusBoundaries checks, for every minor of the embedded calendar and
// both plans, the status one second before and at each boundary.
func TestStatusBoundaries(t *testing.T) {
	c := DefaultCalendar()
	const second = time.Second
	next := func(d time.Time) time.Time { return d.AddDate(0, 0, 1) }
	for _, e := range c.Entries() {
		t.Run(e.Minor.MinorString(), func(t *testing.T) {
			type check struct {
				name string
				plan string
				now  time.Time
				want Support
			}
			checks := []check{
				{"official, before GA", "", e.AKSGA.Add(-second), Unknown},
				{"official, at GA", "", e.AKSGA, Supported},
				{"official, end of life day", "", next(e.EndOfLife).Add(-second), Supported},
				{"official, after end of life", "", next(e.EndOfLife), PlatformSupport},
				{"LTS, before GA", aksupgrade.SupportPlanLTS, e.AKSGA.Add(-second), Unknown},
				{"LTS, at GA", aksupgrade.SupportPlanLTS, e.AKSGA, Supported},
			}
			if !e.PlatformSupportEnd.IsZero() {
				checks = append(checks,
					check{"official, platform support end day", "", next(e.PlatformSupportEnd).Add(-second), PlatformSupport},
					check{"official, after platform support", "", next(e.PlatformSupportEnd), OutOfSupport})
			}
			if e.LTSEnd.IsZero() {
				checks = append(checks,
					check{"LTS plan without LTS follows official", aksupgrade.SupportPlanLTS, next(e.EndOfLife), PlatformSupport})
			} else {
				checks = append(checks,
					check{"LTS, after end of life", aksupgrade.SupportPlanLTS, next(e.EndOfLife), Supported},
					check{"LTS, LTS end day", aksupgrade.SupportPlanLTS, next(e.LTSEnd).Add(-second), Supported},
					check{"LTS, after LTS end", aksupgrade.SupportPlanLTS, next(e.LTSEnd), OutOfSupport})
			}
			for _, ch := range checks {
				got := c.Status(e.Minor, ch.plan, ch.now)
				if got.Support != ch.want {
					t.Errorf("%s: Status(%s, %q, %s) = %q, want %q", ch.name, e.Minor.MinorString(), ch.plan, ch.now.Format(time.RFC3339), got.Support, ch.want)
				}
				want := Status{Support: ch.want, EndOfSupport: e.EndOfLife, EndOfPlatformSupport: e.PlatformSupportEnd, LTSEnd: e.LTSEnd}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: dates (-want +got):\n%s", ch.name, diff)
				}
			}
		})
	}
}

// TestStatusWithoutLTS covers a minor that has no LTS: the LTS plan falls
// back to the official calendar.
func TestStatusWithoutLTS(t *testing.T) {
	c := loadCalendar(t, `{"entries": [{"minor": "1.26", "aksGA": "2023-03-01", "endOfLife": "2024-03-31", "platformSupportEnd": "2024-07-01"}]}`)
	tests := []struct {
		now  string
		want Support
	}{
		{"2024-03-31T12:00:00Z", Supported},
		{"2024-04-01T00:00:00Z", PlatformSupport},
		{"2024-07-02T00:00:00Z", OutOfSupport},
	}
	for _, tt := range tests {
		for _, plan := range []string{"", aksupgrade.SupportPlanLTS} {
			if got := c.Status(MustParse("1.26.3"), plan, at(t, tt.now)).Support; got != tt.want {
				t.Errorf("Status(1.26.3, %q, %s) = %q, want %q", plan, tt.now, got, tt.want)
			}
		}
	}
}

func TestStatusDescribe(t *testing.T) {
	cal := DefaultCalendar()
	for _, tt := range []struct {
		v, plan, at, want string
	}{
		{"1.32.4", "", "2026-01-10", "supported until 2026-03-31"},
		{"1.32.4", "", "2026-04-10", "platform support only, until 2026-06-01"},
		{"1.32.4", "", "2026-06-02", "out of support since 2026-06-02"},
		{"1.32.4", "AKSLongTermSupport", "2026-06-02", "supported (long-term support) until 2027-03-31"},
		{"1.32.4", "AKSLongTermSupport", "2027-04-01", "out of support since 2027-04-01"},
		{"1.35.1", "", "2027-05-01", "platform support only, since 2027-04-01"},
		{"1.99.0", "", "2027-05-01", "support unknown"},
	} {
		now, _ := time.Parse("2006-01-02", tt.at)
		if got := cal.Status(MustParse(tt.v), tt.plan, now).Describe(tt.plan); got != tt.want {
			t.Errorf("%s (%s) at %s: %q, want %q", tt.v, tt.plan, tt.at, got, tt.want)
		}
	}
}
