package store

import (
	"testing"
	"time"
)

func TestFormatSoak(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{72 * time.Hour, "3d"},
		{36 * time.Hour, "1d12h"},
		{90 * time.Minute, "1h30m"},
		{23*time.Hour + 59*time.Minute + 40*time.Second, "1d"},
		{45 * time.Second, "45s"},
		{3*24*time.Hour + 5*time.Minute, "3d5m"},
	} {
		if got := FormatSoak(tc.d); got != tc.want {
			t.Errorf("FormatSoak(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
