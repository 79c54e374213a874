package aksupgrade

// Window is a maintenance window in the shape of an AKS planned maintenance
// configuration (maintenanceWindow of api-version 2025-02-01), plus an
// optional IANA TimeZone that may replace UTCOffset.
type Window struct {
	Schedule Schedule `json:"schedule"`
	// DurationHours is the length of each occurrence, 4 to 24 hours of real
	// time.
	DurationHours int `json:"durationHours"`
	// StartTime is the local start time, "HH:mm".
	StartTime string `json:"startTime"`
	// UTCOffset is "+05:30" or "-08:00"; "+00:00" when neither it nor
	// TimeZone is set.
	UTCOffset string `json:"utcOffset,omitempty"`
	// TimeZone is an IANA zone ("Europe/Oslo"), daylight saving included.
	TimeZone string `json:"timeZone,omitempty"`
	// StartDate ("2006-01-02") is the first day the window may occur on and
	// the day its intervals count from.
	StartDate string `json:"startDate,omitempty"`
	// NotAllowedDates are whole local days, both ends inclusive, on which no
	// occurrence may overlap.
	NotAllowedDates []DateSpan `json:"notAllowedDates,omitempty"`
}

// Schedule holds exactly one of its kinds.
type Schedule struct {
	Daily           *DailySchedule           `json:"daily,omitempty"`
	Weekly          *WeeklySchedule          `json:"weekly,omitempty"`
	AbsoluteMonthly *AbsoluteMonthlySchedule `json:"absoluteMonthly,omitempty"`
	RelativeMonthly *RelativeMonthlySchedule `json:"relativeMonthly,omitempty"`
}

// DailySchedule occurs every IntervalDays days.
type DailySchedule struct {
	IntervalDays int `json:"intervalDays"`
}

// WeeklySchedule occurs on DayOfWeek every IntervalWeeks weeks.
type WeeklySchedule struct {
	IntervalWeeks int    `json:"intervalWeeks"`
	DayOfWeek     string `json:"dayOfWeek"`
}

// AbsoluteMonthlySchedule occurs on DayOfMonth every IntervalMonths months;
// months without that day are skipped.
type AbsoluteMonthlySchedule struct {
	IntervalMonths int `json:"intervalMonths"`
	DayOfMonth     int `json:"dayOfMonth"`
}

// RelativeMonthlySchedule occurs on the WeekIndex-th (First, Second, Third,
// Fourth, Last) DayOfWeek every IntervalMonths months.
type RelativeMonthlySchedule struct {
	IntervalMonths int    `json:"intervalMonths"`
	WeekIndex      string `json:"weekIndex"`
	DayOfWeek      string `json:"dayOfWeek"`
}

// DateSpan is an inclusive range of whole days, "2006-01-02".
type DateSpan struct {
	Start string `json:"start"`
	End   string `json:"end"`
}
