package planner

import (
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// job is a cluster's next piece of work in a stage: one hop towards one
// target, with its first step.
type job struct {
	m *member
	// target is nil when the cluster has nothing to do (state says why
	// not: up to date, blocked, ...).
	target *aksupgrade.Target
	kind   aksupgrade.UpdateKind
	from   string
	goal   string
	step   Action
	est    time.Duration
	// inProgress: ARM reports the cluster busy, or the control plane has
	// moved ahead of its pools; it holds a slot of the stage.
	inProgress bool
	busy       bool
	// availableAt is when the target may start in this stage; known is
	// false when that waits on a person or a fix. ready is true when the
	// target may be used now: first stage, or proven (recorded) in the
	// stage before.
	availableAt time.Time
	known       bool
	ready       bool
	state       ClusterState
	reason      string
	// start and finish are the projected times of the hop.
	start, finish time.Time
	scheduled     bool
	// act is set when the step is to be done now.
	act bool
}

func (j *job) clusterPlan(s *stageRun) ClusterPlan {
	c := j.m.c
	cp := ClusterPlan{Cluster: c.ID, Name: c.Name, Location: c.Location, Current: currentText(j.m), NodeImage: j.m.lowImage,
		State: j.state, Reason: j.reason, Target: j.target, Kind: string(j.kind)}
	if s.p.in.Calendar != nil && j.m.bad == "" {
		sup := s.p.support(j.m)
		cp.Support, cp.SupportLevel, cp.SupportUntil = sup.text, sup.level, sup.until
	}
	if j.goal != "" && j.target != nil && j.goal != j.target.Version {
		cp.Goal = j.goal
	}
	if j.scheduled {
		start, finish := j.start, j.finish
		cp.EarliestStart, cp.ExpectedFinish = &start, &finish
	}
	return cp
}

func currentText(m *member) string {
	if m.bad != "" || m.low == m.cp {
		return m.c.KubernetesVersion
	}
	return m.c.KubernetesVersion + " (pools from " + m.lowText + ")"
}

// job decides the cluster's next hop: Kubernetes first; node images when
// Kubernetes has nothing to do or must wait on a person or a fix.
func (s *stageRun) job(m *member) *job {
	j := s.chooseJob(m)
	j.busy = !m.c.Idle()
	j.inProgress = j.busy || m.midUpgrade()
	if j.busy && j.state != ClusterHalted {
		j.state, j.reason = ClusterUpgrading, "an operation is in progress (provisioningState "+m.c.ProvisioningState+")"
	}
	return j
}

func (s *stageRun) chooseJob(m *member) *job {
	if m.bad != "" {
		return &job{m: m, state: ClusterBlocked, reason: m.bad}
	}
	k := s.kubeJob(m)
	if k != nil && k.target != nil && k.known {
		return k
	}
	n := s.nodeImageJob(m)
	switch {
	case k == nil && n != nil:
		return n
	case k != nil && n != nil && n.target != nil && n.known:
		n.reason = n.reason + "; Kubernetes: " + k.reason
		return n
	case k != nil:
		return k
	}
	return &job{m: m, state: ClusterUpToDate, reason: s.upToDateReason()}
}

func (s *stageRun) upToDateReason() string {
	if s.p.in.Policy.Kubernetes.Channel == version.ChannelNone {
		return "channel none: versions are reported, never changed"
	}
	return "up to date"
}

// prepare fills the parts of a job that do not depend on its kind: busy
// state, halt, approval.
func (s *stageRun) prepare(j *job) *job {
	c := j.m.c
	switch {
	case j.target != nil && s.p.aborted(*j.target) != nil:
		a := s.p.aborted(*j.target)
		j.state, j.known, j.ready = ClusterBlocked, false, false
		j.reason = fmt.Sprintf("the rollout of %s was aborted by %s%s; waiting for a newer target", j.target, a.By, because(a.Reason))
	case s.halt != nil:
		j.state, j.known, j.ready = ClusterHalted, false, false
		j.reason = "stage " + s.st.Name + " is halted: " + haltText(s.halt) + "; fix the cause, then retry the rollout"
	case c.Stopped():
		j.state, j.known, j.ready = ClusterBlocked, false, false
		j.reason = "the cluster is stopped; AKS upgrades only running clusters: start it"
	case j.target != nil && s.p.paused(*j.target) != nil:
		pm := s.p.paused(*j.target)
		j.state, j.known, j.ready = ClusterWaiting, false, false
		j.reason = fmt.Sprintf("the rollout of %s is paused by %s%s: aksupgrade rollout resume", j.target, pm.By, because(pm.Reason))
	case j.known && s.st.Approval.Needs(j.kind) && !j.m.midUpgrade():
		if sp := s.p.progressOf(s.st.Name, *j.target); sp == nil || sp.Approval == nil {
			if !j.ready {
				// Asked once the target is proven in the stage before;
				// projected as if approved then.
				j.reason += "; then needs approval"
				break
			}
			j.state, j.known, j.ready = ClusterApproval, false, false
			j.reason = approvalReason(s.st.Name, j)
		}
	}
	return j
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}
