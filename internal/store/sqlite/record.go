package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Record writes a fact in one transaction: the fleet, the step's change,
// the transitions, the run, and then the events, unless the fact had
// other parts and none of them changed anything.
func (s *Store) Record(ctx context.Context, f store.Fact) (store.Recorded, error) {
	var out store.Recorded
	if err := f.Validate(); err != nil {
		return out, fmt.Errorf("record: %w", err)
	}
	var fleet encodedFleet
	if f.Fleet != nil {
		var err error
		if fleet, err = encodeFleet(*f.Fleet); err != nil {
			return out, fmt.Errorf("record: %w", err)
		}
	}
	err := s.write(ctx, "record", func(tx *sql.Tx) error {
		out = store.Recorded{}
		parts := false
		if f.Fleet != nil {
			parts, out.Changed = true, true
			if err := saveFleetTx(ctx, tx, fleet); err != nil {
				return err
			}
		}
		if f.Step != nil {
			parts = true
			changed, err := updateStepTx(ctx, tx, *f.Step)
			if err != nil {
				return fmt.Errorf("step %d: %w", f.Step.ID, err)
			}
			out.Changed = out.Changed || changed
		}
		for _, t := range f.Transitions {
			parts = true
			changed, err := applyTx(ctx, tx, t)
			if err != nil {
				return fmt.Errorf("%s: %w", t.Kind, err)
			}
			out.Changed = out.Changed || changed
		}
		if f.Run != nil {
			parts = true
			changed, err := setRunTx(ctx, tx, *f.Run)
			if err != nil {
				return fmt.Errorf("run: %w", err)
			}
			out.Changed = out.Changed || changed
		}
		if parts && !out.Changed {
			return nil
		}
		for _, e := range f.Events {
			inserted, err := putEventTx(ctx, tx, e)
			if err != nil {
				return fmt.Errorf("event %s/%s: %w", e.Key.Source, e.Key.ID, err)
			}
			if inserted {
				out.Events++
			}
		}
		return nil
	})
	if err != nil {
		return store.Recorded{}, err
	}
	return out, nil
}
