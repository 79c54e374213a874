package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

const outboxColumns = `id, receiver, key, message, created_at, due_at, state, attempts, last_error, done_at`

// EnqueueNotifications adds entries to the outbox, skipping those whose
// (receiver, key) it holds already.
func (s *Store) EnqueueNotifications(ctx context.Context, os []store.Outgoing) error {
	for _, o := range os {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("enqueue notifications: %w", err)
		}
	}
	if len(os) == 0 {
		return nil
	}
	return s.write(ctx, "enqueue notifications", func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO outbox (receiver, key, message, created_at, due_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (receiver, key) DO NOTHING`)
		if err != nil {
			return err
		}
		// A close error after the statements ran changes nothing: the
		// transaction commits or rolls back on its own result.
		defer func() { _ = stmt.Close() }()
		for _, o := range os {
			due := o.DueAt
			if due.IsZero() {
				due = o.CreatedAt
			}
			if _, err := stmt.ExecContext(ctx, o.Receiver, o.Key, string(o.Message), formatTime(o.CreatedAt), formatTime(due)); err != nil {
				return fmt.Errorf("notification %s for %s: %w", o.Key, o.Receiver, err)
			}
		}
		return nil
	})
}

// DueNotifications returns pending entries due at now, in enqueue order,
// each behind any earlier failed entry of its receiver not due yet.
func (s *Store) DueNotifications(ctx context.Context, now time.Time, limit int) ([]store.Outgoing, error) {
	n := formatTime(now)
	return s.queryOutbox(ctx, "read due notifications", `SELECT `+outboxColumns+` FROM outbox o
WHERE o.state = 'pending' AND o.due_at <= ?
  AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.receiver = o.receiver AND p.state = 'pending'
                  AND p.id < o.id AND p.attempts > 0 AND p.due_at > ?)
ORDER BY o.id`, limit, n, n)
}

// Notifications returns outbox entries, newest first.
func (s *Store) Notifications(ctx context.Context, limit int) ([]store.Outgoing, error) {
	return s.queryOutbox(ctx, "read notifications", `SELECT `+outboxColumns+` FROM outbox ORDER BY id DESC`, limit)
}

// MarkSent records a delivery.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("mark notification sent: %w: no time", store.ErrInvalid)
	}
	return s.markOutbox(ctx, "mark notification sent", id,
		`UPDATE outbox SET claimed_until = NULL, state = 'sent', done_at = ? WHERE id = ? AND state = 'pending'`, formatTime(at), id)
}

// MarkRetry records a failed attempt and when to try again.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, attempts int, lastError string) error {
	if next.IsZero() || attempts < 0 {
		return fmt.Errorf("mark notification for retry: %w: needs a time and attempts >= 0", store.ErrInvalid)
	}
	return s.markOutbox(ctx, "mark notification for retry", id,
		`UPDATE outbox SET claimed_until = NULL, due_at = ?, attempts = ?, last_error = ? WHERE id = ? AND state = 'pending'`,
		formatTime(next), attempts, lastError, id)
}

// MarkFailed records that delivery was given up.
func (s *Store) MarkFailed(ctx context.Context, id int64, at time.Time, lastError string) error {
	if at.IsZero() {
		return fmt.Errorf("mark notification failed: %w: no time", store.ErrInvalid)
	}
	return s.markOutbox(ctx, "mark notification failed", id,
		`UPDATE outbox SET claimed_until = NULL, state = 'failed', done_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'`,
		formatTime(at), lastError, id)
}

// markOutbox runs one update of entry id; an entry that exists but is no
// longer pending is left alone, an unknown one is ErrNotFound.
func (s *Store) markOutbox(ctx context.Context, op string, id int64, query string, args ...any) error {
	return s.write(ctx, op, func(tx *sql.Tx) error {
		changed, err := affected(tx.ExecContext(ctx, query, args...))
		if err != nil || changed {
			return err
		}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM outbox WHERE id = ?`, id).Scan(&one); err != nil {
			return fmt.Errorf("notification %d: %w", id, err)
		}
		return nil
	})
}

func (s *Store) queryOutbox(ctx context.Context, op, query string, limit int, args ...any) ([]store.Outgoing, error) {
	return queryAll(ctx, s, op, query, limit, scanOutgoing, args...)
}

func scanOutgoing(rows *sql.Rows) (store.Outgoing, error) {
	var (
		o                 store.Outgoing
		msg, created, due string
		state             string
		done              sql.NullString
	)
	if err := rows.Scan(&o.ID, &o.Receiver, &o.Key, &msg, &created, &due, &state, &o.Attempts, &o.LastError, &done); err != nil {
		return o, err
	}
	o.Message, o.State = []byte(msg), store.OutgoingState(state)
	var err error
	if o.CreatedAt, err = parseTime(created); err != nil {
		return o, err
	}
	if o.DueAt, err = parseTime(due); err != nil {
		return o, err
	}
	o.DoneAt, err = parseNullTime(done)
	return o, err
}

// ClaimNotification claims pending entry id until until, unless another
// claim of it runs at now.
func (s *Store) ClaimNotification(ctx context.Context, id int64, now, until time.Time) (bool, error) {
	if now.IsZero() || !until.After(now) {
		return false, fmt.Errorf("claim notification: %w: needs a time and a later end", store.ErrInvalid)
	}
	var claimed bool
	err := s.write(ctx, "claim notification", func(tx *sql.Tx) error {
		var err error
		claimed, err = affected(tx.ExecContext(ctx, `UPDATE outbox SET claimed_until = ?
WHERE id = ? AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?)`, formatTime(until), id, formatTime(now)))
		if err != nil || claimed {
			return err
		}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM outbox WHERE id = ?`, id).Scan(&one); err != nil {
			return fmt.Errorf("notification %d: %w", id, err)
		}
		return nil
	})
	return claimed, err
}
