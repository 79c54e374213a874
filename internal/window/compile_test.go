package window

import (
	"errors"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/google/go-cmp/cmp"
)

// valid is a window without problems; cases change one thing.
func valid() aksupgrade.Window {
	return aksupgrade.Window{Schedule: weekly(1, "Monday"), DurationHours: 4, StartTime: "02:00"}
}

func TestCompileErrors(t *testing.T) {
	fe := func(field, found, allowed string) *FieldError {
		return &FieldError{Field: field, Found: found, Allowed: allowed}
	}
	tests := []struct {
		name   string
		change func(w *aksupgrade.Window)
		want   []*FieldError
	}{
		{"no schedule", func(w *aksupgrade.Window) { w.Schedule = aksupgrade.Schedule{} },
			[]*FieldError{fe("schedule", "none", allowedSchedule)}},
		{"two schedules", func(w *aksupgrade.Window) { w.Schedule.Daily = daily(1).Daily },
			[]*FieldError{fe("schedule", "daily and weekly", allowedSchedule)}},
		{"intervalDays too large", func(w *aksupgrade.Window) { w.Schedule = daily(8); w.StartDate = "2026-01-01" },
			[]*FieldError{fe("schedule.daily.intervalDays", "8", "1 to 7")}},
		{"intervalDays negative", func(w *aksupgrade.Window) { w.Schedule = daily(-1) },
			[]*FieldError{fe("schedule.daily.intervalDays", "-1", "1 to 7")}},
		{"intervalWeeks too large", func(w *aksupgrade.Window) { w.Schedule = weekly(5, "Monday"); w.StartDate = "2026-01-01" },
			[]*FieldError{fe("schedule.weekly.intervalWeeks", "5", "1 to 4")}},
		{"weekly dayOfWeek abbreviated", func(w *aksupgrade.Window) { w.Schedule = weekly(1, "Mon") },
			[]*FieldError{fe("schedule.weekly.dayOfWeek", `"Mon"`, "Sunday, Monday, Tuesday, Wednesday, Thursday, Friday or Saturday")}},
		{"weekly dayOfWeek missing", func(w *aksupgrade.Window) { w.Schedule = weekly(1, "") },
			[]*FieldError{fe("schedule.weekly.dayOfWeek", `""`, allowedDayOfWeek)}},
		{"absoluteMonthly intervalMonths too large", func(w *aksupgrade.Window) { w.Schedule = absoluteMonthly(7, 1); w.StartDate = "2026-01-01" },
			[]*FieldError{fe("schedule.absoluteMonthly.intervalMonths", "7", "1 to 6")}},
		{"dayOfMonth 0", func(w *aksupgrade.Window) { w.Schedule = absoluteMonthly(1, 0) },
			[]*FieldError{fe("schedule.absoluteMonthly.dayOfMonth", "0", "1 to 31")}},
		{"dayOfMonth 32", func(w *aksupgrade.Window) { w.Schedule = absoluteMonthly(1, 32) },
			[]*FieldError{fe("schedule.absoluteMonthly.dayOfMonth", "32", "1 to 31")}},
		{"relativeMonthly all wrong", func(w *aksupgrade.Window) {
			w.Schedule = relativeMonthly(9, "Fifth", "Funday")
			w.StartDate = "2026-01-01"
		},
			[]*FieldError{
				fe("schedule.relativeMonthly.intervalMonths", "9", "1 to 6"),
				fe("schedule.relativeMonthly.weekIndex", `"Fifth"`, "First, Second, Third, Fourth or Last"),
				fe("schedule.relativeMonthly.dayOfWeek", `"Funday"`, allowedDayOfWeek),
			}},
		{"durationHours too short", func(w *aksupgrade.Window) { w.DurationHours = 3 },
			[]*FieldError{fe("durationHours", "3", "4 to 24")}},
		{"durationHours too long", func(w *aksupgrade.Window) { w.DurationHours = 25 },
			[]*FieldError{fe("durationHours", "25", "4 to 24")}},
		{"durationHours missing", func(w *aksupgrade.Window) { w.DurationHours = 0 },
			[]*FieldError{fe("durationHours", "0", "4 to 24")}},
		{"startTime 24:00", func(w *aksupgrade.Window) { w.StartTime = "24:00" },
			[]*FieldError{fe("startTime", `"24:00"`, `"HH:mm" from 00:00 to 23:59`)}},
		{"startTime one hour digit", func(w *aksupgrade.Window) { w.StartTime = "9:00" },
			[]*FieldError{fe("startTime", `"9:00"`, allowedStartTime)}},
		{"startTime minute 60", func(w *aksupgrade.Window) { w.StartTime = "12:60" },
			[]*FieldError{fe("startTime", `"12:60"`, allowedStartTime)}},
		{"startTime missing", func(w *aksupgrade.Window) { w.StartTime = "" },
			[]*FieldError{fe("startTime", `""`, allowedStartTime)}},
		{"utcOffset beyond +14:00", func(w *aksupgrade.Window) { w.UTCOffset = "+14:01" },
			[]*FieldError{fe("utcOffset", `"+14:01"`, `"+HH:mm" or "-HH:mm" from -12:00 to +14:00`)}},
		{"utcOffset beyond -12:00", func(w *aksupgrade.Window) { w.UTCOffset = "-12:30" },
			[]*FieldError{fe("utcOffset", `"-12:30"`, allowedUTCOffset)}},
		{"utcOffset without colon", func(w *aksupgrade.Window) { w.UTCOffset = "+0530" },
			[]*FieldError{fe("utcOffset", `"+0530"`, allowedUTCOffset)}},
		{"utcOffset without sign", func(w *aksupgrade.Window) { w.UTCOffset = "05:30" },
			[]*FieldError{fe("utcOffset", `"05:30"`, allowedUTCOffset)}},
		{"timeZone unknown", func(w *aksupgrade.Window) { w.TimeZone = "Mars/Olympus_Mons" },
			[]*FieldError{fe("timeZone", `"Mars/Olympus_Mons"`, "an IANA time zone name such as Europe/Oslo")}},
		{"timeZone Local", func(w *aksupgrade.Window) { w.TimeZone = "Local" },
			[]*FieldError{fe("timeZone", `"Local"`, allowedTimeZone)}},
		{"timeZone with utcOffset", func(w *aksupgrade.Window) { w.TimeZone = "Europe/Oslo"; w.UTCOffset = "+01:00" },
			[]*FieldError{fe("timeZone", `"Europe/Oslo"`, "timeZone or utcOffset, not both (remove one)")}},
		{"startDate not a day", func(w *aksupgrade.Window) { w.StartDate = "2026-02-30" },
			[]*FieldError{fe("startDate", `"2026-02-30"`, "a date YYYY-MM-DD")}},
		{"startDate not padded", func(w *aksupgrade.Window) { w.StartDate = "2026-1-5" },
			[]*FieldError{fe("startDate", `"2026-1-5"`, allowedDate)}},
		{"startDate missing with an interval", func(w *aksupgrade.Window) { w.Schedule = weekly(2, "Monday") },
			[]*FieldError{fe("startDate", `""`, "required when an interval greater than 1 is set: intervals count from it")}},
		{"notAllowedDates start invalid", func(w *aksupgrade.Window) { w.NotAllowedDates = spans("2026-13-01..2026-12-31") },
			[]*FieldError{fe("notAllowedDates[0].start", `"2026-13-01"`, allowedDate)}},
		{"notAllowedDates end before start", func(w *aksupgrade.Window) {
			w.NotAllowedDates = spans("2026-01-01..2026-01-02", "2026-03-05..2026-03-04")
		}, []*FieldError{fe("notAllowedDates[1].end", `"2026-03-04"`, `on or after start "2026-03-05"`)}},
		{"notAllowedDates end missing", func(w *aksupgrade.Window) { w.NotAllowedDates = spans("2026-01-01") },
			[]*FieldError{fe("notAllowedDates[0].end", `""`, allowedDate)}},
		{"every problem at once", func(w *aksupgrade.Window) {
			*w = aksupgrade.Window{Schedule: daily(3), DurationHours: 2, StartTime: "noon", UTCOffset: "+1", NotAllowedDates: spans("x..y")}
		}, []*FieldError{
			fe("durationHours", "2", "4 to 24"),
			fe("startTime", `"noon"`, allowedStartTime),
			fe("utcOffset", `"+1"`, allowedUTCOffset),
			fe("startDate", `""`, allowedStartReq),
			fe("notAllowedDates[0].start", `"x"`, allowedDate),
			fe("notAllowedDates[0].end", `"y"`, allowedDate),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := valid()
			tt.change(&w)
			s, err := Compile(w)
			if s != nil || err == nil {
				t.Fatalf("Compile = %v, %v; want an error", s, err)
			}
			if diff := cmp.Diff(tt.want, FieldErrors(err)); diff != "" {
				t.Errorf("FieldErrors (-want +got):\n%s", diff)
			}
			var first *FieldError
			if !errors.As(err, &first) || *first != *tt.want[0] {
				t.Errorf("errors.As = %v, want %v", first, tt.want[0])
			}
		})
	}
}

func TestFieldErrorMessage(t *testing.T) {
	e := &FieldError{Field: "schedule.weekly.dayOfWeek", Found: `"Mon"`, Allowed: allowedDayOfWeek}
	want := `schedule.weekly.dayOfWeek: found "Mon", allowed Sunday, Monday, Tuesday, Wednesday, Thursday, Friday or Saturday`
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := FieldErrors(nil); got != nil {
		t.Errorf("FieldErrors(nil) = %v, want nil", got)
	}
	if got := FieldErrors(errors.New("other")); got != nil {
		t.Errorf("FieldErrors(other) = %v, want nil", got)
	}
}

func TestCompileAccepts(t *testing.T) {
	tests := []struct {
		name   string
		change func(w *aksupgrade.Window)
	}{
		{"lower-case names", func(w *aksupgrade.Window) { w.Schedule = relativeMonthly(1, "last", "sunday") }},
		{"bounds", func(w *aksupgrade.Window) {
			w.Schedule = absoluteMonthly(6, 31)
			w.StartDate = "2026-02-28"
			w.DurationHours = 24
			w.StartTime = "23:59"
			w.UTCOffset = "+14:00"
		}},
		{"lowest offset and shortest window", func(w *aksupgrade.Window) { w.DurationHours = 4; w.StartTime = "00:00"; w.UTCOffset = "-12:00" }},
		{"intervals of 1 need no startDate", func(w *aksupgrade.Window) { w.Schedule = daily(1) }},
		{"one-day not-allowed span", func(w *aksupgrade.Window) { w.NotAllowedDates = spans("2028-02-29..2028-02-29") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := valid()
			tt.change(&w)
			if _, err := Compile(w); err != nil {
				t.Errorf("Compile: %v", err)
			}
		})
	}
}

func TestLocation(t *testing.T) {
	tests := []struct {
		name, offset, zone string
		wantName           string
		wantOffset         int // seconds east of UTC on 2026-01-15
	}{
		{"neither is UTC", "", "", "UTC", 0},
		{"+00:00 is UTC", "+00:00", "", "UTC", 0},
		{"offset with minutes", "+05:30", "", "+05:30", 5*3600 + 30*60},
		{"negative offset with minutes", "-03:30", "", "-03:30", -(3*3600 + 30*60)},
		{"IANA zone", "", "Europe/Oslo", "Europe/Oslo", 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := valid()
			w.UTCOffset, w.TimeZone = tt.offset, tt.zone
			loc := mustCompile(t, w).Location()
			if loc.String() != tt.wantName {
				t.Errorf("Location() = %q, want %q", loc, tt.wantName)
			}
			if _, off := time.Date(2026, 1, 15, 12, 0, 0, 0, loc).Zone(); off != tt.wantOffset {
				t.Errorf("offset = %d, want %d", off, tt.wantOffset)
			}
		})
	}
}
