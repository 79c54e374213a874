package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// ErrNewerSchema is returned when the database was migrated by a newer
// version of aksupgrade than this one: opening it could lose data.
var ErrNewerSchema = errors.New("database schema is newer than this version of aksupgrade")

// fail adds op to err and classifies it: the store's own errors and
// context errors pass through; sql.ErrNoRows becomes store.ErrNotFound; a
// closed store, a lock that never came free, and I/O trouble become
// store.ErrUnavailable.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrActiveStep),
		errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrUnavailable),
		errors.Is(err, ErrNewerSchema), errors.Is(err, store.ErrFenced), errors.Is(err, store.ErrLeaseHeld):
		return fmt.Errorf("%s: %w", op, err)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	case s.closed.Load() || errors.Is(err, sql.ErrConnDone):
		return fmt.Errorf("%s: %w", op, store.ErrUnavailable)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", op, ctx.Err())
	case unavailable(err):
		return fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unavailable reports whether err says the database cannot be used right
// now, as opposed to a mistake in what was asked of it.
func unavailable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_PROTOCOL,
		sqlite3.SQLITE_READONLY:
		return true
	}
	return false
}

// uniqueViolation reports whether err is a UNIQUE constraint failure.
func uniqueViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// errClosed is what a method of a closed store returns.
func errClosed(op string) error {
	return fmt.Errorf("%s: %w", op, store.ErrUnavailable)
}
