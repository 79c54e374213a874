package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Store is a store.Store in a PostgreSQL database. Fenced views of it
// share its pool (see store.Lease).
type Store struct {
	*shared
	// fence, when not 0, is the lease epoch every write checks first.
	fence int64
}

// shared is the connection pool of a Store and its fenced views.
type shared struct {
	pool *pgxpool.Pool
	// name says which database, for messages: host:port/database, never
	// the DSN (it may hold a password).
	name string
	// password is masked in every message the store returns.
	password string

	closed    atomic.Bool
	closeOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// Open connects to the database dsn names and migrates it to the newest
// schema. dsn is a libpq connection string, URL (postgres://...) or
// key=value, as pgxpool.ParseConfig reads it: pool_max_conns and server
// settings (search_path, statement_timeout, lock_timeout, ...) may go in
// it. A database migrated by a newer version of aksupgrade is refused
// (ErrNewerSchema); a server that cannot be reached gives
// store.ErrUnavailable. No error holds the password.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx quotes the DSN with the password masked, best effort; mask
		// what can be found of it too, and keep no chain: the error's
		// ConnString field holds the DSN as given.
		return nil, errors.New("open postgres: " + mask(err.Error(), passwordsIn(dsn)...))
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "aksupgrade"
	}
	s := &Store{shared: &shared{
		name:     cfg.ConnConfig.Host + ":" + strconv.Itoa(int(cfg.ConnConfig.Port)) + "/" + cfg.ConnConfig.Database,
		password: cfg.ConnConfig.Password,
	}}
	// Connections are made when first needed: by the migration below.
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, errors.New("open postgres " + s.name + ": " + s.mask(err.Error()))
	}
	if err := migrate(ctx, s.pool); err != nil {
		err = s.fail(ctx, "open postgres "+s.name, err)
		_ = s.Close() // always nil
		return nil, err
	}
	return s, nil
}

// Close closes the connections, waiting for those in use. Afterwards
// every method returns store.ErrUnavailable; closing again returns nil.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.pool.Close()
	})
	return nil
}

// String names the database (never with its password).
func (s *Store) String() string { return fmt.Sprintf("postgres %s", s.name) }
