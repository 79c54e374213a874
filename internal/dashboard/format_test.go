package dashboard

import (
	"testing"
	"time"
)

func TestWhen(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	at := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	if got := when(at, now, berlin); got != "Tue 10 Mar 21:00 CET" {
		t.Errorf("when in Berlin: %q", got)
	}
	if got := when(at.AddDate(1, 0, 0), now, nil); got != "Wed 10 Mar 2027 20:00 UTC" {
		t.Errorf("when, another year, no zone: %q", got)
	}
	if got := when(time.Time{}, now, nil); got != "-" {
		t.Errorf("when of nothing: %q", got)
	}
	if got := relative(now.Add(-12*time.Minute), now); got != "12m ago" {
		t.Errorf("relative: %q", got)
	}
	if got := relative(now.Add(3*time.Hour+5*time.Minute), now); got != "in 3h 05m" {
		t.Errorf("relative: %q", got)
	}
}

func TestDaysLeft(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for last, want := range map[time.Time]string{
		time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC): "21 days left",
		time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC): "1 day left",
		time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC): "ends today",
		time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC):  "ended 1d 12h ago",
	} {
		if got := daysLeft(last, now); got != want {
			t.Errorf("daysLeft(%s) = %q, want %q", last.Format(time.DateOnly), got, want)
		}
	}
}

// TestLocalPath: a redirect after a form or sign-in stays on this site.
func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/approvals":                     "/approvals",
		"/rollouts/1.31.5?x=1":           "/rollouts/1.31.5?x=1",
		"//evil.example/":                "/",
		"https://evil.example/x":         "/x",
		"/\\evil.example":                "/",
		"javascript:alert(1)":            "/",
		"":                               "/",
		"http://localhost:8080/timeline": "/timeline",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
