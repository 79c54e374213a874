package sqlite

import (
	"context"
	"database/sql"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Prune deletes processed events and finished outbox entries that ended
// before r's times, in one transaction.
func (s *Store) Prune(ctx context.Context, r store.Retention) (store.Pruned, error) {
	var out store.Pruned
	err := s.write(ctx, "prune", func(tx *sql.Tx) error {
		out = store.Pruned{}
		if !r.EventsBefore.IsZero() {
			res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE processed_at IS NOT NULL AND received_at < ?`, formatTime(r.EventsBefore))
			if err != nil {
				return err
			}
			if out.Events, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		if !r.OutboxBefore.IsZero() {
			res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE state <> 'pending' AND done_at < ?`, formatTime(r.OutboxBefore))
			if err != nil {
				return err
			}
			if out.Outbox, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.Pruned{}, err
	}
	return out, nil
}
