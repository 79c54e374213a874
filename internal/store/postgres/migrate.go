package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles holds the schema, one numbered file per change:
// NNNN_what.sql, applied in order, never edited once released. Number N
// is the same change as SQLite's migration N.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLock is the first key of the advisory lock that migrations hold
// ('aksm'); the second is a hash of the schema they migrate.
const migrateLock = 0x616b736d

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order, checking that they
// are numbered 1, 2, 3, ... without gaps.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name is not NNNN_what.sql", base)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the migrations the database lacks, in the first schema
// of the search path, each in its own transaction together with its row
// in schema_migrations (PostgreSQL's DDL is transactional: a migration is
// applied whole or not at all). Each transaction first takes an advisory
// lock on the schema, so that stores opening at once take turns and the
// later ones find the work done.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		var applied int
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var err error
			if applied, err = lockSchema(ctx, tx, len(ms)); err != nil || applied >= m.version {
				return err
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return fmt.Errorf("migration %s: record: %w", m.name, err)
			}
			applied = m.version
			return nil
		})
		if err != nil {
			return err
		}
		if applied >= len(ms) {
			return nil
		}
	}
	return nil
}

// lockSchema takes the migration lock of the schema, creates
// schema_migrations if needed, and returns the newest migration applied,
// refusing one newer than this build knows (newest).
func lockSchema(ctx context.Context, tx pgx.Tx, newest int) (int, error) {
	var (
		schema     *string
		searchPath string
	)
	if err := tx.QueryRow(ctx, `SELECT current_schema(), current_setting('search_path')`).Scan(&schema, &searchPath); err != nil {
		return 0, fmt.Errorf("read the schema: %w", err)
	}
	if schema == nil {
		return 0, fmt.Errorf("no schema of the search path (%s) exists to migrate", searchPath)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, migrateLock, *schema); err != nil {
		return 0, fmt.Errorf("lock schema %s: %w", *schema, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer     NOT NULL PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	var v int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if v > newest {
		return 0, fmt.Errorf("%w: schema %s is at migration %d, this version knows up to %d; upgrade aksupgrade", ErrNewerSchema, *schema, v, newest)
	}
	return v, nil
}
