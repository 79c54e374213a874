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
	err := s.write(ctx, "record", func(tx *sql.Tx) error {
		var err error
		out, err = store.WriteFact(ctx, factTx{tx}, f)
		return err
	})
	if err != nil {
		return store.Recorded{}, err
	}
	return out, nil
}

// factTx is a transaction as store.WriteFact writes a fact through it.
type factTx struct{ tx *sql.Tx }

func (t factTx) SaveFleet(ctx context.Context, f store.Fleet) error {
	enc, err := encodeFleet(f)
	if err != nil {
		return err
	}
	return saveFleetTx(ctx, t.tx, enc)
}

func (t factTx) UpdateStep(ctx context.Context, s store.StepRecord) (bool, error) {
	return updateStepTx(ctx, t.tx, s)
}

func (t factTx) Apply(ctx context.Context, tr store.Transition) (bool, error) {
	return applyTx(ctx, t.tx, tr)
}

func (t factTx) SetRun(ctx context.Context, r store.Run) (bool, error) { return setRunTx(ctx, t.tx, r) }

func (t factTx) Log(ctx context.Context, e store.AuditEntry) error { return insertAudit(ctx, t.tx, e) }

func (t factTx) PutEvent(ctx context.Context, e store.Event) (bool, error) {
	return putEventTx(ctx, t.tx, e)
}
