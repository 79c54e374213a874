package demo

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSpan(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{118*time.Hour + 39*time.Minute, "4d 22h 39m"},
		{4 * time.Hour, "4h"},
		{24 * time.Hour, "1d"},
		{45 * time.Minute, "45m"},
		{79*time.Second + 400*time.Millisecond, "1m 19s"},
		{37*time.Second + 840*time.Millisecond, "37.8s"},
		{-13 * time.Minute, "-13m"},
		{2*time.Hour + 30*time.Second, "2h 1m"},
	} {
		if got := span(c.d); got != c.want {
			t.Errorf("span(%s) = %q, want %q", c.d, got, c.want)
		}
	}
}

// The summary reads as text for people: lists and durations in words,
// times with their zone, no Go values.
func TestSummaryWrite(t *testing.T) {
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	s := &Summary{
		Stages:   []string{"sandbox", "dev", "test", "prod"},
		Proven:   map[string][]string{"sandbox": {"1.31.4", "1.31.5", "1.32.3"}, "dev": {"1.31.5"}, "prod": {"1.31.5", "1.32.3"}},
		Start:    start,
		Makespan: 118*time.Hour + 39*time.Minute,
		Projections: []Projection{
			{Target: "1.31.5", MadeAt: start.Add(8 * time.Hour), Projected: start.Add(70*time.Hour + 36*time.Minute), Actual: start.Add(70*time.Hour + 49*time.Minute)},
			{Target: "1.32.3", MadeAt: start.Add(46 * time.Hour), Projected: start.Add(96 * time.Hour), Actual: start.Add(96 * time.Hour)},
		},
		Requests: 3773,
		Real:     79 * time.Second,
	}
	var b strings.Builder
	if err := s.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := `
SUMMARY
  sandbox  proven: 1.31.4, 1.31.5, 1.32.3
  dev      proven: 1.31.5
  test     proven: nothing
  prod     proven: 1.31.5, 1.32.3
  simulated makespan: 4d 22h 39m, from the start (Mon 06-02 00:00 UTC) to the last proof (Fri 06-06 22:39 UTC)
  1.31.5 in the last stage: projected Wed 06-04 22:36 UTC (projection made Mon 06-02 08:00 UTC), proven Wed 06-04 22:49 UTC, 13m later than projected
  1.32.3 in the last stage: projected Fri 06-06 00:00 UTC (projection made Tue 06-03 22:00 UTC), proven Fri 06-06 00:00 UTC, as projected
  ARM requests: 3773 (0 throttled)
  real time: 1m 19s
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}
