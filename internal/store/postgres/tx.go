package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// attempts is how many times a write runs when it fails only because of
// a concurrent one (a deadlock, a serialization failure).
const attempts = 5

// querier is what both a transaction and the pool can do.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// write runs fn in a transaction (READ COMMITTED: what fn reads and then
// changes, it locks) and commits it when fn returns nil. In a fenced
// view, the transaction checks the lease's epoch first. A transaction
// that lost a deadlock or a serialization conflict runs again from the
// start, so fn must not keep state from an earlier run.
func (s *Store) write(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	if s.closed.Load() {
		return errClosed(op)
	}
	if s.fence != 0 {
		inner := fn
		fn = func(tx pgx.Tx) error {
			if err := checkFence(ctx, tx, s.fence); err != nil {
				return err
			}
			return inner(tx)
		}
	}
	var err error
	for range attempts {
		if err = pgx.BeginFunc(ctx, s.pool, fn); err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	return s.fail(ctx, op, err)
}

// exec runs one statement in a transaction of its own (one round trip;
// in a fenced view, a transaction with the fence's check), retried like
// write.
func (s *Store) exec(ctx context.Context, op, query string, args ...any) (pgconn.CommandTag, error) {
	if s.closed.Load() {
		return pgconn.CommandTag{}, errClosed(op)
	}
	var (
		tag pgconn.CommandTag
		err error
	)
	if s.fence != 0 { // the fence needs a transaction
		err = s.write(ctx, op, func(tx pgx.Tx) error {
			tag, err = tx.Exec(ctx, query, args...)
			return err
		})
		return tag, err
	}
	for range attempts {
		if tag, err = s.pool.Exec(ctx, query, args...); err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return tag, s.fail(ctx, op, err)
	}
	return tag, nil
}

// writeOne runs a write of one statement (or one that needs no
// transaction of its own) on the pool: one round trip; in a fenced view,
// in a transaction with the fence's check (see write).
func (s *Store) writeOne(ctx context.Context, op string, fn func(q querier) error) error {
	if s.closed.Load() {
		return errClosed(op)
	}
	if s.fence != 0 {
		return s.write(ctx, op, func(tx pgx.Tx) error { return fn(tx) })
	}
	return s.fail(ctx, op, fn(s.pool))
}

// read runs fn in a read-only REPEATABLE READ transaction: one snapshot
// for every query fn makes.
func (s *Store) read(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	if s.closed.Load() {
		return errClosed(op)
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
	return s.fail(ctx, op, err)
}

// queryAll runs one query (a snapshot of its own) and scans every row
// with scan, at most limit rows when limit > 0 (the query must not have
// its own LIMIT). No rows is a nil slice.
func queryAll[T any](ctx context.Context, s *Store, op, query string, limit int, scan func(pgx.Rows) (T, error), args ...any) ([]T, error) {
	if s.closed.Load() {
		return nil, errClosed(op)
	}
	if limit > 0 {
		query, args = fmt.Sprintf("%s LIMIT $%d", query, len(args)+1), append(args, limit)
	}
	out, err := collect(ctx, s.pool, query, scan, args...)
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return out, nil
}

// collect runs query on q and scans every row with scan.
func collect[T any](ctx context.Context, q querier, query string, scan func(pgx.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// affected reports whether a statement changed a row.
func affected(tag pgconn.CommandTag, err error) (bool, error) {
	return err == nil && tag.RowsAffected() > 0, err
}

// errProbed ends the transaction of Writable, rolling it back.
var errProbed = errors.New("probed")

// Writable runs a write statement that changes no row, and rolls back:
// PostgreSQL refuses it on a read-only server (a standby, or
// default_transaction_read_only) or when the table is locked past
// lock_timeout.
func (s *Store) Writable(ctx context.Context) error {
	err := s.write(ctx, "check the database takes writes", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE fleet SET id = id WHERE id = -1`); err != nil {
			return err
		}
		return errProbed
	})
	if errors.Is(err, errProbed) {
		return nil
	}
	return err
}
