package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Operator actions. Each checks that it makes sense now, records one
// transition with who did it, and wakes the loop. A request that does not
// make sense gets an *aksupgrade.Error (ErrNotFound for an unknown stage
// or rollout, ErrConflict for an action that does not apply to the
// rollout's state now, ErrInvalid for a policy that cannot replace the
// one in force) and changes nothing. An action done already (approving
// an approved target, pausing a paused rollout, aborting an aborted one)
// gets ErrAlreadyDone, whose message says who did it and when, and
// changes nothing either: a caller may take it as success.

// Approve lets target into stage where a person's approval is required.
func (e *Engine) Approve(ctx context.Context, stage string, t aksupgrade.Target, by string) error {
	if err := e.checkStage(stage); err != nil {
		return err
	}
	hist, err := e.o.Store.History(ctx)
	if err != nil {
		return err
	}
	if p := hist.Progress(stage, t); p != nil && p.Approval != nil {
		return alreadyDone("already approved by %s at %s: %s may enter stage %s", p.Approval.By, e.humanTime(p.Approval.At, stage), t, stage)
	}
	res, _ := e.LastPlan()
	waiting := awaitingApproval(res, stage)
	if !slices.Contains(waiting, t) {
		if len(waiting) == 0 {
			return conflict("nothing in stage %s awaits approval now", stage)
		}
		return conflict("%s does not await approval in stage %s; what does: %s", t, stage, targetList(waiting))
	}
	return e.apply(ctx, store.Transition{Kind: store.TransitionApproved, Stage: stage, Target: t, Actor: by})
}

// Retry lifts the halt of a stage once its cause is fixed.
func (e *Engine) Retry(ctx context.Context, stage, by string) error {
	if err := e.checkStage(stage); err != nil {
		return err
	}
	hist, err := e.o.Store.History(ctx)
	if err != nil {
		return err
	}
	for _, r := range hist.Rollouts {
		for _, sp := range r.Stages {
			if sp.Stage == stage && sp.Halt != nil {
				return e.apply(ctx, store.Transition{Kind: store.TransitionRetried, Stage: stage, Target: r.Target, Actor: by})
			}
		}
	}
	return conflict("stage %s is not halted: there is nothing to retry", stage)
}

// Pause holds a rollout: no new step towards its target starts.
func (e *Engine) Pause(ctx context.Context, t aksupgrade.Target, by, reason string) error {
	r, err := e.rollout(ctx, t)
	if err != nil {
		return err
	}
	switch {
	case r.Aborted != nil:
		return conflict("the rollout of %s was aborted by %s; it cannot be paused", t, r.Aborted.By)
	case r.Paused != nil:
		return alreadyDone("already paused by %s at %s%s: the rollout of %s starts nothing new until it is resumed", r.Paused.By, e.humanTime(r.Paused.At, ""), quotedReason(r.Paused.Reason), t)
	}
	return e.apply(ctx, store.Transition{Kind: store.TransitionPaused, Target: t, Actor: by, Reason: reason})
}

// Resume lets a paused rollout go on. An aborted rollout stays aborted:
// resuming it is refused, paused or not.
func (e *Engine) Resume(ctx context.Context, t aksupgrade.Target, by string) error {
	r, err := e.rollout(ctx, t)
	if err != nil {
		return err
	}
	switch {
	case r.Aborted != nil:
		return conflict("the rollout of %s was aborted by %s at %s%s; an aborted rollout cannot be resumed: no stage receives %s any more, and a newer version gets a rollout of its own",
			t, r.Aborted.By, e.humanTime(r.Aborted.At, ""), quotedReason(r.Aborted.Reason), t)
	case r.Paused == nil:
		return conflict("the rollout of %s is not paused: there is nothing to resume", t)
	}
	return e.apply(ctx, store.Transition{Kind: store.TransitionResumed, Target: t, Actor: by})
}

// Abort abandons a rollout: no stage receives its target any more.
func (e *Engine) Abort(ctx context.Context, t aksupgrade.Target, by, reason string) error {
	r, err := e.rollout(ctx, t)
	if err != nil {
		return err
	}
	if r.Aborted != nil {
		return alreadyDone("already aborted by %s at %s%s: no stage receives %s any more", r.Aborted.By, e.humanTime(r.Aborted.At, ""), quotedReason(r.Aborted.Reason), t)
	}
	return e.apply(ctx, store.Transition{Kind: store.TransitionAborted, Target: t, Actor: by, Reason: reason})
}

// ReplacePolicy switches to a new policy, unless it would move a cluster
// that is on its way to a target into another stage.
func (e *Engine) ReplacePolicy(ctx context.Context, p *policy.Policy) error {
	runs, err := e.o.Store.Runs(ctx)
	if err != nil {
		return err
	}
	f, err := e.o.Store.Fleet(ctx)
	if err != nil && !isNotFound(err) {
		return err
	}
	var moved []string
	for _, r := range runs {
		if r.State == store.RunDone || r.State == store.RunFailed || r.State == store.RunSkipped {
			continue
		}
		c := findCluster(f.Clusters, r.ClusterID)
		if c == nil {
			continue
		}
		si, names := p.StageOf(c)
		switch {
		case len(names) > 1:
			moved = append(moved, fmt.Sprintf("%s would be in stages %s", c.Name, strings.Join(names, " and ")))
		case si < 0:
			moved = append(moved, fmt.Sprintf("%s (upgrading in %s) would be in no stage", c.Name, r.Stage))
		case p.Stages[si].Name != r.Stage:
			moved = append(moved, fmt.Sprintf("%s (upgrading in %s) would move to %s", c.Name, r.Stage, p.Stages[si].Name))
		}
	}
	if len(moved) > 0 {
		return invalid("the new policy moves clusters in the middle of their upgrade: %s; wait until they finish, or keep their stage", strings.Join(moved, "; "))
	}
	e.pol.Store(p)
	e.Wake()
	return nil
}

func (e *Engine) apply(ctx context.Context, t store.Transition) error {
	t.At = e.o.Clock.Now()
	if t.Actor == "" {
		t.Actor = "unknown"
	}
	ev := aksupgrade.Event{Type: actionEventOf[t.Kind], Action: &aksupgrade.OperatorAction{Stage: t.Stage, Target: t.Target, By: t.Actor, Reason: t.Reason}}
	id := fmt.Sprintf("%s/%s/%s/%s", t.Kind, t.Stage, t.Target, t.At.Format("20060102T150405.000000000"))
	// A person's action, not the engine's: any replica records it, lease
	// or not, and the leader acts on it.
	if _, err := e.recordIn(ctx, e.o.Store, t.At, store.Fact{Transitions: []store.Transition{t}}, eventSpec{id, ev}); err != nil {
		return err
	}
	e.Wake()
	return nil
}

var actionEventOf = map[store.TransitionKind]aksupgrade.EventType{
	store.TransitionApproved: aksupgrade.EventApproved,
	store.TransitionRetried:  aksupgrade.EventRetried,
	store.TransitionPaused:   aksupgrade.EventPaused,
	store.TransitionResumed:  aksupgrade.EventResumed,
	store.TransitionAborted:  aksupgrade.EventAborted,
}

func (e *Engine) checkStage(stage string) error {
	var names []string
	for _, s := range e.policy().Stages {
		if s.Name == stage {
			return nil
		}
		names = append(names, s.Name)
	}
	return &aksupgrade.Error{Code: aksupgrade.ErrNotFound, Message: fmt.Sprintf("no stage %q; the stages are %s", stage, strings.Join(names, ", "))}
}

func (e *Engine) rollout(ctx context.Context, t aksupgrade.Target) (aksupgrade.Rollout, error) {
	hist, err := e.o.Store.History(ctx)
	if err != nil {
		return aksupgrade.Rollout{}, err
	}
	var known []aksupgrade.Target
	for _, r := range hist.Rollouts {
		if r.Target == t {
			return r, nil
		}
		known = append(known, r.Target)
	}
	msg := fmt.Sprintf("no rollout of %s", t)
	if len(known) > 0 {
		msg += "; rollouts: " + targetList(known)
	}
	return aksupgrade.Rollout{}, &aksupgrade.Error{Code: aksupgrade.ErrNotFound, Message: msg}
}

func awaitingApproval(res *planner.Result, stage string) []aksupgrade.Target {
	var out []aksupgrade.Target
	if res == nil {
		return nil
	}
	for _, st := range res.Stages {
		if st.Name != stage {
			continue
		}
		for _, c := range st.Clusters {
			if c.State == planner.ClusterApproval && c.Target != nil && !slices.Contains(out, *c.Target) {
				out = append(out, *c.Target)
			}
		}
	}
	return out
}

func targetList(ts []aksupgrade.Target) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}

// conflict is an action that does not apply to the rollout's state now.
func conflict(format string, args ...any) error {
	return &aksupgrade.Error{Code: aksupgrade.ErrConflict, Message: fmt.Sprintf(format, args...)}
}

// alreadyDone is an action that was done before: nothing is recorded
// again.
func alreadyDone(format string, args ...any) error {
	return &aksupgrade.Error{Code: aksupgrade.ErrAlreadyDone, Message: fmt.Sprintf(format, args...)}
}

// quotedReason writes a mark's reason after its time: ` ("CVE triage")`,
// or nothing when none was given.
func quotedReason(reason string) string {
	if reason == "" {
		return ""
	}
	return fmt.Sprintf(" (%q)", reason)
}

// humanTime writes t for the people who read an action's answer, as
// "Tue 10 Mar 21:00 CET": in the zone of stage's window when the stage
// has a schedule of its own, else in UTC (the server's zone says nothing
// to a caller elsewhere).
func (e *Engine) humanTime(t time.Time, stage string) string {
	loc := time.UTC
	for _, s := range e.policy().Stages {
		if s.Name == stage && s.Window.Schedule != nil {
			loc = s.Window.Schedule.Location()
		}
	}
	return t.In(loc).Format("Mon 2 Jan 15:04 MST")
}

func invalid(format string, args ...any) error {
	return &aksupgrade.Error{Code: aksupgrade.ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
