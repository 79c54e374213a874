package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

const eventColumns = `source, id, type, subject, time, data, received_at, processed_at`

// insertEvent stores an event unless one with its key is stored.
const insertEvent = `INSERT INTO events (` + eventColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, id) DO NOTHING`

// PutEvent stores e unless an event with the same (source, id) is stored
// already.
func (s *Store) PutEvent(ctx context.Context, e store.Event) (inserted bool, err error) {
	if err := e.Validate(); err != nil {
		return false, fmt.Errorf("put event: %w", err)
	}
	err = s.write(ctx, "put event", func(tx *sql.Tx) error {
		var err error
		inserted, err = putEventTx(ctx, tx, e)
		return err
	})
	if err != nil {
		return false, err
	}
	return inserted, nil
}

// putEventTx stores e unless an event with its key is stored already.
func putEventTx(ctx context.Context, tx *sql.Tx, e store.Event) (bool, error) {
	return affected(tx.ExecContext(ctx, insertEvent,
		e.Key.Source, e.Key.ID, e.Type, e.Subject, formatTime(e.Time), nullJSON(e.Data),
		formatTime(e.ReceivedAt), nullTime(e.ProcessedAt)))
}

// PendingEvents returns unprocessed events, oldest first, at most limit.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]store.Event, error) {
	return s.queryEvents(ctx, "read pending events",
		`SELECT `+eventColumns+` FROM events WHERE processed_at IS NULL ORDER BY received_at, seq`, limit, nil)
}

// Events returns stored events, newest first, at most limit.
func (s *Store) Events(ctx context.Context, limit int) ([]store.Event, error) {
	return s.queryEvents(ctx, "read events",
		`SELECT `+eventColumns+` FROM events ORDER BY received_at DESC, seq DESC`, limit, nil)
}

// EventsAfter returns the events stored after cursor and received at or
// after since, in the order they were stored, and the cursor after them.
func (s *Store) EventsAfter(ctx context.Context, cursor int64, since time.Time, limit int) ([]store.Event, int64, error) {
	out, err := s.queryEvents(ctx, "read events after a cursor",
		`SELECT seq, `+eventColumns+` FROM events WHERE seq > ? AND received_at >= ? ORDER BY seq`, limit, &cursor, cursor, formatTime(since))
	if err != nil {
		return nil, 0, err
	}
	return out, cursor, nil
}

// MarkProcessed marks events processed at at; one processed already keeps
// its first time.
func (s *Store) MarkProcessed(ctx context.Context, keys []store.EventKey, at time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	return s.write(ctx, "mark events processed", func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE events SET processed_at = ? WHERE source = ? AND id = ? AND processed_at IS NULL`)
		if err != nil {
			return err
		}
		// A close error after the statements ran changes nothing: the
		// transaction commits or rolls back on its own result.
		defer func() { _ = stmt.Close() }()
		for _, k := range keys {
			if _, err := stmt.ExecContext(ctx, formatTime(at), k.Source, k.ID); err != nil {
				return fmt.Errorf("event %s/%s: %w", k.Source, k.ID, err)
			}
		}
		return nil
	})
}

// queryEvents runs a query of events with args; when seq is not nil,
// the query selects seq first and seq is left at the last row's.
func (s *Store) queryEvents(ctx context.Context, op, query string, limit int, seq *int64, args ...any) ([]store.Event, error) {
	return queryAll(ctx, s, op, query, limit, func(rows *sql.Rows) (store.Event, error) { return scanEvent(rows, seq) }, args...)
}

// scanEvent reads a row of eventColumns, preceded by seq when seq is
// not nil.
func scanEvent(rows *sql.Rows, seq *int64) (store.Event, error) {
	var (
		e               store.Event
		at, received    string
		data, processed sql.NullString
	)
	dest := []any{&e.Key.Source, &e.Key.ID, &e.Type, &e.Subject, &at, &data, &received, &processed}
	if seq != nil {
		dest = append([]any{seq}, dest...)
	}
	if err := rows.Scan(dest...); err != nil {
		return e, err
	}
	var err error
	if e.Time, err = parseTime(at); err != nil {
		return e, err
	}
	if e.ReceivedAt, err = parseTime(received); err != nil {
		return e, err
	}
	if e.ProcessedAt, err = parseNullTime(processed); err != nil {
		return e, err
	}
	if data.Valid && data.String != "" {
		e.Data = []byte(data.String)
	}
	return e, nil
}
