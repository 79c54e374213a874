package planner

import (
	"fmt"
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// targetState is a target within one stage.
type targetState struct {
	target   aksupgrade.Target
	v        version.Version // parsed, for Kubernetes targets
	progress *aksupgrade.StageProgress
	// jobs heading to the target; wanters: clusters (or pools) below it
	// that want it or something newer; holders: clusters (or pools) that
	// run it exactly, and whether every holder is settled there.
	jobs    []*job
	wanters int
	// uncovered counts wanters whose next hop is another target: the
	// projection of this one then waits for theirs.
	uncovered int
	// carriers are the Kubernetes upgrades that bring pools to this node
	// image on their way (AKS moves an upgraded pool to its latest
	// image): the image is reached when they finish too.
	carriers  []*job
	holders   []holder
	unsettled bool
	// upstreamOK: the target may be in this stage at all (stage 0, or
	// proven or coming in the stage before).
	upstreamOK bool
	// projected milestones; zero when unknown.
	reached, proven time.Time
	aborted         bool
	// notProven is the reason the next stage gives while it waits for
	// this target, computed once.
	notProven string
}

func (ts *targetState) started() bool   { return ts.progress != nil && ts.progress.StartedAt != nil }
func (ts *targetState) isReached() bool { return ts.progress != nil && ts.progress.ReachedAt != nil }
func (ts *targetState) isProven() bool  { return ts.progress != nil && ts.progress.ProvenAt != nil }

// candidate reports whether the next stage may plan with this target: it
// is proven, or on its way to be.
func (ts *targetState) candidate() bool {
	return ts.upstreamOK && !ts.aborted && (ts.isProven() || ts.started() || len(ts.jobs) > 0 || (len(ts.holders) > 0 && !ts.unsettled))
}

// collectTargets gathers every target of the stage: those jobs head to,
// those clusters run, and those the history knows.
func (s *stageRun) collectTargets(members []*member) {
	for _, j := range s.jobs {
		if j.target != nil {
			ts := s.target(*j.target)
			ts.jobs = append(ts.jobs, j)
		}
	}
	for i := range s.p.in.History.Rollouts {
		r := &s.p.in.History.Rollouts[i]
		if s.p.progressOf(s.st.Name, r.Target) != nil {
			s.target(r.Target)
		}
	}
	// What clusters run is tracked only for what the policy rolls out:
	// a channel of none proves nothing.
	kube := s.p.in.Policy.Kubernetes.Channel != version.ChannelNone
	images := s.p.in.Policy.NodeImage.Channel == policy.NodeImageLatest
	for _, j := range s.jobs {
		m := j.m
		if m.bad != "" {
			continue
		}
		settled := j.target == nil || j.target.Kind == aksupgrade.TargetNodeImage
		if kube {
			s.hold(aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: m.lowText}, holder{m: m, pool: -1}, settled)
		}
		for pi, im := range m.images {
			if images && im.current != "" {
				s.hold(aksupgrade.Target{Kind: aksupgrade.TargetNodeImage, Version: im.current}, holder{m: m, pool: pi}, !movesImage(j, pi))
			}
		}
	}
	for t, ts := range s.targets {
		if t.Kind == aksupgrade.TargetKubernetes {
			ts.v, _ = version.Parse(t.Version)
		}
		ts.upstreamOK = s.si == 0 || s.p.upstream(s.si, t) != nil
		ts.aborted = s.p.aborted(t) != nil
		ts.wanters, ts.uncovered, ts.carriers = s.countWanters(ts)
	}
}

// holder is a cluster (pool -1) or one of its pools running a target.
type holder struct {
	m    *member
	pool int
}

func (h holder) String() string {
	if h.pool < 0 {
		return h.m.c.Name
	}
	return h.m.c.Name + "/" + h.m.c.NodePools[h.pool].Name
}

func (s *stageRun) hold(t aksupgrade.Target, who holder, settled bool) {
	ts := s.target(t)
	ts.holders = append(ts.holders, who)
	ts.unsettled = ts.unsettled || !settled
}

// movesImage reports whether the job will move pool pi off its node image:
// an image upgrade of it, or a Kubernetes upgrade of a pool behind on its
// image (AKS upgrades a pool's node image with its Kubernetes version;
// learn.microsoft.com/azure/aks/upgrade-aks-cluster). Such a pool still
// wants its latest image, and its current one is not settled.
func movesImage(j *job, pi int) bool {
	return j.target != nil && j.m.images[pi].behind
}

// countWanters counts what still has to reach the target before the stage
// has reached it: clusters below a Kubernetes target heading to it or past
// it, pools heading to a node image. uncovered counts those of them whose
// job heads elsewhere first; carriers the Kubernetes upgrades that bring
// pools to a node image target.
func (s *stageRun) countWanters(ts *targetState) (wanters, uncovered int, carriers []*job) {
	for _, j := range s.jobs {
		if j.target == nil || j.m.bad != "" {
			continue
		}
		n := 0
		switch ts.target.Kind {
		case aksupgrade.TargetKubernetes:
			if j.target.Kind == aksupgrade.TargetKubernetes && j.m.low.Less(ts.v) && compareVersionStrings(j.goal, ts.target.Version) >= 0 {
				n = 1
			}
		case aksupgrade.TargetNodeImage:
			for pi, im := range j.m.images {
				if movesImage(j, pi) && im.latest == ts.target.Version {
					n++
				}
			}
		}
		wanters += n
		switch {
		case n == 0 || *j.target == ts.target:
		case ts.target.Kind == aksupgrade.TargetNodeImage && j.target.Kind == aksupgrade.TargetKubernetes:
			carriers = append(carriers, j)
		default:
			uncovered += n
		}
	}
	return wanters, uncovered, carriers
}

// finish projects when the target is reached and proven in the stage, once
// every job heading to it is scheduled.
func (s *stageRun) finish(ts *targetState) {
	switch {
	case ts.isReached():
		ts.reached = *ts.progress.ReachedAt
	case ts.wanters == 0 && len(ts.holders) > 0 && ts.upstreamOK && (ts.started() || !ts.unsettled):
		// Reached now, or, in a later stage, once proven in the one before.
		ts.reached = s.now()
		if s.si > 0 && !s.p.proven(s.si-1, ts.target) {
			up := s.p.upstream(s.si, ts.target)
			if up.proven.IsZero() {
				return
			}
			ts.reached = up.proven
		}
	case ts.wanters > 0 && ts.uncovered == 0:
		for _, j := range slices.Concat(ts.jobs, ts.carriers) {
			if !j.scheduled {
				return
			}
			if j.finish.After(ts.reached) {
				ts.reached = j.finish
			}
		}
	default:
		return
	}
	if ts.isProven() {
		ts.proven = *ts.progress.ProvenAt
		return
	}
	if s.halt == nil {
		ts.proven = ts.reached.Add(s.st.Soak)
	}
}

// recordTargets emits the records the stage is due: reached, proven.
func (s *stageRun) recordTargets() {
	now := s.now()
	for _, ts := range s.sortedTargets() {
		if s.halt != nil || !ts.upstreamOK || ts.aborted || ts.isProven() || len(ts.holders) == 0 {
			continue
		}
		if !ts.isReached() {
			if ts.wanters == 0 && (ts.started() || !ts.unsettled) && (s.si == 0 || s.p.proven(s.si-1, ts.target)) {
				s.p.record(ActionRecordReached, s.st.Name, ts, fmt.Sprintf("every cluster of %s that wants %s runs it; soak of %s starts", s.st.Name, ts.target, fmtDur(s.st.Soak)))
			}
			continue
		}
		if !now.Before(ts.progress.ReachedAt.Add(s.st.Soak)) {
			s.p.record(ActionRecordProven, s.st.Name, ts, fmt.Sprintf("%s ran in %s for %s with no failure", ts.target, s.st.Name, fmtDur(s.st.Soak)))
		}
	}
}

func (p *planner) record(kind ActionKind, stage string, ts *targetState, reason string) {
	ev := make([]string, len(ts.holders))
	for i, h := range ts.holders {
		ev[i] = h.String()
	}
	slices.Sort(ev)
	p.out.Actions = append(p.out.Actions, Action{Kind: kind, Stage: stage, Target: ts.target, Evidence: ev, Reason: reason})
}

// upstream returns the state of t in the stage before si, when the stage
// before may pass it on.
func (p *planner) upstream(si int, t aksupgrade.Target) *targetState {
	ts := p.targets[si-1][t]
	if ts == nil || !ts.candidate() {
		return nil
	}
	return ts
}

// sortedUpstream lists the candidate targets of kind in the stage before
// si, newest first. The list is made once per stage and kind.
func (p *planner) sortedUpstream(si int, kind aksupgrade.TargetKind) []*targetState {
	key := upstreamKey{si, kind}
	if out, ok := p.upstreams[key]; ok {
		return out
	}
	out := []*targetState{}
	for _, ts := range p.targets[si-1] {
		if ts.target.Kind == kind && ts.candidate() {
			out = append(out, ts)
		}
	}
	slices.SortFunc(out, func(a, b *targetState) int { return compareTargets(b.target, a.target) })
	p.upstreams[key] = out
	return out
}

type upstreamKey struct {
	stage int
	kind  aksupgrade.TargetKind
}

// upstreamAvailability sets when j's target is proven in the stage before.
func (s *stageRun) upstreamAvailability(j *job, up *targetState) {
	if up.isProven() {
		j.availableAt, j.known, j.ready = s.now(), true, true
		return
	}
	if up.notProven == "" {
		up.notProven = notProvenReason(s.now(), s.prev(), up, s.p.in.Policy.Stages[s.si-1].Soak, s.p.stageLoc(s.si-1))
	}
	j.state, j.reason = ClusterWaiting, up.notProven
	if !up.proven.IsZero() {
		// Proven by then; used once the record exists, at the earliest now.
		j.availableAt, j.known = maxTime(up.proven, s.now()), true
	}
}

// plan reports the target's state in the stage.
func (ts *targetState) plan(s *stageRun) TargetPlan {
	tp := TargetPlan{Target: ts.target, Pending: ts.wanters, Done: len(ts.holders)}
	approval := false
	for _, j := range ts.jobs {
		approval = approval || j.state == ClusterApproval
	}
	switch {
	case ts.isProven():
		tp.State = TargetProven
	case s.halt != nil:
		tp.State, tp.Reason = TargetHalted, haltText(s.halt)
	case ts.isReached() && len(ts.holders) == 0 && ts.wanters == 0:
		tp.State, tp.Reason = TargetSuperseded, "every cluster that ran it moved on to a newer version before its soak ended"
	case ts.isReached():
		tp.State = TargetSoaking
	case approval:
		tp.State, tp.Reason = TargetApproval, "awaiting approval"
	case ts.started() || len(ts.jobs) > 0:
		tp.State = TargetRolling
	default:
		tp.State = TargetPending
	}
	if !ts.reached.IsZero() {
		r := ts.reached
		tp.ReachedAt = &r
	}
	if !ts.proven.IsZero() {
		p := ts.proven
		tp.ProvenAt = &p
	}
	if !ts.upstreamOK {
		tp.Reason = "not proven in " + s.prev() + "; clusters run it without a rollout"
	}
	return tp
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// shown reports whether the target belongs in the stage's report: it has
// a rollout, or clusters heading to it. Versions clusters merely run are
// left out.
func (ts *targetState) shown() bool {
	return ts.progress != nil || len(ts.jobs) > 0 || ts.wanters > 0
}
