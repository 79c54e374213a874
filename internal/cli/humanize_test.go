package cli

import (
	"testing"
	"time"
)

func TestHumanTime(t *testing.T) {
	oslo := oslo(t)
	at := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		t    time.Time
		loc  *time.Location
		want string
		long string
	}{
		{"winter in Oslo", at, oslo, "Tue 10 Mar 21:00 CET", "Tue 10 Mar 2026 21:00 CET"},
		{"summer in Oslo", at.AddDate(0, 3, 0), oslo, "Wed 10 Jun 22:00 CEST", "Wed 10 Jun 2026 22:00 CEST"},
		{"UTC", at, time.UTC, "Tue 10 Mar 20:00 UTC", "Tue 10 Mar 2026 20:00 UTC"},
		// A window's utcOffset is a zone without a name: the offset says
		// it.
		{"a fixed offset", at, time.FixedZone("+01:00", 3600), "Tue 10 Mar 21:00 +01:00", "Tue 10 Mar 2026 21:00 +01:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := humanTime(tc.t, tc.loc); got != tc.want {
				t.Errorf("humanTime = %q, want %q", got, tc.want)
			}
			if got := longTime(tc.t, tc.loc); got != tc.long {
				t.Errorf("longTime = %q, want %q", got, tc.long)
			}
		})
	}
	if got := whenOrDash(nil, oslo); got != "-" {
		t.Errorf("whenOrDash(nil) = %q, want -", got)
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{now, "just now"},
		{now.Add(-30 * time.Second), "just now"},
		{now.Add(-3 * time.Minute), "3m ago"},
		{now.Add(-(2*time.Hour + 7*time.Minute)), "2h 07m ago"},
		{now.Add(-50 * time.Hour), "2d 2h ago"},
		{now.Add(5 * time.Minute), "in 5m"},
	} {
		if got := ago(now, tc.t); got != tc.want {
			t.Errorf("ago(%s) = %q, want %q", now.Sub(tc.t), got, tc.want)
		}
	}
}
