package window

import (
	"testing"

	"github.com/aksupgrade/aksupgrade"
	"github.com/google/go-cmp/cmp"
)

func TestNext(t *testing.T) {
	tests := []struct {
		name   string
		window aksupgrade.Window
		after  string // RFC 3339
		n      int
		want   []string // "start/end", RFC 3339 in the window's zone
	}{
		{
			name:   "daily in UTC",
			window: aksupgrade.Window{Schedule: daily(0), DurationHours: 4, StartTime: "22:00"},
			after:  "2026-01-10T12:00:00Z",
			n:      3,
			want: []string{
				"2026-01-10T22:00:00Z/2026-01-11T02:00:00Z",
				"2026-01-11T22:00:00Z/2026-01-12T02:00:00Z",
				"2026-01-12T22:00:00Z/2026-01-13T02:00:00Z",
			},
		},
		{
			name:   "occurrence open at after comes first",
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 6, StartTime: "22:00"},
			after:  "2026-01-11T01:00:00Z",
			n:      2,
			want: []string{
				"2026-01-10T22:00:00Z/2026-01-11T04:00:00Z",
				"2026-01-11T22:00:00Z/2026-01-12T04:00:00Z",
			},
		},
		{
			name:   "occurrence ending exactly at after is over",
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 6, StartTime: "22:00"},
			after:  "2026-01-11T04:00:00Z",
			n:      1,
			want:   []string{"2026-01-11T22:00:00Z/2026-01-12T04:00:00Z"},
		},
		{
			name:   "daily every 3 days from startDate",
			window: aksupgrade.Window{Schedule: daily(3), DurationHours: 4, StartTime: "01:00", StartDate: "2026-01-05"},
			after:  "2025-12-01T00:00:00Z",
			n:      3,
			want: []string{
				"2026-01-05T01:00:00Z/2026-01-05T05:00:00Z",
				"2026-01-08T01:00:00Z/2026-01-08T05:00:00Z",
				"2026-01-11T01:00:00Z/2026-01-11T05:00:00Z",
			},
		},
		{
			name:   "daily every 3 days, after between occurrences",
			window: aksupgrade.Window{Schedule: daily(3), DurationHours: 4, StartTime: "01:00", StartDate: "2026-01-05"},
			after:  "2026-01-09T00:00:00Z",
			n:      2,
			want: []string{
				"2026-01-11T01:00:00Z/2026-01-11T05:00:00Z",
				"2026-01-14T01:00:00Z/2026-01-14T05:00:00Z",
			},
		},
		{
			name:   "daily with startDate never starts before it",
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 24, StartTime: "00:00", StartDate: "2026-01-05"},
			after:  "2026-01-01T00:00:00Z",
			n:      1,
			want:   []string{"2026-01-05T00:00:00Z/2026-01-06T00:00:00Z"},
		},
		{
			name: "weekly every 2 weeks counts from the first day on or after startDate",
			// 2026-01-01 is a Thursday: the first Tuesday is 2026-01-06.
			window: aksupgrade.Window{Schedule: weekly(2, "Tuesday"), DurationHours: 4, StartTime: "02:00", StartDate: "2026-01-01"},
			after:  "2025-06-01T00:00:00Z",
			n:      3,
			want: []string{
				"2026-01-06T02:00:00Z/2026-01-06T06:00:00Z",
				"2026-01-20T02:00:00Z/2026-01-20T06:00:00Z",
				"2026-02-03T02:00:00Z/2026-02-03T06:00:00Z",
			},
		},
		{
			name:   "weekly every 2 weeks skips the off week",
			window: aksupgrade.Window{Schedule: weekly(2, "Tuesday"), DurationHours: 4, StartTime: "02:00", StartDate: "2026-01-01"},
			after:  "2026-01-07T00:00:00Z",
			n:      2,
			want: []string{
				"2026-01-20T02:00:00Z/2026-01-20T06:00:00Z",
				"2026-02-03T02:00:00Z/2026-02-03T06:00:00Z",
			},
		},
		{
			name:   "weekly on startDate's own weekday starts on startDate",
			window: aksupgrade.Window{Schedule: weekly(3, "thursday"), DurationHours: 4, StartTime: "02:00", StartDate: "2026-01-01"},
			after:  "2026-01-01T00:00:00Z",
			n:      2,
			want: []string{
				"2026-01-01T02:00:00Z/2026-01-01T06:00:00Z",
				"2026-01-22T02:00:00Z/2026-01-22T06:00:00Z",
			},
		},
		{
			name:   "weekly, lower-case day, no startDate",
			window: aksupgrade.Window{Schedule: weekly(0, "saturday"), DurationHours: 8, StartTime: "20:00"},
			after:  "2026-01-01T00:00:00Z",
			n:      2,
			want: []string{
				"2026-01-03T20:00:00Z/2026-01-04T04:00:00Z",
				"2026-01-10T20:00:00Z/2026-01-11T04:00:00Z",
			},
		},
		{
			name: "absoluteMonthly every 2 months skips the first month's day before startDate",
			// January 10 is before startDate and is skipped; the interval
			// still counts from January, so March, not February, is next.
			window: aksupgrade.Window{Schedule: absoluteMonthly(2, 10), DurationHours: 4, StartTime: "03:00", StartDate: "2026-01-15"},
			after:  "2026-01-01T00:00:00Z",
			n:      3,
			want: []string{
				"2026-03-10T03:00:00Z/2026-03-10T07:00:00Z",
				"2026-05-10T03:00:00Z/2026-05-10T07:00:00Z",
				"2026-07-10T03:00:00Z/2026-07-10T07:00:00Z",
			},
		},
		{
			name:   "absoluteMonthly keeps the first month's day on or after startDate",
			window: aksupgrade.Window{Schedule: absoluteMonthly(2, 20), DurationHours: 4, StartTime: "03:00", StartDate: "2026-01-15"},
			after:  "2026-01-01T00:00:00Z",
			n:      2,
			want: []string{
				"2026-01-20T03:00:00Z/2026-01-20T07:00:00Z",
				"2026-03-20T03:00:00Z/2026-03-20T07:00:00Z",
			},
		},
		{
			name:   "day 31 skips short months",
			window: aksupgrade.Window{Schedule: absoluteMonthly(1, 31), DurationHours: 4, StartTime: "00:00"},
			after:  "2026-01-01T00:00:00Z",
			n:      7,
			want: []string{
				"2026-01-31T00:00:00Z/2026-01-31T04:00:00Z",
				"2026-03-31T00:00:00Z/2026-03-31T04:00:00Z",
				"2026-05-31T00:00:00Z/2026-05-31T04:00:00Z",
				"2026-07-31T00:00:00Z/2026-07-31T04:00:00Z",
				"2026-08-31T00:00:00Z/2026-08-31T04:00:00Z",
				"2026-10-31T00:00:00Z/2026-10-31T04:00:00Z",
				"2026-12-31T00:00:00Z/2026-12-31T04:00:00Z",
			},
		},
		{
			name:   "day 29 every month: no February 2027, February 29 2028",
			window: aksupgrade.Window{Schedule: absoluteMonthly(1, 29), DurationHours: 4, StartTime: "12:00"},
			after:  "2027-01-01T00:00:00Z",
			n:      14,
			want: []string{
				"2027-01-29T12:00:00Z/2027-01-29T16:00:00Z",
				"2027-03-29T12:00:00Z/2027-03-29T16:00:00Z",
				"2027-04-29T12:00:00Z/2027-04-29T16:00:00Z",
				"2027-05-29T12:00:00Z/2027-05-29T16:00:00Z",
				"2027-06-29T12:00:00Z/2027-06-29T16:00:00Z",
				"2027-07-29T12:00:00Z/2027-07-29T16:00:00Z",
				"2027-08-29T12:00:00Z/2027-08-29T16:00:00Z",
				"2027-09-29T12:00:00Z/2027-09-29T16:00:00Z",
				"2027-10-29T12:00:00Z/2027-10-29T16:00:00Z",
				"2027-11-29T12:00:00Z/2027-11-29T16:00:00Z",
				"2027-12-29T12:00:00Z/2027-12-29T16:00:00Z",
				"2028-01-29T12:00:00Z/2028-01-29T16:00:00Z",
				"2028-02-29T12:00:00Z/2028-02-29T16:00:00Z",
				"2028-03-29T12:00:00Z/2028-03-29T16:00:00Z",
			},
		},
		{
			name:   "relativeMonthly Last Friday",
			window: aksupgrade.Window{Schedule: relativeMonthly(1, "Last", "Friday"), DurationHours: 4, StartTime: "18:00"},
			after:  "2026-01-01T00:00:00Z",
			n:      5,
			want: []string{
				"2026-01-30T18:00:00Z/2026-01-30T22:00:00Z",
				"2026-02-27T18:00:00Z/2026-02-27T22:00:00Z",
				"2026-03-27T18:00:00Z/2026-03-27T22:00:00Z",
				"2026-04-24T18:00:00Z/2026-04-24T22:00:00Z",
				"2026-05-29T18:00:00Z/2026-05-29T22:00:00Z",
			},
		},
		{
			name: "relativeMonthly Fourth Monday is not the Last in a five-Monday month",
			// March 2026 has Mondays 2, 9, 16, 23 and 30.
			window: aksupgrade.Window{Schedule: relativeMonthly(0, "fourth", "MONDAY"), DurationHours: 4, StartTime: "06:00"},
			after:  "2026-01-01T00:00:00Z",
			n:      3,
			want: []string{
				"2026-01-26T06:00:00Z/2026-01-26T10:00:00Z",
				"2026-02-23T06:00:00Z/2026-02-23T10:00:00Z",
				"2026-03-23T06:00:00Z/2026-03-23T10:00:00Z",
			},
		},
		{
			name:   "relativeMonthly Last Monday in a five-Monday month",
			window: aksupgrade.Window{Schedule: relativeMonthly(1, "Last", "Monday"), DurationHours: 4, StartTime: "06:00"},
			after:  "2026-03-01T00:00:00Z",
			n:      1,
			want:   []string{"2026-03-30T06:00:00Z/2026-03-30T10:00:00Z"},
		},
		{
			name: "relativeMonthly First Sunday every 3 months from startDate",
			// February 1 is before startDate: skipped; then May and August.
			window: aksupgrade.Window{Schedule: relativeMonthly(3, "First", "Sunday"), DurationHours: 4, StartTime: "06:00", StartDate: "2026-02-10"},
			after:  "2026-01-01T00:00:00Z",
			n:      2,
			want: []string{
				"2026-05-03T06:00:00Z/2026-05-03T10:00:00Z",
				"2026-08-02T06:00:00Z/2026-08-02T10:00:00Z",
			},
		},
		{
			name:   "utcOffset +05:30",
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "03:00", UTCOffset: "+05:30"},
			after:  "2026-01-09T21:00:00Z", // 02:30 +05:30 on January 10
			n:      2,
			want: []string{
				"2026-01-10T03:00:00+05:30/2026-01-10T07:00:00+05:30",
				"2026-01-11T03:00:00+05:30/2026-01-11T07:00:00+05:30",
			},
		},
		{
			name: "utcOffset -03:30, after in another zone",
			// Monday 2026-01-05 23:00 -03:30 is 2026-01-06 02:30 UTC.
			window: aksupgrade.Window{Schedule: weekly(1, "Monday"), DurationHours: 4, StartTime: "23:00", UTCOffset: "-03:30"},
			after:  "2026-01-06T03:00:00+01:00",
			n:      2,
			want: []string{
				"2026-01-05T23:00:00-03:30/2026-01-06T03:00:00-03:30",
				"2026-01-12T23:00:00-03:30/2026-01-13T03:00:00-03:30",
			},
		},
		{
			name: "Europe/Oslo spring forward: 4 real hours from 01:00",
			// 02:00 CET becomes 03:00 CEST on 2026-03-29.
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "01:00", TimeZone: "Europe/Oslo"},
			after:  "2026-03-28T12:00:00Z",
			n:      2,
			want: []string{
				"2026-03-29T01:00:00+01:00/2026-03-29T06:00:00+02:00",
				"2026-03-30T01:00:00+02:00/2026-03-30T05:00:00+02:00",
			},
		},
		{
			name: "Europe/Oslo fall back: 4 real hours from 01:00",
			// 03:00 CEST becomes 02:00 CET on 2026-10-25.
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "01:00", TimeZone: "Europe/Oslo"},
			after:  "2026-10-24T12:00:00Z",
			n:      2,
			want: []string{
				"2026-10-25T01:00:00+02:00/2026-10-25T04:00:00+01:00",
				"2026-10-26T01:00:00+01:00/2026-10-26T05:00:00+01:00",
			},
		},
		{
			name: "Europe/Oslo 02:30 on the spring-forward day does not exist",
			// time.Date normalizes the missing 02:30 CET to 03:30 CEST.
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "02:30", TimeZone: "Europe/Oslo"},
			after:  "2026-03-28T12:00:00Z",
			n:      2,
			want: []string{
				"2026-03-29T03:30:00+02:00/2026-03-29T07:30:00+02:00",
				"2026-03-30T02:30:00+02:00/2026-03-30T06:30:00+02:00",
			},
		},
		{
			name: "notAllowedDates remove overlapping occurrences, also one starting the evening before",
			// The 11th runs into the 12th; the 12th and 13th are blocked.
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "22:00", NotAllowedDates: spans("2026-01-12..2026-01-13")},
			after:  "2026-01-10T12:00:00Z",
			n:      2,
			want: []string{
				"2026-01-10T22:00:00Z/2026-01-11T02:00:00Z",
				"2026-01-14T22:00:00Z/2026-01-15T02:00:00Z",
			},
		},
		{
			name: "notAllowedDates are local days of the window's zone",
			// Sunday 23:00 in Oslo runs into the blocked Monday (local), even
			// though it ends 02:00 UTC.
			window: aksupgrade.Window{Schedule: weekly(1, "Sunday"), DurationHours: 4, StartTime: "23:00", TimeZone: "Europe/Oslo", NotAllowedDates: spans("2026-01-12..2026-01-12")},
			after:  "2026-01-06T00:00:00Z",
			n:      2,
			want: []string{
				"2026-01-18T23:00:00+01:00/2026-01-19T03:00:00+01:00",
				"2026-01-25T23:00:00+01:00/2026-01-26T03:00:00+01:00",
			},
		},
		{
			name: "overlapping and unsorted notAllowedDates",
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "10:00",
				NotAllowedDates: spans("2026-02-01..2026-02-03", "2026-01-30..2026-02-01", "2026-02-04..2026-02-04")},
			after: "2026-01-29T00:00:00Z",
			n:     2,
			want: []string{
				"2026-01-29T10:00:00Z/2026-01-29T14:00:00Z",
				"2026-02-05T10:00:00Z/2026-02-05T14:00:00Z",
			},
		},
		{
			name:   "a long block is skipped",
			window: aksupgrade.Window{Schedule: weekly(2, "Wednesday"), DurationHours: 4, StartTime: "10:00", StartDate: "2026-01-07", NotAllowedDates: spans("2026-01-01..2027-06-30")},
			after:  "2026-01-01T00:00:00Z",
			n:      1,
			want:   []string{"2027-07-07T10:00:00Z/2027-07-07T14:00:00Z"},
		},
		{
			name:   "everything blocked within the horizon",
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "10:00", NotAllowedDates: spans("2026-01-01..2036-01-01")},
			after:  "2026-01-01T00:00:00Z",
			n:      1,
			want:   nil,
		},
		{
			name:   "zero time is not special",
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "22:00"},
			after:  "0001-01-01T00:00:00Z",
			n:      2,
			want: []string{
				"0000-12-31T22:00:00Z/0001-01-01T02:00:00Z", // open at the zero time
				"0001-01-01T22:00:00Z/0001-01-02T02:00:00Z",
			},
		},
		{
			name:   "zero time long before startDate",
			window: aksupgrade.Window{Schedule: weekly(4, "Friday"), DurationHours: 4, StartTime: "22:00", StartDate: "2026-01-01"},
			after:  "0001-01-01T00:00:00Z",
			n:      2,
			want: []string{
				"2026-01-02T22:00:00Z/2026-01-03T02:00:00Z",
				"2026-01-30T22:00:00Z/2026-01-31T02:00:00Z",
			},
		},
		{
			name:   "n of 0",
			window: aksupgrade.Window{Schedule: daily(1), DurationHours: 4, StartTime: "10:00"},
			after:  "2026-01-01T00:00:00Z",
			n:      0,
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustCompile(t, tt.window)
			got := s.Next(instant(t, tt.after), tt.n)
			if diff := cmp.Diff(tt.want, formatAll(got)); diff != "" {
				t.Errorf("Next(%s, %d) (-want +got):\n%s", tt.after, tt.n, diff)
			}
			for _, o := range got {
				checkOccurrence(t, s, o)
			}
		})
	}
}
