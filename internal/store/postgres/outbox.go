package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

const outboxColumns = `id, receiver, key, message, created_at, due_at, state, attempts, last_error, done_at`

// EnqueueNotifications adds entries to the outbox, in order, skipping
// those whose (receiver, key) it holds already: one transaction, the
// inserts sent in one batch.
func (s *Store) EnqueueNotifications(ctx context.Context, os []store.Outgoing) error {
	for _, o := range os {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("enqueue notifications: %w", err)
		}
	}
	if len(os) == 0 {
		return nil
	}
	return s.write(ctx, "enqueue notifications", func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, o := range os {
			due := o.DueAt
			if due.IsZero() {
				due = o.CreatedAt
			}
			b.Queue(`INSERT INTO outbox (receiver, key, message, created_at, due_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (receiver, key) DO NOTHING`,
				o.Receiver, o.Key, string(o.Message), formatTime(o.CreatedAt), formatTime(due))
		}
		results := tx.SendBatch(ctx, b)
		for _, o := range os {
			if _, err := results.Exec(); err != nil {
				// The first error is the one that matters; the
				// transaction rolls back whatever Close says.
				_ = results.Close()
				return fmt.Errorf("notification %s for %s: %w", o.Key, o.Receiver, err)
			}
		}
		return results.Close()
	})
}

// DueNotifications returns pending entries due at now, in enqueue order,
// each behind any earlier failed entry of its receiver not due yet.
func (s *Store) DueNotifications(ctx context.Context, now time.Time, limit int) ([]store.Outgoing, error) {
	return queryAll(ctx, s, "read due notifications", `SELECT `+outboxColumns+` FROM outbox o
WHERE o.state = 'pending' AND o.due_at <= $1
  AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.receiver = o.receiver AND p.state = 'pending'
                  AND p.id < o.id AND p.attempts > 0 AND p.due_at > $1)
ORDER BY o.id`, limit, scanOutgoing, formatTime(now))
}

// Notifications returns outbox entries, newest first.
func (s *Store) Notifications(ctx context.Context, limit int) ([]store.Outgoing, error) {
	return queryAll(ctx, s, "read notifications", `SELECT `+outboxColumns+` FROM outbox ORDER BY id DESC`, limit, scanOutgoing)
}

// MarkSent records a delivery.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("mark notification sent: %w: no time", store.ErrInvalid)
	}
	return s.markOutbox(ctx, "mark notification sent", id,
		`SET claimed_until = NULL, state = 'sent', done_at = $2`, formatTime(at))
}

// MarkRetry records a failed attempt and when to try again.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, attempts int, lastError string) error {
	if next.IsZero() || attempts < 0 {
		return fmt.Errorf("mark notification for retry: %w: needs a time and attempts >= 0", store.ErrInvalid)
	}
	return s.markOutbox(ctx, "mark notification for retry", id,
		`SET claimed_until = NULL, due_at = $2, attempts = $3, last_error = $4`, formatTime(next), attempts, lastError)
}

// MarkFailed records that delivery was given up.
func (s *Store) MarkFailed(ctx context.Context, id int64, at time.Time, lastError string) error {
	if at.IsZero() {
		return fmt.Errorf("mark notification failed: %w: no time", store.ErrInvalid)
	}
	return s.markOutbox(ctx, "mark notification failed", id,
		`SET claimed_until = NULL, state = 'failed', done_at = $2, attempts = attempts + 1, last_error = $3`, formatTime(at), lastError)
}

// markOutbox updates entry id ($1) as set says, if it is pending; an
// entry that exists but is no longer pending is left alone, an unknown
// one is store.ErrNotFound. One statement: the update, and whether the
// entry exists.
func (s *Store) markOutbox(ctx context.Context, op string, id int64, set string, args ...any) error {
	var known bool
	err := s.writeOne(ctx, op, func(q querier) error {
		return q.QueryRow(ctx, `WITH changed AS (UPDATE outbox `+set+` WHERE id = $1 AND state = 'pending' RETURNING id)
SELECT EXISTS (SELECT 1 FROM changed) OR EXISTS (SELECT 1 FROM outbox WHERE id = $1)`, append([]any{id}, args...)...).Scan(&known)
	})
	if err != nil {
		return err
	}
	if !known {
		return fmt.Errorf("%s: notification %d: %w", op, id, store.ErrNotFound)
	}
	return nil
}

func scanOutgoing(rows pgx.Rows) (store.Outgoing, error) {
	var (
		o                   store.Outgoing
		msg                 []byte
		created, due, state string
		done                *string
	)
	if err := rows.Scan(&o.ID, &o.Receiver, &o.Key, &msg, &created, &due, &state, &o.Attempts, &o.LastError, &done); err != nil {
		return o, err
	}
	o.Message, o.State = msg, store.OutgoingState(state)
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
// claim of it runs at now. One statement: the claim, and whether the
// entry exists.
func (s *Store) ClaimNotification(ctx context.Context, id int64, now, until time.Time) (bool, error) {
	if now.IsZero() || !until.After(now) {
		return false, fmt.Errorf("claim notification: %w: needs a time and a later end", store.ErrInvalid)
	}
	var claimed, known bool
	err := s.writeOne(ctx, "claim notification", func(q querier) error {
		return q.QueryRow(ctx, `WITH claimed AS (UPDATE outbox SET claimed_until = $2
  WHERE id = $1 AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= $3) RETURNING id)
SELECT EXISTS (SELECT 1 FROM claimed), EXISTS (SELECT 1 FROM outbox WHERE id = $1)`, id, formatTime(until), formatTime(now)).Scan(&claimed, &known)
	})
	if err != nil {
		return false, err
	}
	if !known {
		return false, fmt.Errorf("claim notification: notification %d: %w", id, store.ErrNotFound)
	}
	return claimed, nil
}
