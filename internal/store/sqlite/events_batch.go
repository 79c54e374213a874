package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// PutEvents stores es in one write transaction, each with PutEvent's
// rules: one commit (one sync of the WAL) for the whole batch, which is
// what makes a batch cheaper than as many PutEvent calls. Every event is
// validated before the transaction begins, so an invalid one writes
// nothing. An insert that finds its key taken, by an event stored before
// or by an earlier one of es, changes no row: inserted[i] is false.
func (s *Store) PutEvents(ctx context.Context, es []store.Event) (inserted []bool, err error) {
	if err := store.ValidateEvents(es); err != nil {
		return nil, fmt.Errorf("put events: %w", err)
	}
	if len(es) == 0 {
		return []bool{}, nil
	}
	inserted = make([]bool, len(es))
	err = s.write(ctx, "put events", func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, insertEvent) // once for the batch: twice as fast as once per event
		if err != nil {
			return err
		}
		// A close error after the statements ran changes nothing: the
		// transaction commits or rolls back on its own result.
		defer func() { _ = stmt.Close() }()
		for i, e := range es {
			if inserted[i], err = affected(stmt.ExecContext(ctx, e.Key.Source, e.Key.ID, e.Type, e.Subject,
				formatTime(e.Time), nullJSON(e.Data), formatTime(e.ReceivedAt), nullTime(e.ProcessedAt))); err != nil {
				return fmt.Errorf("event %d of %d (%s/%s): %w", i+1, len(es), e.Key.Source, e.Key.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inserted, nil
}
