package store

import (
	"encoding/json"
	"fmt"

	"github.com/aksupgrade/aksupgrade"
)

// The Validate methods say what every implementation refuses with
// ErrInvalid, before writing anything.

// Validate reports whether t can be applied: a known kind, a time, an
// actor, a stage for stage-level kinds and a target for every kind but
// retried.
func (t Transition) Validate() error {
	switch t.Kind {
	case TransitionStarted, TransitionReached, TransitionProven, TransitionApproved, TransitionHalted, TransitionRetried:
		if t.Stage == "" {
			return invalid("a %s transition needs a stage", t.Kind)
		}
	case TransitionPaused, TransitionResumed, TransitionAborted:
	case "":
		return invalid("a transition needs a kind")
	default:
		return invalid("unknown transition kind %q", t.Kind)
	}
	if t.Kind != TransitionRetried {
		if err := validateTarget(t.Target); err != nil {
			return invalid("a %s transition needs a target: %v", t.Kind, err)
		}
	}
	if t.At.IsZero() {
		return invalid("a %s transition needs a time", t.Kind)
	}
	if t.Actor == "" {
		return invalid("a %s transition needs an actor", t.Kind)
	}
	return nil
}

// Validate reports whether r can be recorded: a cluster, a known state and
// a time.
func (r Run) Validate() error {
	if r.ClusterID == "" {
		return invalid("a run needs a cluster")
	}
	switch r.State {
	case RunPending, RunPreflight, RunGated, RunControlPlane, RunNodePools, RunNodeImage, RunCluster, RunVerifying, RunDone, RunFailed, RunSkipped:
	default:
		return invalid("unknown run state %q", r.State)
	}
	if r.Target != (aksupgrade.Target{}) {
		if err := validateTarget(r.Target); err != nil {
			return invalid("run target: %v", err)
		}
	}
	if r.UpdatedAt.IsZero() {
		return invalid("a run needs a time")
	}
	return nil
}

// ValidateBegin reports whether s can be begun: a step in full (kind,
// cluster, pool and version as its kind needs), a stage, a target, a start
// time, and State empty or StepIssuing.
func (s StepRecord) ValidateBegin() error {
	switch s.Step.Kind {
	case aksupgrade.StepControlPlane, aksupgrade.StepCluster:
		if s.Step.Version == "" {
			return invalid("a %s step needs a version", s.Step.Kind)
		}
	case aksupgrade.StepNodePool:
		if s.Step.Pool == "" || s.Step.Version == "" {
			return invalid("a %s step needs a pool and a version", s.Step.Kind)
		}
	case aksupgrade.StepNodeImage:
		if s.Step.Pool == "" {
			return invalid("a %s step needs a pool", s.Step.Kind)
		}
	default:
		return invalid("unknown step kind %q", s.Step.Kind)
	}
	switch {
	case s.Step.ClusterID == "":
		return invalid("a step needs a cluster")
	case s.Stage == "":
		return invalid("a step needs a stage")
	case s.State != "" && s.State != StepIssuing:
		return invalid("a step begins issuing, not %s", s.State)
	case s.StartedAt.IsZero():
		return invalid("a step needs a start time")
	}
	if err := validateTarget(s.Target); err != nil {
		return invalid("step target: %v", err)
	}
	return nil
}

// ValidateUpdate reports whether s can update a stored step: an ID, a
// known state and a time.
func (s StepRecord) ValidateUpdate() error {
	switch {
	case s.ID <= 0:
		return invalid("a step update needs the step's ID")
	case !s.State.known():
		return invalid("unknown step state %q", s.State)
	case s.UpdatedAt.IsZero():
		return invalid("a step update needs a time")
	}
	return nil
}

func (s StepState) known() bool {
	switch s {
	case StepIssuing, StepRunning, StepSucceeded, StepFailed, StepAbandoned:
		return true
	}
	return false
}

// Validate reports whether e can be logged: a time, an actor, a kind and
// a message.
func (e AuditEntry) Validate() error {
	switch {
	case e.At.IsZero():
		return invalid("an audit entry needs a time")
	case e.Actor == "":
		return invalid("an audit entry needs an actor")
	case e.Kind == "":
		return invalid("an audit entry needs a kind")
	case e.Message == "":
		return invalid("an audit entry needs a message")
	}
	return nil
}

// Validate reports whether e can be stored: a source, an ID, a type, a
// receive time, and Data that is JSON when present.
func (e Event) Validate() error {
	switch {
	case e.Key.Source == "" || e.Key.ID == "":
		return invalid("an event needs a source and an ID")
	case e.Type == "":
		return invalid("event %s/%s needs a type", e.Key.Source, e.Key.ID)
	case e.ReceivedAt.IsZero():
		return invalid("event %s/%s needs a receive time", e.Key.Source, e.Key.ID)
	case len(e.Data) > 0 && !json.Valid(e.Data):
		return invalid("event %s/%s: data is not JSON", e.Key.Source, e.Key.ID)
	}
	return nil
}

func validateTarget(t aksupgrade.Target) error {
	switch {
	case t.Kind != aksupgrade.TargetKubernetes && t.Kind != aksupgrade.TargetNodeImage:
		return fmt.Errorf("unknown target kind %q", t.Kind)
	case t.Version == "":
		return fmt.Errorf("no version")
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// ValidateEvents validates every event of a batch (PutEvents): the first
// that fails, with its place in the batch.
func ValidateEvents(es []Event) error {
	for i, e := range es {
		if err := e.Validate(); err != nil {
			return fmt.Errorf("event %d of %d: %w", i+1, len(es), err)
		}
	}
	return nil
}
