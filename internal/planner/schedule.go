package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/window"
)

// schedule projects every job of the stage onto its windows with at most
// maxParallel clusters under way, and marks the jobs that start now.
// Clusters already under way hold their slots first; the rest go in order
// of target, then resource ID.
func (s *stageRun) schedule() {
	order := slices.Clone(s.jobs)
	slices.SortStableFunc(order, func(a, b *job) int {
		if a.inProgress != b.inProgress {
			if a.inProgress {
				return -1
			}
			return 1
		}
		if (a.target == nil) != (b.target == nil) {
			if a.target == nil {
				return 1
			}
			return -1
		}
		if a.target != nil && *a.target != *b.target {
			return compareTargets(*a.target, *b.target)
		}
		// A cluster its gates keep waiting takes a slot only when no
		// other cluster wants it.
		if ga, gb := s.gated(a) != nil, s.gated(b) != nil; ga != gb {
			if ga {
				return 1
			}
			return -1
		}
		return strings.Compare(a.m.key, b.m.key)
	})
	slots := make(timeHeap, s.st.MaxParallel)
	for i := range slots {
		slots[i] = s.now()
	}
	finished := map[*targetState]bool{}
	for _, j := range order {
		if j.inProgress {
			s.continueJob(j, &slots)
			continue
		}
		if j.target == nil {
			continue
		}
		if !j.known {
			continue
		}
		if gate, ok := s.soakGate(j, finished); !ok {
			continue
		} else if gate.After(j.availableAt) {
			j.availableAt = gate
		}
		s.startJob(j, &slots)
	}
	for _, ts := range s.targets {
		if !finished[ts] {
			s.finish(ts)
		}
	}
}

// continueJob handles a cluster whose upgrade is under way: busy in ARM, or
// idle between steps. Steps continue only while a window is open.
func (s *stageRun) continueJob(j *job, slots *timeHeap) {
	// A cluster under way beyond maxParallel (started by hand, or before
	// the policy changed) holds no slot: there is none left to hold.
	held := slots.Len() > 0
	if held {
		slots.pop()
	}
	hold := func(t time.Time) {
		if held {
			slots.push(t)
		}
	}
	if j.busy {
		// Without a known remaining time, assume a control plane's worth.
		est := max(j.est, ControlPlaneDuration)
		j.start, j.finish, j.scheduled = s.now(), s.now().Add(est), true
		hold(j.finish)
		return
	}
	if j.target == nil || !j.ready {
		// Under way but unable to go on: its slot stays taken.
		hold(farFuture())
		return
	}
	sched, why := s.windowOf(j.m)
	if sched == nil {
		j.state, j.reason = ClusterBlocked, why
		hold(farFuture())
		return
	}
	if m := s.azureMaintenance(j.m, s.now(), s.now().Add(time.Minute)); m != nil {
		j.state = ClusterWaiting
		j.reason = fmt.Sprintf("under way; Azure's planned maintenance runs until %s", s.fmtTime(m.End))
		hold(m.End.Add(j.est))
		return
	}
	if occ, open := sched.Open(s.now()); open {
		j.start, j.finish, j.scheduled, j.act = s.now(), s.now().Add(j.est), true, true
		j.state = ClusterUpgrading
		j.reason = fmt.Sprintf("continuing: %s in window %s until %s", describeStep(&j.step), s.windowName(j.m), s.fmtTime(occ.End))
		hold(j.finish)
		return
	}
	next := sched.Next(s.now(), 1)
	if len(next) == 0 {
		j.state, j.reason = ClusterBlocked, "no occurrence of window "+s.windowName(j.m)+" within five years"
		hold(farFuture())
		return
	}
	j.start, j.finish, j.scheduled = next[0].Start, next[0].Start.Add(j.est), true
	j.state = ClusterWaiting
	j.reason = fmt.Sprintf("under way; continues in window %s %s", s.windowName(j.m), s.fmtTime(next[0].Start))
	hold(j.finish)
}

// startJob fits a new cluster upgrade into the first window, on or after
// the time its target is available and a slot is free, that leaves room
// for its estimated duration.
func (s *stageRun) startJob(j *job, slots *timeHeap) {
	sched, why := s.windowOf(j.m)
	if sched == nil {
		j.state, j.reason = ClusterBlocked, why
		return
	}
	if slots.Len() == 0 {
		j.state, j.reason = ClusterWaiting, fmt.Sprintf("waiting: more clusters than maxParallel (%d) are under way", s.st.MaxParallel)
		return
	}
	free := slots.pop()
	if free.Equal(farFuture()) {
		slots.push(free)
		j.state, j.reason = ClusterWaiting, fmt.Sprintf("waiting: all %d slots (maxParallel) are held by clusters under way that cannot go on", s.st.MaxParallel)
		return
	}
	from := j.availableAt
	if free.After(from) {
		from = free
	}
	start, occ, ok := s.fitAroundAzure(sched, j, from)
	if !ok {
		slots.push(free)
		j.state = ClusterBlocked
		j.reason = fmt.Sprintf("no occurrence of window %s within five years leaves the %s this upgrade needs", s.windowName(j.m), fmtDur(j.est))
		return
	}
	j.start, j.finish, j.scheduled = start, start.Add(j.est), true
	slots.push(j.finish)
	if g := s.gated(j); g != nil && j.ready {
		// The engine asks the gates again when they are due (the action
		// stays, when its slot is free now); until they pass, nothing of
		// it can be projected.
		j.state, j.scheduled, j.act = ClusterGated, false, start.Equal(s.now())
		end := occ.End
		j.step.WindowEnd = &end
		j.reason = fmt.Sprintf("%s; the gates look again every %s", g.Reason, fmtDur(s.st.Gates.Every))
		return
	}
	if start.Equal(s.now()) && j.ready {
		j.act, j.state = true, ClusterStarting
		end := occ.End
		j.step.WindowEnd = &end
		j.reason = fmt.Sprintf("starting %s → %s: %s, in window %s until %s (needs about %s)", j.from, j.target.Version, describeStep(&j.step), s.windowName(j.m), s.fmtTime(occ.End), fmtDur(j.est))
		return
	}
	if m := s.azureMaintenance(j.m, from, start); m != nil && j.reason == "" {
		j.state = ClusterWaiting
		j.reason = fmt.Sprintf("waiting for Azure's planned maintenance of the cluster (%s to %s), then window %s %s", s.fmtTime(m.Start), s.fmtTime(m.End), s.windowName(j.m), s.fmtTime(start))
		return
	}
	if j.reason != "" { // waiting on the stage before: keep that reason
		j.reason += fmt.Sprintf("; then window %s %s", s.windowName(j.m), s.fmtTime(start))
		return
	}
	j.state = ClusterWaiting
	switch {
	case free.After(j.availableAt) && !free.Before(start):
		j.reason = fmt.Sprintf("waiting for a free slot (maxParallel %d) at %s", s.st.MaxParallel, s.fmtTime(start))
	case start.After(occ.Start):
		j.reason = fmt.Sprintf("waiting for a free slot (maxParallel %d), then window %s %s", s.st.MaxParallel, s.windowName(j.m), s.fmtTime(start))
	default:
		j.reason = fmt.Sprintf("waiting for window %s %s", s.windowName(j.m), s.fmtTime(start))
	}
}

// gated returns what keeps j's cluster from its target, if its preflight
// gates do.
func (s *stageRun) gated(j *job) *Gated {
	if j.target == nil {
		return nil
	}
	if g, ok := s.p.in.Gated[j.m.key]; ok && g.Target == *j.target {
		return &g
	}
	return nil
}

// fitAroundAzure is NextFit that also keeps clear of Azure's own planned
// maintenance of the cluster: an upgrade that would overlap it starts
// after it instead.
func (s *stageRun) fitAroundAzure(sched *window.Schedule, j *job, from time.Time) (time.Time, window.Occurrence, bool) {
	for range 16 {
		start, occ, ok := sched.NextFit(from, j.est)
		if !ok {
			return start, occ, false
		}
		m := s.azureMaintenance(j.m, start, start.Add(j.est))
		if m == nil {
			return start, occ, true
		}
		from = m.End
	}
	return time.Time{}, window.Occurrence{}, false
}

// azureMaintenance returns a period of Azure's planned maintenance of the
// cluster that overlaps [from, to), if any.
func (s *stageRun) azureMaintenance(m *member, from, to time.Time) *Span {
	for i, sp := range s.p.in.AzureMaintenance[m.key] {
		if sp.Start.Before(to) && from.Before(sp.End) {
			return &s.p.in.AzureMaintenance[m.key][i]
		}
	}
	return nil
}

// soakGate keeps a cluster on a target that it reached in this stage
// until that target is proven here: each hop of a multi-minor gap soaks.
func (s *stageRun) soakGate(j *job, finished map[*targetState]bool) (time.Time, bool) {
	if j.target.Kind != aksupgrade.TargetKubernetes {
		return time.Time{}, true
	}
	ts := s.targets[aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: j.m.lowText}]
	if ts == nil || !ts.started() || ts.isProven() {
		return time.Time{}, true
	}
	if !finished[ts] {
		s.finish(ts)
		finished[ts] = true
	}
	if ts.proven.IsZero() {
		j.state, j.known = ClusterWaiting, false
		j.reason = fmt.Sprintf("%s must be reached by every cluster of %s and soak %s before %s", ts.target, s.st.Name, fmtDur(s.st.Soak), j.target.Version)
		return time.Time{}, false
	}
	if ts.proven.After(s.now()) {
		j.state = ClusterWaiting
		j.reason = fmt.Sprintf("%s is soaking in %s until %s before %s", ts.target, s.st.Name, s.fmtTime(ts.proven), j.target.Version)
	}
	return ts.proven, true
}

// windowOf returns the schedule that gates the cluster: the stage's own,
// or the cluster's aksManagedAutoUpgradeSchedule.
func (s *stageRun) windowOf(m *member) (*window.Schedule, string) {
	return WindowOf(s.st, m.c)
}

// WindowOf returns the schedule that gates cluster c in stage st: the
// stage's own window, or, for a fromCluster stage, the cluster's
// aksManagedAutoUpgradeSchedule; nil, with why, when there is none to use.
func WindowOf(st *policy.Stage, c *aksupgrade.Cluster) (*window.Schedule, string) {
	w := &st.Window
	if !w.FromCluster {
		return w.Schedule, ""
	}
	if c.AutoUpgradeWindow == nil {
		return nil, "stage " + st.Name + " uses each cluster's aksManagedAutoUpgradeSchedule, and this cluster has none: add one, or give the stage a window"
	}
	sched, err := window.Compile(*c.AutoUpgradeWindow)
	if err != nil {
		return nil, "the cluster's aksManagedAutoUpgradeSchedule cannot be used: " + strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	return sched, ""
}

func (s *stageRun) windowName(m *member) string {
	if s.st.Window.FromCluster {
		return "aksManagedAutoUpgradeSchedule of " + m.c.Name
	}
	return "'" + s.st.Window.Name + "'"
}

func describeStep(a *Action) string {
	switch a.Kind {
	case ActionUpgradeControlPlane:
		return "control plane first"
	case ActionUpgradeCluster:
		return "control plane and every pool at once"
	case ActionUpgradeNodePool:
		return "node pool " + a.Pool
	case ActionUpgradeNodeImage:
		return "node image of pool " + a.Pool
	}
	return string(a.Kind)
}

// farFuture stands for a slot that frees at no known time.
func farFuture() time.Time { return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }

// timeHeap is a min-heap of the times at which the stage's slots free.
type timeHeap []time.Time

func (h timeHeap) Len() int { return len(h) }

func (h *timeHeap) push(t time.Time) {
	*h = append(*h, t)
	a := *h
	for i := len(a) - 1; i > 0; {
		parent := (i - 1) / 2
		if !a[i].Before(a[parent]) {
			break
		}
		a[i], a[parent] = a[parent], a[i]
		i = parent
	}
}

func (h *timeHeap) pop() time.Time {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(a) && a[l].Before(a[small]) {
			small = l
		}
		if r < len(a) && a[r].Before(a[small]) {
			small = r
		}
		if small == i {
			break
		}
		a[i], a[small] = a[small], a[i]
		i = small
	}
	*h = a
	return top
}
