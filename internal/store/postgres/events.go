package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

const eventColumns = `source, id, type, subject, time, data, received_at, processed_at`

const insertEvent = `INSERT INTO events (` + eventColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source, id) DO NOTHING`

// eventArgs are the values of insertEvent for e.
func eventArgs(e store.Event) []any {
	return []any{e.Key.Source, e.Key.ID, string(e.Type), e.Subject, formatTime(e.Time), nullJSON(e.Data),
		formatTime(e.ReceivedAt), nullTime(e.ProcessedAt)}
}

// PutEvent stores e unless an event with the same (source, id) is stored
// already: one statement, its own transaction.
func (s *Store) PutEvent(ctx context.Context, e store.Event) (inserted bool, err error) {
	if err := e.Validate(); err != nil {
		return false, fmt.Errorf("put event: %w", err)
	}
	tag, err := s.exec(ctx, "put event", insertEvent, eventArgs(e)...)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// putEventTx stores e unless an event with its key is stored already.
// From here to the end of tx, tx holds the events' lock (see
// EventsAfter).
func putEventTx(ctx context.Context, tx pgx.Tx, e store.Event) (bool, error) {
	return affected(tx.Exec(ctx, insertEvent, eventArgs(e)...))
}

// PendingEvents returns unprocessed events, oldest first, at most limit.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]store.Event, error) {
	return queryAll(ctx, s, "read pending events",
		`SELECT `+eventColumns+` FROM events WHERE processed_at IS NULL ORDER BY received_at, seq`, limit, scanEvent)
}

// Events returns stored events, newest first, at most limit.
func (s *Store) Events(ctx context.Context, limit int) ([]store.Event, error) {
	return queryAll(ctx, s, "read events",
		`SELECT `+eventColumns+` FROM events ORDER BY received_at DESC, seq DESC`, limit, scanEvent)
}

// EventsAfter returns the events stored after cursor and received at or
// after since, in the order they were stored, and the cursor after them.
//
// The cursor is events.seq, and no seq becomes visible after a greater
// one: the trigger that assigns seq takes a transaction-level lock first,
// so transactions that store events commit one at a time, in seq order
// (see migrations/0001_init.sql). Whatever a reader sees is therefore
// every event up to some seq, and an event committed later has a greater
// seq than any the reader has seen: paging with the cursor sees each
// event once.
func (s *Store) EventsAfter(ctx context.Context, cursor int64, since time.Time, limit int) ([]store.Event, int64, error) {
	type row struct {
		seq int64
		e   store.Event
	}
	rows, err := queryAll(ctx, s, "read events after a cursor",
		`SELECT seq, `+eventColumns+` FROM events WHERE seq > $1 AND received_at >= $2 ORDER BY seq`, limit,
		func(rows pgx.Rows) (row, error) {
			var r row
			err := scanEventInto(rows, &r.e, &r.seq)
			return r, err
		}, cursor, formatTime(since))
	if err != nil {
		return nil, 0, err
	}
	var out []store.Event
	for _, r := range rows {
		out, cursor = append(out, r.e), r.seq
	}
	return out, cursor, nil
}

// MarkProcessed marks events processed at at; one processed already keeps
// its first time. One statement.
func (s *Store) MarkProcessed(ctx context.Context, keys []store.EventKey, at time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	sources, ids := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		sources[i], ids[i] = k.Source, k.ID
	}
	_, err := s.exec(ctx, "mark events processed", `UPDATE events SET processed_at = $1
WHERE processed_at IS NULL AND (source, id) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
		formatTime(at), sources, ids)
	return err
}

// scanEvent reads a row of eventColumns.
func scanEvent(rows pgx.Rows) (store.Event, error) {
	var e store.Event
	err := scanEventInto(rows, &e, nil)
	return e, err
}

// scanEventInto reads a row of eventColumns into e, preceded by seq when
// seq is not nil.
func scanEventInto(rows pgx.Rows, e *store.Event, seq *int64) error {
	var (
		typ, at, received string
		processed         *string
		data              []byte
	)
	dest := []any{&e.Key.Source, &e.Key.ID, &typ, &e.Subject, &at, &data, &received, &processed}
	if seq != nil {
		dest = append([]any{seq}, dest...)
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	e.Type = aksupgrade.EventType(typ)
	var err error
	if e.Time, err = parseTime(at); err != nil {
		return err
	}
	if e.ReceivedAt, err = parseTime(received); err != nil {
		return err
	}
	if e.ProcessedAt, err = parseNullTime(processed); err != nil {
		return err
	}
	if len(data) > 0 {
		e.Data = data
	}
	return nil
}
