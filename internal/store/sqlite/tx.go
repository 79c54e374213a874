package sqlite

import (
	"context"
	"database/sql"
)

// write runs fn in a write transaction (BEGIN IMMEDIATE, so it holds the
// write lock from the start) and commits it when fn returns nil. In a
// fenced view, the transaction checks the lease's epoch first.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if s.closed.Load() {
		return errClosed(op)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	if s.fence != 0 {
		inner := fn
		fn = func(tx *sql.Tx) error {
			if err := checkFence(ctx, tx, s.fence); err != nil {
				return err
			}
			return inner(tx)
		}
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.fail(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// read runs fn in a read-only transaction: one consistent snapshot.
func (s *Store) read(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if s.closed.Load() {
		return errClosed(op)
	}
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.fail(ctx, op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// queryAll runs a read-only query and scans every row with scan, at most
// limit rows when limit > 0 (the query must not have its own LIMIT).
func queryAll[T any](ctx context.Context, s *Store, op, query string, limit int, scan func(*sql.Rows) (T, error), args ...any) ([]T, error) {
	if limit > 0 {
		query, args = query+` LIMIT ?`, append(args, limit)
	}
	var out []T
	err := s.read(ctx, op, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
