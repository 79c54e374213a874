package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// execute carries out the plan's actions in order. It reports whether it
// changed anything (a record, or an operation issued).
func (e *Engine) execute(ctx context.Context, now time.Time, res *planner.Result, f *store.Fleet) (bool, error) {
	acted := false
	for _, a := range res.Actions {
		var did bool
		var err error
		switch a.Kind {
		case planner.ActionRecordProven:
			did, err = e.prove(ctx, now, a, *f)
		case planner.ActionRecordStarted, planner.ActionRecordReached:
			did, err = true, e.recordAction(ctx, now, a)
		default:
			did, err = e.issue(ctx, now, a, f)
		}
		if errors.Is(err, errPlanStale) {
			// The rest of the plan was made on the same old catalogue:
			// plan again before asking AKS for anything else.
			return true, nil
		}
		if err != nil {
			return acted, err
		}
		acted = acted || did
	}
	return acted, nil
}

var transitionOf = map[planner.ActionKind]store.TransitionKind{
	planner.ActionRecordStarted: store.TransitionStarted,
	planner.ActionRecordReached: store.TransitionReached,
	planner.ActionRecordProven:  store.TransitionProven,
}

var stageEventOf = map[store.TransitionKind]aksupgrade.EventType{
	store.TransitionStarted: aksupgrade.EventStageStarted,
	store.TransitionReached: aksupgrade.EventStageReached,
	store.TransitionProven:  aksupgrade.EventStageProven,
}

// prove records a proof, after a last round of the stage's postflight
// gates, whose results it keeps; a blocking gate that fails halts the
// stage instead.
func (e *Engine) prove(ctx context.Context, now time.Time, a planner.Action, f store.Fleet) (bool, error) {
	gates, halted, err := e.proofGates(ctx, now, a, f)
	if err != nil || halted {
		return halted, err
	}
	return true, e.recordAction(ctx, now, a, gates...)
}

// recordAction records a stage's progress and its event in one write;
// gates, with a proof, are what the gates saw.
func (e *Engine) recordAction(ctx context.Context, now time.Time, a planner.Action, gates ...string) error {
	kind := transitionOf[a.Kind]
	t := store.Transition{Kind: kind, Stage: a.Stage, Target: a.Target, At: now, Actor: Actor, Evidence: a.Evidence, Reason: a.Reason, Gates: gates}
	ev := aksupgrade.Event{Type: stageEventOf[kind], Stage: &aksupgrade.StageEvent{Stage: a.Stage, Target: a.Target, Evidence: a.Evidence, Reason: a.Reason}}
	got, err := e.record(ctx, now, store.Fact{Transitions: []store.Transition{t}}, eventSpec{fmt.Sprintf("%s/%s/%s", kind, a.Stage, a.Target), ev})
	if err != nil {
		return err
	}
	if got.Changed {
		e.log.Info("rollout "+string(kind), "stage", a.Stage, "target", a.Target.String())
	}
	return nil
}

var stepOf = map[planner.ActionKind]aksupgrade.StepKind{
	planner.ActionUpgradeControlPlane: aksupgrade.StepControlPlane,
	planner.ActionUpgradeNodePool:     aksupgrade.StepNodePool,
	planner.ActionUpgradeNodeImage:    aksupgrade.StepNodeImage,
	planner.ActionUpgradeCluster:      aksupgrade.StepCluster,
}

var runOf = map[aksupgrade.StepKind]store.RunState{
	aksupgrade.StepControlPlane: store.RunControlPlane,
	aksupgrade.StepNodePool:     store.RunNodePools,
	aksupgrade.StepNodeImage:    store.RunNodeImage,
	aksupgrade.StepCluster:      store.RunCluster,
}

// issue starts one upgrade step: recorded first as issuing, then sent,
// then recorded with ARM's answer.
func (e *Engine) issue(ctx context.Context, now time.Time, a planner.Action, f *store.Fleet) (bool, error) {
	kind, ok := stepOf[a.Kind]
	if !ok {
		return false, fmt.Errorf("unknown action %q", a.Kind)
	}
	step := aksupgrade.Step{Kind: kind, ClusterID: a.Cluster, Pool: a.Pool}
	if kind != aksupgrade.StepNodeImage {
		step.Version = a.To
	}
	// An upgrade is issued only while the lease is held: a leader that
	// was paused past its lease must not act on a stale plan.
	if err := e.held(); err != nil {
		return false, err
	}
	// A step that moves the control plane starts a new upgrade even on a
	// cluster whose pools are still behind from the last one (the planner
	// says it continues): its preflight gates run too.
	if !a.Continues || kind == aksupgrade.StepControlPlane || kind == aksupgrade.StepCluster {
		if ok, err := e.preflight(ctx, now, a, f); err != nil || !ok {
			return false, err
		}
	}
	rec, err := e.writes().BeginStep(ctx, store.StepRecord{Stage: a.Stage, Target: a.Target, Step: step, State: store.StepIssuing, StartedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrActiveStep) {
		e.log.Warn("operation already in flight; not issuing another", "cluster", a.Cluster)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !a.Continues {
		if err := e.setRun(ctx, now, a, store.RunPreflight, "checking the cluster before its upgrade"); err != nil {
			return false, err
		}
	}
	if err := e.held(); err != nil {
		// Recorded as issuing, not issued: whoever leads next settles it
		// from what the cluster shows, as after a crash here.
		return false, err
	}
	op, err := e.o.Provider.Start(ctx, step)
	code := aksupgrade.Code(err)
	switch {
	case err == nil && op.ResumeToken == "":
		// ARM finished at once (nothing was left to change).
		return true, e.finish(ctx, now, f, &rec, store.StepSucceeded, nil)
	case err == nil:
		rec.State, rec.ResumeToken, rec.UpdatedAt = store.StepRunning, op.ResumeToken, now
		run := store.Run{ClusterID: a.Cluster, Stage: a.Stage, Target: a.Target, State: runOf[kind], Reason: a.Reason, UpdatedAt: now}
		if _, err := e.record(ctx, now, store.Fact{Step: &rec, Run: &run}, stepEvent(rec)); err != nil {
			return false, err
		}
		if c := findCluster(f.Clusters, a.Cluster); c != nil {
			c.ProvisioningState = "Upgrading"
		}
		e.log.Info("operation started", "cluster", a.Cluster, "step", string(kind), "pool", a.Pool, "to", a.To)
		return true, nil
	case code == aksupgrade.ErrAlreadyDone:
		return true, e.finish(ctx, now, f, &rec, store.StepSucceeded, nil)
	case code == aksupgrade.ErrInternal:
		// The request may have reached ARM (a network error, a 5xx):
		// the step stays unconfirmed and is settled from the cluster's
		// real state in a later loop, never issued again on a guess.
		// Not "acted": planning again at once would only hammer an ARM
		// that is failing.
		e.log.Warn("operation may or may not have started; settling it from the cluster's state", "cluster", a.Cluster, "err", err)
		return false, nil
	case code == aksupgrade.ErrVersionNotAvailable:
		switch ok, err := e.withdrawn(ctx, now, f, &rec, err); {
		case err != nil:
			return false, err
		case ok:
			return true, errPlanStale
		}
	case code.Retryable():
		// ARM refused it (busy, throttled, a conflict): nothing started.
		e.log.Warn("operation not started; will try again", "cluster", a.Cluster, "err", err)
		return false, e.finish(ctx, now, f, &rec, store.StepAbandoned, nil)
	}
	return true, e.finish(ctx, now, f, &rec, store.StepFailed, err)
}

func (e *Engine) setRun(ctx context.Context, now time.Time, a planner.Action, state store.RunState, reason string) error {
	return e.writes().SetRun(ctx, store.Run{ClusterID: a.Cluster, Stage: a.Stage, Target: a.Target, State: state, Reason: reason, UpdatedAt: now})
}
