// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema of the test server, dropped when the test ends. The server is
// the one AKSUPGRADE_TEST_POSTGRES names, else the local one (trust
// authentication, database test). When it cannot be reached the test is
// skipped, or fails in CI (CI=true), saying how to start one.
package pgtest

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultDSN is the server the tests use unless AKSUPGRADE_TEST_POSTGRES
// names another.
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// startHint says how to get a server for the tests.
const startHint = "start PostgreSQL (`pg_ctlcluster --skip-systemctl-redirect 15 main start`; " +
	"the version is the directory in /etc/postgresql; .ci/run does this), " +
	"or set AKSUPGRADE_TEST_POSTGRES to the DSN of a database whose role may CREATE SCHEMA"

// DSN is the DSN of the test server.
func DSN() string { return cmp.Or(os.Getenv("AKSUPGRADE_TEST_POSTGRES"), defaultDSN) }

// Connect connects to dsn for the test's own look under the hood, closed
// when t ends.
func Connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL is not reachable at %s: %v\n%s", Describe(dsn), err, startHint)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		// The test is over; a close error would tell it nothing.
		_ = conn.Close(context.Background())
	})
	return conn
}

// Describe names the server of dsn without its password.
func Describe(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "(a DSN that does not parse)"
	}
	return fmt.Sprintf("%s:%d/%s as %s", cfg.Host, cfg.Port, cfg.Database, cfg.User)
}

// Schema creates an empty schema and returns its name and the test DSN
// with it as the search path. It is dropped with all it holds when t
// ends (after the stores opened later are closed: cleanups run last
// first).
func Schema(t testing.TB) (name, dsn string) {
	t.Helper()
	admin := Connect(t, DSN())
	name = "test_" + strings.ToLower(rand.Text())
	if _, err := admin.Exec(context.Background(), "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name, WithParam(t, DSN(), "search_path", name)
}

// WithParam returns dsn with the parameter key set to value (a plain
// word).
func WithParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("AKSUPGRADE_TEST_POSTGRES does not parse as a URL")
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " " + key + "=" + value
}
