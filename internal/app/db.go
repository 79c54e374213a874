package app

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// IsPostgres reports whether db names a PostgreSQL database (a
// postgres:// or postgresql:// URL, or libpq's key=value form) rather
// than a SQLite file.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") ||
		(strings.Contains(db, "=") && (strings.Contains(db, "host=") || strings.Contains(db, "dbname=")))
}

// OpenStore opens the store db names: a PostgreSQL database (its password
// from PGPASSWORD or PGPASSFILE, or in the DSN when it comes from the
// environment), or else a SQLite file.
func OpenStore(ctx context.Context, db string) (store.Store, error) {
	if IsPostgres(db) {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

var kvPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// RedactDB is db as it may be logged: a password in it is replaced.
func RedactDB(db string) string {
	if !IsPostgres(db) {
		return db
	}
	if u, err := url.Parse(db); err == nil && u.Scheme != "" {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return kvPassword.ReplaceAllString(db, "${1}xxxxx")
}

// HasPassword reports whether db carries a password itself.
func HasPassword(db string) bool { return RedactDB(db) != db }
