package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// insertEvents is insertEvent for a batch: one statement, whatever the
// number of events, each column an array ($1..$8, in eventColumns'
// order; data as text, cast to json here since text has no assignment
// cast to json). The rows go in in the order of the arrays (ORDER BY
// the ordinality), so the trigger draws their seq in batch order and
// readers see them in that order. A row whose key is taken, by an event
// stored before or by an earlier row of the same statement, is skipped
// by ON CONFLICT DO NOTHING; RETURNING names the rows inserted.
const insertEvents = `INSERT INTO events (` + eventColumns + `)
SELECT src, eid, typ, subj, at, dat::json, recv, proc
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
	WITH ORDINALITY AS b(src, eid, typ, subj, at, dat, recv, proc, n)
ORDER BY n
ON CONFLICT (source, id) DO NOTHING
RETURNING source, id`

// PutEvents stores es in one transaction with one statement (one round
// trip for the rows, and one commit for the batch), each with PutEvent's
// rules. Every event is validated before anything is sent, so an invalid
// one writes nothing.
func (s *Store) PutEvents(ctx context.Context, es []store.Event) (inserted []bool, err error) {
	if err := store.ValidateEvents(es); err != nil {
		return nil, fmt.Errorf("put events: %w", err)
	}
	if len(es) == 0 {
		return []bool{}, nil
	}
	args, err := eventColumnArrays(es)
	if err != nil {
		return nil, fmt.Errorf("put events: %w", err)
	}
	err = s.write(ctx, "put events", func(tx pgx.Tx) error {
		// write may run this again after a conflict: start afresh.
		inserted = make([]bool, len(es))
		rows, err := tx.Query(ctx, insertEvents, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var stored []store.EventKey
		for rows.Next() {
			var k store.EventKey
			if err := rows.Scan(&k.Source, &k.ID); err != nil {
				return err
			}
			stored = append(stored, k)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		markInserted(es, stored, inserted)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inserted, nil
}

// markInserted sets inserted[i] for the events of es that the statement
// inserted, given their keys: of several events with one key, only the
// first can have been inserted (the later ones found its key taken).
func markInserted(es []store.Event, stored []store.EventKey, inserted []bool) {
	first := make(map[store.EventKey]int, len(es))
	for i := len(es) - 1; i >= 0; i-- {
		first[es[i].Key] = i
	}
	for _, k := range stored {
		if i, ok := first[k]; ok {
			inserted[i] = true
		}
	}
}

// eventColumnArrays are the arguments of insertEvents for es: one array
// per column, holding what eventArgs would give for each event.
func eventColumnArrays(es []store.Event) ([]any, error) {
	cols := make([][]*string, 8) // $1..$8 of insertEvents
	for c := range cols {
		cols[c] = make([]*string, len(es))
	}
	for i, e := range es {
		vals := eventArgs(e)
		if len(vals) != len(cols) {
			return nil, fmt.Errorf("%d event columns, insertEvents takes %d", len(vals), len(cols))
		}
		for c, v := range vals {
			switch v := v.(type) {
			case nil: // an optional column without a value: NULL
			case string:
				cols[c][i] = &v
			default:
				// eventArgs gives strings and nils only; a column of
				// another type needs its own array here.
				return nil, fmt.Errorf("event column %d is a %T, not text", c, v)
			}
		}
	}
	args := make([]any, len(cols))
	for c := range cols {
		args[c] = cols[c]
	}
	return args, nil
}
