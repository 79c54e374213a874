package eventgrid

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"0001-01-01T00:00:00", time.Time{}},
		{"0001-01-01T00:00:00Z", time.Time{}},
		{"0001-01-01T00:00:00.0000000Z", time.Time{}},
		{"0001-01-01T00:00:00+00:00", time.Time{}},
		{"2024-04-16T22:17:12.1032748", time.Date(2024, 4, 16, 22, 17, 12, 103274800, time.UTC)},
		{"2024-04-16T22:17:12.103268606Z", time.Date(2024, 4, 16, 22, 17, 12, 103268606, time.UTC)},
		{"2018-06-20T12:00:33.6125843-07:00", time.Date(2018, 6, 20, 19, 0, 33, 612584300, time.UTC)},
		{"2023-08-01T13:53:15Z", time.Date(2023, 8, 1, 13, 53, 15, 0, time.UTC)},
		{"0001-01-01T00:00:01Z", time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		if err != nil {
			t.Errorf("parseTime(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.IsZero() != tt.want.IsZero() {
			t.Errorf("parseTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("parseTime(%q) is in %v, want UTC", tt.in, got.Location())
		}
	}
	for _, in := range []string{"yesterday", "2024-04-16", "2024-04-16 22:17:12", "2024-13-01T00:00:00Z", "2024-04-16T22:17:12+25:00"} {
		if got, err := parseTime(in); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", in, got)
		}
	}
}
