package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres/pgtest"
	"github.com/aksupgrade/aksupgrade/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openStore(t, newSchema(t).dsn) })
}

func TestConformanceReopen(t *testing.T) {
	storetest.RunReopen(t, func(t *testing.T) (store.Store, func() store.Store) {
		dsn := newSchema(t).dsn
		s := openStore(t, dsn)
		return s, func() store.Store {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return openStore(t, dsn)
		}
	})
}

func connect(t testing.TB, dsn string) *pgx.Conn { return pgtest.Connect(t, dsn) }

// schema is a fresh schema of the test server, for one test.
type schema struct {
	name string
	// dsn is the test DSN with the schema as its search path.
	dsn string
	// admin is a connection of the test's own, with the same search path.
	admin *pgx.Conn
}

// newSchema creates an empty schema, dropped with all it holds when t
// ends.
func newSchema(t testing.TB) schema {
	t.Helper()
	name, dsn := pgtest.Schema(t)
	return schema{name: name, dsn: dsn, admin: connect(t, dsn)}
}

// withParam returns dsn with the parameter key set to value.
func withParam(t testing.TB, dsn, key, value string) string {
	return pgtest.WithParam(t, dsn, key, value)
}

// openStore opens a store on dsn, closed when t ends.
func openStore(t testing.TB, dsn string, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
