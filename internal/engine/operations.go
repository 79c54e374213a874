package engine

import (
	"context"
	"fmt"
	"slices"
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

// settle decides an issuing step from the cluster as ARM reports it now:
// already there means it succeeded; busy means it is still running (look
// again later); otherwise it was never issued, or ended without effect,
// and the planner will decide again.
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
	}
	return true, e.finish(ctx, now, f, s, store.StepAbandoned, nil)
}

// finish records the end of a step, reads its cluster again, and, when it
// failed, halts its stage.
func (e *Engine) finish(ctx context.Context, now time.Time, f *store.Fleet, s *store.StepRecord, state store.StepState, failure error) error {
	s.State, s.UpdatedAt = state, now
	if failure != nil && state == store.StepFailed {
		s.ErrorCode, s.Error = aksupgrade.Code(failure), failure.Error()
	}
	if err := e.o.Store.UpdateStep(ctx, *s); err != nil {
		return err
	}
	if err := e.refresh(ctx, f, s.Step.ClusterID); err != nil {
		e.log.Warn("cannot read cluster after its operation", "cluster", s.Step.ClusterID, "err", err)
	}
	e.emit(ctx, now, fmt.Sprintf("step/%d/%s", s.ID, state), "aksupgrade.step."+string(state), s.Step.ClusterID, s)
	if state != store.StepFailed {
		return nil
	}
	return e.halt(ctx, now, s, failure)
}

// halt stops the step's stage: no further cluster of it starts until a
// person retries it.
func (e *Engine) halt(ctx context.Context, now time.Time, s *store.StepRecord, failure error) error {
	reason := describeFailure(s.Step, failure)
	if err := e.o.Store.Apply(ctx, store.Transition{Kind: store.TransitionHalted, Stage: s.Stage, Target: s.Target, At: now,
		Actor: Actor, Cluster: s.Step.ClusterID, Reason: reason}); err != nil {
		return err
	}
	if err := e.o.Store.SetRun(ctx, store.Run{ClusterID: s.Step.ClusterID, Stage: s.Stage, Target: s.Target, State: store.RunFailed, Reason: reason, UpdatedAt: now}); err != nil {
		return err
	}
	e.log.Error("stage halted", "stage", s.Stage, "target", s.Target.String(), "cluster", s.Step.ClusterID, "reason", reason)
	e.emit(ctx, now, fmt.Sprintf("halted/%s/%s/%d", s.Stage, s.Target, s.ID), "aksupgrade.stage.halted", s.Step.ClusterID,
		map[string]any{"stage": s.Stage, "target": s.Target, "cluster": s.Step.ClusterID, "reason": reason})
	return nil
}

// stepReached reports whether the cluster already runs what the step
// asks for.
func stepReached(c *aksupgrade.Cluster, s aksupgrade.Step) bool {
	switch s.Kind {
	case aksupgrade.StepControlPlane:
		return c.KubernetesVersion == s.Version
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
