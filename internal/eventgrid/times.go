package eventgrid

import (
	"fmt"
	"time"
)

// zoneless is how .NET writes a time without its zone, as Azure does in
// some fields (operationalInfo.resourceEventTime).
const zoneless = "2006-01-02T15:04:05.999999999"

// parseTime reads an Azure timestamp: RFC 3339, or without a zone suffix
// (UTC is meant). Empty and 0001-01-01T00:00:00 (with or without zone or
// fraction), Azure's "unset", give the zero time. Times come back in UTC.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var err2 error
		if t, err2 = time.Parse(zoneless, s); err2 != nil {
			return time.Time{}, fmt.Errorf("time %q is not RFC 3339", s)
		}
	}
	if t.Year() == 1 && t.Month() == time.January && t.Day() == 1 &&
		t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}
