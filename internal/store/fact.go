package store

import (
	"context"
	"fmt"
)

// Fact is one change of what the engine keeps, with everything that goes
// with it: a step that ended, the halt its failure causes, the cluster's
// run, and the events that tell of them; or a transition of the rollout
// history and its event; or an observation of the fleet and the events
// that say what changed. Record writes a fact in one transaction, so after
// a crash at any point either the whole fact is there or none of it is.
type Fact struct {
	// Fleet, when set, replaces the last observation (SaveFleet's rules).
	Fleet *Fleet
	// Step, when set, moves a step on (UpdateStep's rules).
	Step *StepRecord
	// Transitions change the rollout history, in order (Apply's rules).
	Transitions []Transition
	// Run, when set, is a cluster's run (SetRun's rules).
	Run *Run
	// Notes are audit entries of changes the store keeps nothing else of
	// (what the engine changed in Azure itself); each is appended (Log's
	// rules) and counts as a change.
	Notes []AuditEntry
	// Events report the fact. Each is stored unless one with its key is
	// (PutEvent's rules); but when the fact has other parts and none of
	// them changes anything, no event is stored either: a fact recorded
	// twice tells once.
	Events []Event
}

// Validate reports whether every part of f can be recorded, and that f
// has a part.
func (f Fact) Validate() error {
	if f.Fleet == nil && f.Step == nil && len(f.Transitions) == 0 && f.Run == nil && len(f.Notes) == 0 && len(f.Events) == 0 {
		return invalid("a fact needs something to record")
	}
	if f.Step != nil {
		if err := f.Step.ValidateUpdate(); err != nil {
			return err
		}
	}
	for _, t := range f.Transitions {
		if err := t.Validate(); err != nil {
			return err
		}
	}
	if f.Run != nil {
		if err := f.Run.Validate(); err != nil {
			return err
		}
	}
	for _, n := range f.Notes {
		if err := n.Validate(); err != nil {
			return err
		}
	}
	for _, e := range f.Events {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Recorded says what Record changed.
type Recorded struct {
	// Changed is set when any part other than the events changed
	// something (always for a fleet).
	Changed bool
	// Events counts the events stored (duplicates are not).
	Events int
}

// FactTx is one transaction of an implementation, as WriteFact needs it:
// each part's write, saying whether it changed anything.
type FactTx interface {
	SaveFleet(ctx context.Context, f Fleet) error
	UpdateStep(ctx context.Context, s StepRecord) (changed bool, err error)
	Apply(ctx context.Context, t Transition) (changed bool, err error)
	SetRun(ctx context.Context, r Run) (changed bool, err error)
	Log(ctx context.Context, e AuditEntry) error
	PutEvent(ctx context.Context, e Event) (inserted bool, err error)
}

// WriteFact writes f's parts through tx with Record's rules: the fleet,
// the step's change, the transitions, the run, the notes, and then the events,
// unless f had other parts and none of them changed anything. The
// implementation runs it inside one transaction, validated (f.Validate)
// before, and commits when it returns no error.
func WriteFact(ctx context.Context, tx FactTx, f Fact) (Recorded, error) {
	var out Recorded
	parts := false
	if f.Fleet != nil {
		parts, out.Changed = true, true
		if err := tx.SaveFleet(ctx, *f.Fleet); err != nil {
			return Recorded{}, fmt.Errorf("fleet: %w", err)
		}
	}
	if f.Step != nil {
		parts = true
		changed, err := tx.UpdateStep(ctx, *f.Step)
		if err != nil {
			return Recorded{}, fmt.Errorf("step %d: %w", f.Step.ID, err)
		}
		out.Changed = out.Changed || changed
	}
	for _, t := range f.Transitions {
		parts = true
		changed, err := tx.Apply(ctx, t)
		if err != nil {
			return Recorded{}, fmt.Errorf("%s: %w", t.Kind, err)
		}
		out.Changed = out.Changed || changed
	}
	if f.Run != nil {
		parts = true
		changed, err := tx.SetRun(ctx, *f.Run)
		if err != nil {
			return Recorded{}, fmt.Errorf("run: %w", err)
		}
		out.Changed = out.Changed || changed
	}
	for _, n := range f.Notes {
		parts, out.Changed = true, true
		if err := tx.Log(ctx, n); err != nil {
			return Recorded{}, fmt.Errorf("note: %w", err)
		}
	}
	if parts && !out.Changed {
		return out, nil
	}
	for _, e := range f.Events {
		inserted, err := tx.PutEvent(ctx, e)
		if err != nil {
			return Recorded{}, fmt.Errorf("event %s/%s: %w", e.Key.Source, e.Key.ID, err)
		}
		if inserted {
			out.Events++
		}
	}
	return out, nil
}
