package planner

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// planner holds one Plan call's working state.
type planner struct {
	in        Input
	out       *Result
	conflicts [][]*aksupgrade.Cluster
	progress  map[progressKey]*aksupgrade.StageProgress
	// halts holds each stage's first active halt.
	halts map[string]*aksupgrade.Halt
	// rollouts holds the rollout of each target.
	rollouts map[aksupgrade.Target]*aksupgrade.Rollout
	// targets holds, per stage, the state of every target seen there; the
	// next stage reads it to learn what is proven or soon will be.
	targets  []map[aksupgrade.Target]*targetState
	strs     map[version.Version]string
	supports map[supportKey]supportOf
	// upstreams caches sortedUpstream.
	upstreams map[upstreamKey][]*targetState
	times     map[timeKey]string
	resolved  map[resolveKey]resolution
}

type progressKey struct {
	stage  string
	target aksupgrade.Target
}

// Plan decides what to do at in.Now. It is a pure function of in.
func Plan(in Input) *Result {
	p := &planner{
		in:        in,
		out:       &Result{Now: in.Now, Actions: []Action{}, Unmanaged: []ClusterNote{}, Conflicts: []ClusterNote{}, Errors: []ClusterNote{}},
		conflicts: make([][]*aksupgrade.Cluster, len(in.Policy.Stages)),
		progress:  map[progressKey]*aksupgrade.StageProgress{},
		halts:     map[string]*aksupgrade.Halt{},
		rollouts:  map[aksupgrade.Target]*aksupgrade.Rollout{},
		targets:   make([]map[aksupgrade.Target]*targetState, len(in.Policy.Stages)),
		strs:      map[version.Version]string{},
		supports:  map[supportKey]supportOf{},
		upstreams: map[upstreamKey][]*targetState{},
		times:     map[timeKey]string{},
		resolved:  map[resolveKey]resolution{},
	}
	p.indexHistory()
	stages := p.assign()
	for si := range in.Policy.Stages {
		p.out.Stages = append(p.out.Stages, p.stage(si, stages[si]))
	}
	return p.out
}

func (p *planner) indexHistory() {
	for i := range p.in.History.Rollouts {
		r := &p.in.History.Rollouts[i]
		p.rollouts[r.Target] = r
		for j := range r.Stages {
			sp := &r.Stages[j]
			p.progress[progressKey{sp.Stage, r.Target}] = sp
			if sp.Halt != nil {
				if h, ok := p.halts[sp.Stage]; !ok || sp.Halt.At.Before(h.At) {
					p.halts[sp.Stage] = sp.Halt
				}
			}
		}
	}
}

func (p *planner) progressOf(stage string, t aksupgrade.Target) *aksupgrade.StageProgress {
	return p.progress[progressKey{stage, t}]
}

// aborted returns the abort mark of t's rollout, if a person aborted it.
func (p *planner) aborted(t aksupgrade.Target) *aksupgrade.Mark {
	if r := p.rollouts[t]; r != nil {
		return r.Aborted
	}
	return nil
}

// paused returns the pause mark of t's rollout, while it is paused.
func (p *planner) paused(t aksupgrade.Target) *aksupgrade.Mark {
	if r := p.rollouts[t]; r != nil {
		return r.Paused
	}
	return nil
}

// proven reports whether t is proven at stage si.
func (p *planner) proven(si int, t aksupgrade.Target) bool {
	sp := p.progressOf(p.in.Policy.Stages[si].Name, t)
	return sp != nil && sp.ProvenAt != nil
}

// stage plans one stage: each cluster's job, the schedule, the targets.
func (p *planner) stage(si int, members []*member) StagePlan {
	st := &p.in.Policy.Stages[si]
	sp := StagePlan{Name: st.Name, Window: windowLabel(st), Targets: []TargetPlan{}, Clusters: make([]ClusterPlan, 0, len(members)+len(p.conflicts[si]))}
	halt := p.halts[st.Name]
	if halt != nil {
		sp.Halted = haltText(halt)
	}
	s := &stageRun{p: p, si: si, st: st, halt: halt, targets: map[aksupgrade.Target]*targetState{}}
	for _, m := range members {
		s.jobs = append(s.jobs, s.job(m))
	}
	s.collectTargets(members)
	s.schedule()
	s.emitSteps()
	s.recordTargets()
	p.targets[si] = s.targets
	for _, j := range s.jobs {
		sp.Clusters = append(sp.Clusters, j.clusterPlan(s))
	}
	for _, c := range p.conflicts[si] {
		sp.Clusters = append(sp.Clusters, ClusterPlan{Cluster: c.ID, Name: c.Name, Location: c.Location, Current: c.KubernetesVersion,
			State: ClusterConflict, Reason: conflictReason(c)})
	}
	if len(p.conflicts[si]) > 0 {
		slices.SortFunc(sp.Clusters, func(a, b ClusterPlan) int { return compareStrings(a.Cluster, b.Cluster) })
	}
	for _, ts := range s.sortedTargets() {
		if ts.shown() {
			sp.Targets = append(sp.Targets, ts.plan(s))
		}
	}
	return sp
}

// stageRun is the working state of one stage.
type stageRun struct {
	p       *planner
	si      int
	st      *policy.Stage
	halt    *aksupgrade.Halt
	jobs    []*job
	targets map[aksupgrade.Target]*targetState
}

func (s *stageRun) now() time.Time { return s.p.in.Now }

func (s *stageRun) prev() string { return s.p.in.Policy.Stages[s.si-1].Name }

func (s *stageRun) target(t aksupgrade.Target) *targetState {
	ts := s.targets[t]
	if ts == nil {
		ts = &targetState{target: t, progress: s.p.progressOf(s.st.Name, t)}
		s.targets[t] = ts
	}
	return ts
}

func (s *stageRun) sortedTargets() []*targetState {
	out := make([]*targetState, 0, len(s.targets))
	for _, ts := range s.targets {
		out = append(out, ts)
	}
	slices.SortFunc(out, func(a, b *targetState) int { return compareTargets(a.target, b.target) })
	return out
}

// compareTargets orders Kubernetes targets before node images, each by
// version.
func compareTargets(a, b aksupgrade.Target) int {
	if a.Kind != b.Kind {
		return cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind))
	}
	if a.Kind == aksupgrade.TargetNodeImage {
		return compareImages(a.Version, b.Version)
	}
	return compareVersionStrings(a.Version, b.Version)
}

func kindOrder(k aksupgrade.TargetKind) int {
	if k == aksupgrade.TargetKubernetes {
		return 0
	}
	return 1
}

func haltText(h *aksupgrade.Halt) string {
	t := h.Reason
	if h.Cluster != "" {
		t += " (cluster " + aksupgrade.ClusterName(h.Cluster) + ")"
	}
	return t
}

// emitSteps turns the jobs that start now into actions, each new target of
// the stage first recorded as started.
func (s *stageRun) emitSteps() {
	started := map[aksupgrade.Target]bool{}
	for _, j := range s.jobs {
		if !j.act {
			continue
		}
		ts := s.targets[*j.target]
		if !ts.started() && !started[*j.target] {
			started[*j.target] = true
			s.p.out.Actions = append(s.p.out.Actions, Action{Kind: ActionRecordStarted, Stage: s.st.Name, Target: *j.target,
				Reason: fmt.Sprintf("first cluster of %s starts towards %s", s.st.Name, j.target)})
		}
		a := j.step
		a.Stage, a.Target, a.Cluster = s.st.Name, *j.target, j.m.c.ID
		a.Continues = j.inProgress
		a.Estimate = Duration(j.est)
		a.Reason = j.reason
		s.p.out.Actions = append(s.p.out.Actions, a)
	}
}

// conflictReason says, in the stage's table, why AKS upgrades the cluster
// by itself and what would let aksupgrade manage it.
func conflictReason(c *aksupgrade.Cluster) string {
	if c.AutoUpgradeEnabled() {
		return "AKS auto-upgrade is enabled (channel " + c.AutoUpgradeChannel + "); not managed until it is set to none"
	}
	if c.Fleet.Upgrades() {
		return "Azure Kubernetes Fleet Manager upgrades it (fleet " + aksupgrade.ClusterName(c.Fleet.Fleet) + "); not managed while it does"
	}
	return "AKS reimages its nodes (node OS channel " + c.NodeOSUpgradeChannel + "); not managed until it is set to None or Unmanaged"
}
