package backtest

import (
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/window"
)

func weekly(t *testing.T, day, start string, hours int) *window.Schedule {
	t.Helper()
	s, err := window.Compile(aksupgrade.Window{Schedule: aksupgrade.Schedule{Weekly: &aksupgrade.WeeklySchedule{IntervalWeeks: 1, DayOfWeek: day}},
		StartTime: start, DurationHours: hours, UTCOffset: "+00:00"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestLowerBoundByHand: cases small enough to compute on paper.
func TestLowerBoundByHand(t *testing.T) {
	// 2026-03-09 is a Monday.
	release := at("2026-03-09T10:00:00Z")
	tue := weekly(t, "Tuesday", "21:00", 4)  // Tue 21:00-01:00
	thu := weekly(t, "Thursday", "22:00", 4) // Thu 22:00-02:00
	for _, c := range []struct {
		name   string
		stages []StageWork
		want   []Milestone
	}{
		{
			// No windows: one stage after the other, each its slowest
			// cluster's time, then its soak.
			name: "any time",
			stages: []StageWork{
				{Name: "dev", Soak: 4 * time.Hour, Clusters: []ClusterWork{{Name: "d1", Duration: time.Hour}, {Name: "d2", Duration: 90 * time.Minute}}},
				{Name: "prod", Soak: 24 * time.Hour, Clusters: []ClusterWork{{Name: "p1", Duration: 2 * time.Hour}}},
			},
			want: []Milestone{
				{"dev", at("2026-03-09T10:00:00Z"), at("2026-03-09T11:30:00Z"), at("2026-03-09T15:30:00Z")},
				{"prod", at("2026-03-09T15:30:00Z"), at("2026-03-09T17:30:00Z"), at("2026-03-10T17:30:00Z")},
			},
		},
		{
			// dev waits for Tuesday 21:00, proves Wednesday 02:00 (1h
			// upgrade, 4h soak); prod's Thursday window fits at 22:00.
			name: "weekly windows",
			stages: []StageWork{
				{Name: "dev", Soak: 4 * time.Hour, Clusters: []ClusterWork{{Name: "d1", Window: tue, Duration: time.Hour}}},
				{Name: "prod", Soak: 48 * time.Hour, Clusters: []ClusterWork{{Name: "p1", Window: thu, Duration: 3 * time.Hour}}},
			},
			want: []Milestone{
				{"dev", at("2026-03-10T21:00:00Z"), at("2026-03-10T22:00:00Z"), at("2026-03-11T02:00:00Z")},
				{"prod", at("2026-03-12T22:00:00Z"), at("2026-03-13T01:00:00Z"), at("2026-03-15T01:00:00Z")},
			},
		},
		{
			// Proven inside a window too late to fit the next upgrade:
			// dev upgrades 21:00-22:00 on Tuesday and proves at 23:00;
			// prod's 3h upgrade does not fit the 2h left of that window
			// (it ends at 01:00) and waits a week.
			name: "a window too short for what is left",
			stages: []StageWork{
				{Name: "dev", Soak: time.Hour, Clusters: []ClusterWork{{Name: "d1", Window: tue, Duration: time.Hour}}},
				{Name: "prod", Soak: 0, Clusters: []ClusterWork{{Name: "p1", Window: tue, Duration: 3 * time.Hour}}},
			},
			want: []Milestone{
				{"dev", at("2026-03-10T21:00:00Z"), at("2026-03-10T22:00:00Z"), at("2026-03-10T23:00:00Z")},
				{"prod", at("2026-03-17T21:00:00Z"), at("2026-03-18T00:00:00Z"), at("2026-03-18T00:00:00Z")},
			},
		},
		{
			// In the first stage, a cluster whose region gets the
			// release after the stage has it does not hold the stage.
			// A later stage takes it on every cluster, each once its
			// region has it; one whose regions all get it later starts
			// when the first does.
			name: "regions that get it later",
			stages: []StageWork{
				{Name: "dev", Soak: time.Hour, Clusters: []ClusterWork{{Name: "d1", Duration: time.Hour}, {Name: "d2", Duration: 5 * time.Hour, Available: release.Add(3 * time.Hour)}}},
				{Name: "test", Clusters: []ClusterWork{{Name: "t1", Duration: 3 * time.Hour}, {Name: "t2", Duration: time.Hour, Available: release.Add(4 * time.Hour)}}},
				{Name: "prod", Clusters: []ClusterWork{{Name: "p1", Duration: time.Hour, Available: release.Add(6 * time.Hour)}, {Name: "p2", Duration: time.Hour, Available: release.Add(9 * time.Hour)}}},
			},
			want: []Milestone{
				{"dev", release, release.Add(time.Hour), release.Add(2 * time.Hour)},
				// t1 from 2h to 5h; t2's region has it at 4h: it joins, 4h to 5h.
				{"test", release.Add(2 * time.Hour), release.Add(5 * time.Hour), release.Add(5 * time.Hour)},
				// p1 from 6h to 7h, p2 from 9h to 10h.
				{"prod", release.Add(6 * time.Hour), release.Add(10 * time.Hour), release.Add(10 * time.Hour)},
			},
		},
		{
			// A stage with nothing to do passes the release on at once.
			name: "an empty stage",
			stages: []StageWork{
				{Name: "test", Soak: 24 * time.Hour},
				{Name: "prod", Soak: time.Hour, Clusters: []ClusterWork{{Name: "p1", Duration: time.Hour}}},
			},
			want: []Milestone{
				{"test", release, release, release},
				{"prod", release, release.Add(time.Hour), release.Add(2 * time.Hour)},
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := LowerBound(release, c.stages)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d milestones, want %d", len(got), len(c.want))
			}
			for i := range got {
				g, w := got[i], c.want[i]
				if g.Stage != w.Stage || !g.Start.Equal(w.Start) || !g.Reached.Equal(w.Reached) || !g.Proven.Equal(w.Proven) {
					t.Errorf("stage %d: %s start %s reached %s proven %s; want %s %s %s %s", i, g.Stage, g.Start, g.Reached, g.Proven, w.Stage, w.Start, w.Reached, w.Proven)
				}
			}
		})
	}
}

// TestLowerBoundNoFit: an upgrade longer than its window is said, not
// looped on.
func TestLowerBoundNoFit(t *testing.T) {
	_, err := LowerBound(at("2026-03-09T10:00:00Z"), []StageWork{{Name: "prod", Clusters: []ClusterWork{{Name: "p1", Window: weekly(t, "Tuesday", "21:00", 4), Duration: 5 * time.Hour}}}})
	if err == nil || !strings.Contains(err.Error(), "p1 needs 5h 00m") {
		t.Fatalf("err = %v", err)
	}
}
