package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Store is a store.Store in one SQLite file. Fenced views of it share
// its connections (see store.Lease).
type Store struct {
	*conns
	// fence, when not 0, is the lease epoch every write checks first.
	fence int64
}

// conns are the database connections of a Store and its fenced views.
type conns struct {
	// writer has one connection and begins its transactions IMMEDIATE,
	// so writers queue for the lock instead of failing half-way.
	writer *sql.DB
	// reader has a few query-only connections; in WAL mode they read a
	// committed snapshot while the writer writes.
	reader *sql.DB

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open opens the database file at path, creating it if needed, and
// migrates it to the newest schema. A database migrated by a newer
// version of aksupgrade is refused (ErrNewerSchema); a path that cannot
// be opened gives store.ErrUnavailable.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return nil, fmt.Errorf("open sqlite: %q is not a plain file path", path)
	}
	s := &Store{conns: &conns{}}
	var err error
	if s.writer, err = sql.Open("sqlite", dsn(path, o, true)); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)
	if err := s.init(ctx, path); err != nil {
		return nil, errors.Join(err, s.writer.Close())
	}
	if s.reader, err = sql.Open("sqlite", dsn(path, o, false)); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s: %w", path, err), s.writer.Close())
	}
	s.reader.SetMaxOpenConns(o.readConns)
	s.reader.SetMaxIdleConns(o.readConns)
	s.reader.SetConnMaxIdleTime(0)
	if err := s.reader.PingContext(ctx); err != nil {
		return nil, errors.Join(s.fail(ctx, "open sqlite "+path, err), s.Close())
	}
	return s, nil
}

// init checks the journal mode and migrates.
func (s *Store) init(ctx context.Context, path string) error {
	var mode string
	if err := s.writer.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return s.fail(ctx, "open sqlite "+path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("open sqlite %s: journal mode is %s, not wal", path, mode)
	}
	if err := migrate(ctx, s.writer); err != nil {
		return s.fail(ctx, "migrate "+path, err)
	}
	// A database that cannot be written (a read-only file or mount)
	// would open, serve reads and fail at the first fact: refuse it now.
	if err := s.Writable(ctx); err != nil {
		return fmt.Errorf("open sqlite %s: the database cannot be written (check the file's and its directory's permissions, and that the volume is not read-only): %w", path, err)
	}
	return nil
}

// errProbed ends the transaction of Writable, rolling it back.
var errProbed = errors.New("probed")

// Writable takes the write lock and a write statement, and rolls back: a
// write statement takes the write transaction even when it changes no
// row, and SQLite refuses that on a read-only database.
func (s *Store) Writable(ctx context.Context) error {
	err := s.write(ctx, "check the database takes writes", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE fleet SET id = id WHERE id = -1`); err != nil {
			return err
		}
		return errProbed
	})
	if errors.Is(err, errProbed) {
		return nil
	}
	return err
}

// dsn is the modernc.org/sqlite data source name for path. Pragmas go in
// it so that every connection of the pool gets them.
func dsn(path string, o options, write bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	// FULL: a commit is on disk when it returns (WAL makes that one fsync).
	q.Add("_pragma", "synchronous(FULL)")
	if write {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return path + "?" + q.Encode()
}

// Close closes the database. Afterwards every method returns
// store.ErrUnavailable; closing again returns nil.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		var errs []error
		if s.reader != nil {
			errs = append(errs, s.reader.Close())
		}
		errs = append(errs, s.writer.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("close sqlite: %w", err)
		}
	})
	return s.closeErr
}
