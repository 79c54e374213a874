package backtest

import (
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
	"github.com/aksupgrade/aksupgrade/internal/window"
)

// ClusterWork is one cluster's part of a release in its stage: the
// window it upgrades in (nil: any time) and how long its upgrade takes.
type ClusterWork struct {
	Name     string
	Region   string
	Window   *window.Schedule
	Duration time.Duration
	// Available is when the release reaches the cluster's region; zero:
	// when it is available at all.
	Available time.Time
}

// StageWork is a stage's part of a release: the clusters that need it,
// and the soak before the next stage may have it.
type StageWork struct {
	Name     string
	Clusters []ClusterWork
	Soak     time.Duration
}

// Milestone is when a stage could start a release, have it on every
// cluster (Reached) and prove it (Proven).
type Milestone struct {
	Stage                  string
	Start, Reached, Proven time.Time
}

// LowerBound is the critical path of a release available at available:
// stage after stage, each cluster starts at the first instant its window
// fits its whole upgrade, once the stage before proved the release; the
// stage reaches it when its last cluster is done and proves it a soak
// later. The first stage starts when the release reaches the first of
// its clusters' regions; a cluster whose region gets it while the stage
// is still rolling holds it too, one whose region gets it later does not.
// A later stage takes the release the stage before proved on every one of
// its clusters, each once its region has it. (The engine records a
// stage's progress the same way: the first stage follows what each
// region offers, the later ones converge on what the stage before
// proved.) Nothing else
// holds anything up: no maxParallel, no approval, no failure, no engine
// step or poll. A stage with no cluster that needs the release passes it
// on at once (no soak: nothing ran it). It fails when a cluster's upgrade
// fits no opening of its window.
func LowerBound(available time.Time, stages []StageWork) ([]Milestone, error) {
	at := available
	out := make([]Milestone, 0, len(stages))
	for si, st := range stages {
		m := Milestone{Stage: st.Name, Start: at, Reached: at, Proven: at}
		if len(st.Clusters) == 0 {
			out = append(out, m)
			continue
		}
		// As the engine records it, the first stage has a release when
		// every cluster of it whose region offers it has it: the stage
		// starts when the first of its regions has the release, and a
		// cluster whose region gets it while the stage is still rolling
		// joins it; one whose region gets it after the stage has it
		// upgrades then, holding nothing up. A later stage waits for
		// every cluster.
		opens := st.Clusters[0].Available
		for _, c := range st.Clusters {
			if c.Available.Before(opens) {
				opens = c.Available
			}
		}
		if opens.After(at) {
			at = opens
		}
		holds := make([]bool, len(st.Clusters))
		for i, c := range st.Clusters {
			holds[i] = si > 0 || !c.Available.After(at)
		}
		for {
			var err error
			if m, err = reach(st, holds, at); err != nil {
				return nil, err
			}
			joined := false
			for i, c := range st.Clusters {
				if !holds[i] && !c.Available.After(m.Reached) {
					holds[i], joined = true, true
				}
			}
			if !joined {
				break
			}
		}
		m.Proven = m.Reached.Add(st.Soak)
		out = append(out, m)
		at = m.Proven
	}
	return out, nil
}

// reach is when the clusters of st that hold it (holds) would all have
// the release, each starting at the first instant its window fits its
// upgrade, at or after at and its region's having it.
func reach(st StageWork, holds []bool, at time.Time) (Milestone, error) {
	m := Milestone{Stage: st.Name, Start: at, Reached: at}
	first := true
	for i, c := range st.Clusters {
		if !holds[i] {
			continue
		}
		start := at
		if c.Available.After(start) {
			start = c.Available
		}
		if c.Window != nil {
			s, _, ok := c.Window.NextFit(start, c.Duration)
			if !ok {
				return m, fmt.Errorf("stage %s: %s needs %s, which no opening of its window fits", st.Name, c.Name, aksupgrade.FormatSpan(c.Duration))
			}
			start = s
		}
		if first || start.Before(m.Start) {
			m.Start = start
		}
		if end := start.Add(c.Duration); first || end.After(m.Reached) {
			m.Reached = end
		}
		first = false
	}
	return m, nil
}

// Works is what each stage of pol must do to bring clusters to version
// to: per stage, in order, each of its clusters on to's minor and below
// it (a patch is for the clusters on its minor) with its window
// (the stage's, or for a stage that uses each cluster's own, the
// cluster's aksManagedAutoUpgradeSchedule) and the duration model's
// estimate (planner.Estimate), and the stage's soak. Clusters no stage
// selects, or that two select, are left out (the plan names them).
func Works(pol *policy.Policy, clusters []aksupgrade.Cluster, to version.Version) ([]StageWork, error) {
	out := make([]StageWork, len(pol.Stages))
	for i := range pol.Stages {
		out[i] = StageWork{Name: pol.Stages[i].Name, Soak: pol.Stages[i].Soak}
	}
	for i := range clusters {
		c := &clusters[i]
		idx, matches := pol.StageOf(c)
		if idx < 0 || len(matches) > 1 {
			continue
		}
		st := &pol.Stages[idx]
		if cp, err := version.Parse(c.KubernetesVersion); err != nil || !cp.SameMinor(to) || !cp.Less(to) {
			continue // it has the release already, or it is on another minor: the release is not for it
		}
		d := planner.Estimate(st, c, to)
		sched, why := planner.WindowOf(st, c)
		if sched == nil && why != "" {
			return nil, fmt.Errorf("stage %s: %s: %s", st.Name, c.Name, why)
		}
		out[idx].Clusters = append(out[idx].Clusters, ClusterWork{Name: c.Name, Region: planner.NormalizeLocation(c.Location), Window: sched, Duration: d})
	}
	return out, nil
}
