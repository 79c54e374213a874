package policy_test

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/policy"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"3d", 72 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"1d30m", 24*time.Hour + 30*time.Minute},
		{"0d", 0},
		{"90m", 90 * time.Minute},
		{"36h", 36 * time.Hour},
		{"30s", 30 * time.Second},
		{"0s", 0},
		{" 2d ", 48 * time.Hour},
		{"90d", 90 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := policy.ParseDuration(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, in := range []string{
		"", "forever", "3", "3 days", "d", "1.5d", "-1d", "1h2d", "3dd", "1d-5h",
		"1d 2h", "999999999999d", "106752d", "106751d24h",
	} {
		t.Run(in, func(t *testing.T) {
			if got, err := policy.ParseDuration(in); err == nil {
				t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{30 * time.Second, "30s"},
		{time.Minute, "1m"},
		{90 * time.Minute, "1h30m"},
		{time.Hour, "1h"},
		{24 * time.Hour, "1d"},
		{36 * time.Hour, "1d12h"},
		{72 * time.Hour, "3d"},
		{25*time.Hour + 30*time.Second, "1d1h0m30s"},
		{1500 * time.Millisecond, "1.5s"},
		{-time.Hour, "-1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := policy.FormatDuration(tt.in)
			if got != tt.want {
				t.Errorf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
			}
			back, err := policy.ParseDuration(got)
			if err != nil || back != tt.in {
				t.Errorf("ParseDuration(%q) = %v, %v, want %v", got, back, err, tt.in)
			}
		})
	}
}

func TestSurgeNodes(t *testing.T) {
	tests := []struct {
		maxSurge string
		count    int
		want     int
	}{
		{"33%", 10, 4}, // AKS rounds a percentage up
		{"33%", 3, 1},
		{"100%", 7, 7},
		{"10%", 1, 1},
		{"10%", 0, 1}, // at least one
		{"50%", 5, 3},
		{"3", 10, 3},
		{"3", 1, 3},
		{"", 5, 1},
		{"bad%", 20, 2}, // not validated here: falls back to 10%
	}
	for _, tt := range tests {
		u := policy.UpgradeSettings{MaxSurge: tt.maxSurge}
		if got := u.SurgeNodes(tt.count); got != tt.want {
			t.Errorf("SurgeNodes(%q, %d) = %d, want %d", tt.maxSurge, tt.count, got, tt.want)
		}
	}
}
