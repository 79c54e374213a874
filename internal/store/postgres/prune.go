package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Prune deletes processed events and finished outbox entries that ended
// before r's times, in one transaction.
func (s *Store) Prune(ctx context.Context, r store.Retention) (store.Pruned, error) {
	var out store.Pruned
	err := s.write(ctx, "prune", func(tx pgx.Tx) error {
		out = store.Pruned{}
		if !r.EventsBefore.IsZero() {
			tag, err := tx.Exec(ctx, `DELETE FROM events WHERE processed_at IS NOT NULL AND received_at < $1`, formatTime(r.EventsBefore))
			if err != nil {
				return err
			}
			out.Events = tag.RowsAffected()
		}
		if !r.OutboxBefore.IsZero() {
			tag, err := tx.Exec(ctx, `DELETE FROM outbox WHERE state <> 'pending' AND done_at < $1`, formatTime(r.OutboxBefore))
			if err != nil {
				return err
			}
			out.Outbox = tag.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return store.Pruned{}, err
	}
	return out, nil
}
