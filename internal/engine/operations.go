package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// pollOperations follows every operation in flight once. Finished ones are
// recorded (a failure halts the stage) and their cluster is read again.
// It returns the steps still in flight and whether the fleet changed.
func (e *Engine) pollOperations(ctx context.Context, now time.Time, f *store.Fleet) ([]store.StepRecord, bool, error) {
	steps, err := e.o.Store.ActiveSteps(ctx)
	if err != nil {
		return nil, false, err
	}
	var active []store.StepRecord
	changed := false
	for _, s := range steps {
		done, err := e.follow(ctx, now, f, &s)
		if err != nil {
			return nil, false, err
		}
		if done {
			changed = true
			continue
		}
		active = append(active, s)
	}
	return active, changed, nil
}

// follow advances one step. A running step is polled with its resume
// token; an issuing one (the process stopped between recording it and
// learning ARM's answer) is settled from the cluster's real state.
func (e *Engine) follow(ctx context.Context, now time.Time, f *store.Fleet, s *store.StepRecord) (done bool, err error) {
	if s.State == store.StepIssuing || s.ResumeToken == "" {
		return e.settle(ctx, now, f, s)
	}
	st, err := e.o.Provider.Poll(ctx, aksupgrade.Operation{Step: s.Step, ResumeToken: s.ResumeToken, StartedAt: s.StartedAt})
	if err != nil {
		if aksupgrade.Code(err).Retryable() {
			e.log.Warn("poll failed; will retry", "cluster", s.Step.ClusterID, "err", err)
			return false, nil
		}
		st = aksupgrade.OperationStatus{State: aksupgrade.OperationFailed, Err: err}
	}
	switch st.State {
	case aksupgrade.OperationInProgress:
		return false, nil
	case aksupgrade.OperationSucceeded:
		return true, e.finish(ctx, now, f, s, store.StepSucceeded, nil)
	}
	failure := st.Err
	if failure == nil {
		failure = &aksupgrade.Error{Code: aksupgrade.ErrInternal, Message: "the operation ended " + string(st.State)}
	}
	return true, e.finish(ctx, now, f, s, store.StepFailed, failure)
}

// settle decides an issuing step (one whose answer from ARM was never
// recorded) from the cluster as ARM reports it now, never by issuing it
// again:
//
//   - already there: it succeeded;
//   - busy: it may be running; look again later;
//   - Failed (the cluster, or the step's pool): the operation ran and
//     failed, so the step failed and its stage halts, exactly as if the
//     process had stayed up to see it; unless the step before it had
//     failed, leaving the state Failed already (failedBefore): then it
//     is abandoned, and ARM's answer to the next request settles it;
//   - otherwise it never reached ARM: abandoned, and the planner decides
//     again.
func (e *Engine) settle(ctx context.Context, now time.Time, f *store.Fleet, s *store.StepRecord) (bool, error) {
	if err := e.refresh(ctx, f, s.Step.ClusterID); err != nil {
		if aksupgrade.Code(err) == aksupgrade.ErrNotFound {
			return true, e.finish(ctx, now, f, s, store.StepAbandoned, err)
		}
		e.log.Warn("cannot read cluster to settle a step; will retry", "cluster", s.Step.ClusterID, "err", err)
		return false, nil
	}
	c := findCluster(f.Clusters, s.Step.ClusterID)
	switch {
	case c == nil:
		return true, e.finish(ctx, now, f, s, store.StepAbandoned, nil)
	case stepReached(c, s.Step):
		return true, e.finish(ctx, now, f, s, store.StepSucceeded, nil)
	case !c.Idle():
		return false, nil
	case stepFailed(c, s.Step):
		before, err := e.failedBefore(ctx, s)
		if err != nil {
			return false, err
		}
		if before {
			// Failed since the step before this one failed: the state
			// answers that one, not this. Abandoned, the planner asks
			// ARM again, whose answer settles it. Had this one reached
			// ARM and failed the same way, the next fails and halts the
			// stage one request later.
			return true, e.finish(ctx, now, f, s, store.StepAbandoned, nil)
		}
		failure := &aksupgrade.Error{Code: aksupgrade.ErrInternal,
			Message: "the operation's answer was never read (the process stopped), and ARM reports the cluster Failed since; the activity log has the details"}
		return true, e.finish(ctx, now, f, s, store.StepFailed, failure)
	}
	return true, e.finish(ctx, now, f, s, store.StepAbandoned, nil)
}

// failedBefore reports whether the cluster's last step before s that ARM
// answered failed: ARM then showed the cluster (or a pool) Failed before
// s began, as AKS leaves it until an operation succeeds. Abandoned steps
// in between (refused, or settled so after a crash like s) changed
// nothing in Azure.
func (e *Engine) failedBefore(ctx context.Context, s *store.StepRecord) (bool, error) {
	const lookBack = 20 // abandoned retries in a row, at most, before one ARM answered
	steps, err := e.o.Store.Steps(ctx, s.Step.ClusterID, lookBack)
	if err != nil {
		return false, err
	}
	for _, prev := range steps {
		if prev.ID != s.ID && prev.State != store.StepAbandoned {
			return prev.State == store.StepFailed, nil
		}
	}
	return false, nil
}

// stepFailed reports whether ARM shows the step's operation as failed:
// the cluster's provisioning state, or its pool's, is Failed.
func stepFailed(c *aksupgrade.Cluster, s aksupgrade.Step) bool {
	if strings.EqualFold(c.ProvisioningState, "Failed") {
		return true
	}
	if s.Pool == "" {
		return false
	}
	i := slices.IndexFunc(c.NodePools, func(p aksupgrade.NodePool) bool { return p.Name == s.Pool })
	return i >= 0 && strings.EqualFold(c.NodePools[i].ProvisioningState, "Failed")
}

// finish records the end of a step and its event, and, when it failed,
// the halt of its stage and the cluster's failed run with theirs, all in
// one write; then it reads the cluster again.
func (e *Engine) finish(ctx context.Context, now time.Time, f *store.Fleet, s *store.StepRecord, state store.StepState, failure error) error {
	s.State, s.UpdatedAt = state, now
	if failure != nil && state == store.StepFailed {
		s.ErrorCode, s.Error = aksupgrade.Code(failure), failure.Error()
	}
	fact := store.Fact{Step: s}
	events := []eventSpec{stepEvent(*s)}
	reason := ""
	if state == store.StepFailed {
		// The stage halts: no further cluster of it starts until a
		// person retries it.
		reason = describeFailure(s.Step, failure)
		fact.Transitions = []store.Transition{{Kind: store.TransitionHalted, Stage: s.Stage, Target: s.Target, At: now,
			Actor: Actor, Cluster: s.Step.ClusterID, Reason: reason}}
		fact.Run = &store.Run{ClusterID: s.Step.ClusterID, Stage: s.Stage, Target: s.Target, State: store.RunFailed, Reason: reason, UpdatedAt: now}
		events = append(events, eventSpec{fmt.Sprintf("halted/%s/%s/%d", s.Stage, s.Target, s.ID), aksupgrade.Event{Type: aksupgrade.EventStageHalted,
			Stage: &aksupgrade.StageEvent{Stage: s.Stage, Target: s.Target, Cluster: s.Step.ClusterID, Reason: reason}}})
	}
	if _, err := e.record(ctx, now, fact, events...); err != nil {
		return err
	}
	if reason != "" {
		e.log.Error("stage halted", "stage", s.Stage, "target", s.Target.String(), "cluster", s.Step.ClusterID, "reason", reason)
	}
	if err := e.refresh(ctx, f, s.Step.ClusterID); err != nil {
		// The next observation reads it; the fact is recorded.
		e.log.Warn("cannot read cluster after its operation", "cluster", s.Step.ClusterID, "err", err)
	}
	return nil
}

var stepEventOf = map[store.StepState]aksupgrade.EventType{
	store.StepRunning:   aksupgrade.EventStepRunning,
	store.StepSucceeded: aksupgrade.EventStepSucceeded,
	store.StepFailed:    aksupgrade.EventStepFailed,
	store.StepAbandoned: aksupgrade.EventStepAbandoned,
}

// stepEvent is the event of a step's new state.
func stepEvent(s store.StepRecord) eventSpec {
	return eventSpec{fmt.Sprintf("step/%d/%s", s.ID, s.State), aksupgrade.Event{Type: stepEventOf[s.State], Cluster: s.Step.ClusterID,
		Step: &aksupgrade.StepEvent{StepID: s.ID, Stage: s.Stage, Target: s.Target, Step: s.Step, State: string(s.State), ErrorCode: s.ErrorCode, Error: s.Error}}}
}

// stepReached reports whether the cluster already runs what the step
// asks for.
func stepReached(c *aksupgrade.Cluster, s aksupgrade.Step) bool {
	switch s.Kind {
	case aksupgrade.StepControlPlane:
		return c.KubernetesVersion == s.Version
	case aksupgrade.StepCluster:
		if c.KubernetesVersion != s.Version {
			return false
		}
		for _, p := range c.NodePools {
			if p.KubernetesVersion != s.Version {
				return false
			}
		}
		return true
	case aksupgrade.StepNodePool, aksupgrade.StepNodeImage:
		i := slices.IndexFunc(c.NodePools, func(p aksupgrade.NodePool) bool { return p.Name == s.Pool })
		if i < 0 {
			return false
		}
		p := c.NodePools[i]
		if s.Kind == aksupgrade.StepNodePool {
			return p.KubernetesVersion == s.Version
		}
		return p.LatestNodeImageVersion != "" && p.NodeImageVersion == p.LatestNodeImageVersion
	}
	return false
}

func findCluster(cs []aksupgrade.Cluster, id string) *aksupgrade.Cluster {
	for i := range cs {
		if aksupgrade.SameID(cs[i].ID, id) {
			return &cs[i]
		}
	}
	return nil
}
