package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres"
)

// TestOneActiveStepInSchema: the database itself refuses a second active
// step on a cluster, whatever the code above it does.
func TestOneActiveStepInSchema(t *testing.T) {
	sc := newSchema(t)
	openStore(t, sc.dsn)
	insert := func(key, state string) error {
		_, err := sc.admin.Exec(t.Context(), `INSERT INTO steps (cluster_id, cluster_key, stage, target_kind, target_version, step_kind, state, started_at, updated_at)
VALUES ($1, $1, 'dev', 'kubernetes', '1.31.4', 'controlPlane', $2, '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z')`, key, state)
		return err
	}
	for _, state := range []string{"succeeded", "failed", "abandoned", "issuing"} {
		if err := insert("a", state); err != nil {
			t.Fatalf("insert %s step: %v", state, err)
		}
	}
	if err := insert("a", "running"); err == nil || !strings.Contains(err.Error(), "steps_one_active") {
		t.Errorf("second active step: err = %v, want a violation of steps_one_active", err)
	}
	if err := insert("b", "running"); err != nil {
		t.Errorf("active step on another cluster: %v", err)
	}
	if err := insert("c", "paused"); err == nil {
		t.Errorf("step in an unknown state: no error")
	}
}

// TestAuditAppendOnly: the database refuses to change, delete or truncate
// audit entries, even when no row would match.
func TestAuditAppendOnly(t *testing.T) {
	sc := newSchema(t)
	s := openStore(t, sc.dsn)
	if err := s.Log(t.Context(), store.AuditEntry{At: time.Now(), Actor: "a", Kind: "note", Message: "m"}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit SET message = 'changed'`,
		`UPDATE audit SET message = 'changed' WHERE id < 0`,
		`DELETE FROM audit`,
		`TRUNCATE audit`,
	} {
		if _, err := sc.admin.Exec(t.Context(), stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want refused as append-only", stmt, err)
		}
	}
	if got, err := s.Audit(t.Context(), store.AuditQuery{}); err != nil || len(got) != 1 || got[0].Message != "m" {
		t.Errorf("Audit = %+v, %v; want the entry as logged", got, err)
	}
}

// TestTimesInSchema: times are stored as fixed-width UTC text that the
// database checks, so that text order stays time order.
func TestTimesInSchema(t *testing.T) {
	sc := newSchema(t)
	s := openStore(t, sc.dsn)
	at := time.Date(2026, 3, 2, 15, 0, 5, 120, time.FixedZone("IST", 5*3600+1800))
	if err := s.Log(t.Context(), store.AuditEntry{At: at, Actor: "a", Kind: "note", Message: "m"}); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := sc.admin.QueryRow(t.Context(), `SELECT at FROM audit`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if want := "2026-03-02T09:30:05.000000120Z"; stored != want {
		t.Errorf("stored time = %q, want %q", stored, want)
	}
	for _, bad := range []string{"2026-03-02T09:30:05Z", "2026-03-02T09:30:05.5Z", "2026-03-02 09:30:05.000000120+00"} {
		_, err := sc.admin.Exec(t.Context(), `INSERT INTO audit (at, actor, kind, message) VALUES ($1, 'a', 'note', 'm')`, bad)
		if err == nil {
			t.Errorf("time %q stored: want refused (it would sort wrong)", bad)
		}
	}
}

// TestNewerSchema: a database migrated by a newer aksupgrade is refused,
// and left as it was.
func TestNewerSchema(t *testing.T) {
	sc := newSchema(t)
	if err := openStore(t, sc.dsn).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.admin.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_from_the_future')`); err != nil {
		t.Fatal(err)
	}
	var before int
	if err := sc.admin.QueryRow(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.Open(t.Context(), sc.dsn)
	if !errors.Is(err, postgres.ErrNewerSchema) || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("Open of a newer database: err = %v, want ErrNewerSchema naming 9999", err)
	}
	var n int
	if err := sc.admin.QueryRow(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != before {
		t.Errorf("schema_migrations after the refusal: %d rows, %v; want the %d from before", n, err, before)
	}
}

// TestOpenAtOnce: stores opening an empty schema at the same time take
// turns to migrate it; each migration is applied once.
func TestOpenAtOnce(t *testing.T) {
	sc := newSchema(t)
	const n = 4
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), sc.dsn)
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	wg.Wait()
	var count, newest int
	if err := sc.admin.QueryRow(t.Context(), `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&count, &newest); err != nil {
		t.Fatal(err)
	}
	if count != newest || count == 0 {
		t.Errorf("schema_migrations: %d rows up to version %d, want each migration once", count, newest)
	}
}

// TestOpenErrors: a server that cannot be reached is ErrUnavailable, a
// DSN that does not parse an error; no message holds the password. (Every
// DSN here names port 1 or does not parse: none may reach a server.)
func TestOpenErrors(t *testing.T) {
	const secret = "s3cret-Pa55"
	for _, tc := range []struct {
		name, dsn   string
		unavailable bool
	}{
		{"no server, URL", "postgres://aksupgrade:" + secret + "@127.0.0.1:1/test?sslmode=disable&connect_timeout=5", true},
		{"no server, key=value", "host=127.0.0.1 port=1 user=aksupgrade password=" + secret + " dbname=test sslmode=disable connect_timeout=5", true},
		{"no server, quoted", "host=127.0.0.1 port=1 user=aksupgrade password='" + secret + "' dbname=test sslmode=disable connect_timeout=5", true},
		{"bad port", "postgres://aksupgrade:" + secret + "@127.0.0.1:notaport/test", false},
		{"bad URL", "postgres://aksupgrade:" + secret + "@[::1/test", false},
		{"bad key=value", "host=127.0.0.1 password=" + secret + " port=notaport", false},
		{"unknown sslmode", "postgres://aksupgrade:" + secret + "@127.0.0.1:1/test?sslmode=sometimes", false},
	} {
		_, err := postgres.Open(t.Context(), tc.dsn)
		switch {
		case err == nil:
			t.Errorf("%s: Open: no error", tc.name)
			continue
		case strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "Pa55"):
			t.Errorf("%s: the error shows the password: %v", tc.name, err)
		case errors.Is(err, store.ErrUnavailable) != tc.unavailable:
			t.Errorf("%s: err = %v, want ErrUnavailable: %t", tc.name, err, tc.unavailable)
		}
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), secret) {
				t.Errorf("%s: a wrapped error shows the password: %v", tc.name, e)
			}
		}
	}
}

// TestUnavailable: a lock held longer than lock_timeout, and a closed
// store, are ErrUnavailable; reads do not wait for the lock.
func TestUnavailable(t *testing.T) {
	sc := newSchema(t)
	s := openStore(t, withParam(t, sc.dsn, "lock_timeout", "100"))
	ev := store.Event{Key: store.EventKey{Source: "s", ID: "1"}, Type: "t", ReceivedAt: time.Now()}

	tx, err := sc.admin.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), `LOCK TABLE events IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutEvent(t.Context(), ev); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("PutEvent while locked: err = %v, want ErrUnavailable", err)
	}
	if _, err := s.Events(t.Context(), 0); err != nil {
		t.Errorf("Events while locked: %v", err)
	}
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutEvent(t.Context(), ev); err != nil {
		t.Errorf("PutEvent after the lock was released: %v", err)
	}

	s.Close()
	if _, err := s.Events(t.Context(), 0); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Events after Close: err = %v, want ErrUnavailable", err)
	}
}

// TestInvalidText: what PostgreSQL cannot hold in text (a NUL byte) is
// ErrInvalid, not a failure of the database.
func TestInvalidText(t *testing.T) {
	s := openStore(t, newSchema(t).dsn)
	err := s.Log(t.Context(), store.AuditEntry{At: time.Now(), Actor: "a", Kind: "note", Message: "nul\x00byte"})
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Log with a NUL byte: err = %v, want ErrInvalid", err)
	}
	_, err = s.BeginStep(t.Context(), store.StepRecord{Stage: "test", Target: aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.4"},
		Step:      aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: "a\x00", Version: "1.31.4"},
		StartedAt: time.Now()})
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("BeginStep with a NUL byte: err = %v, want ErrInvalid", err)
	}
}

// TestKeptAsGiven: event data and notification messages come back byte
// for byte (json, not jsonb), and an event without a time keeps the zero
// time.
func TestKeptAsGiven(t *testing.T) {
	s := openStore(t, newSchema(t).dsn)
	ctx := t.Context()
	data := []byte("{\"b\": 1,  \"a\": [1.50, 2e3],\n \"b\": \"dup\"}")
	e := store.Event{Key: store.EventKey{Source: "s", ID: "1"}, Type: "t", ReceivedAt: time.Now(), Data: data}
	if _, err := s.PutEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, 0)
	if err != nil || len(evs) != 1 {
		t.Fatalf("Events = %v, %v", evs, err)
	}
	if string(evs[0].Data) != string(data) || !evs[0].Time.IsZero() {
		t.Errorf("event = data %q, time %v; want %q and the zero time", evs[0].Data, evs[0].Time, data)
	}
	msg := []byte(`{"summary":  "x",   "z":0}`)
	if err := s.EnqueueNotifications(ctx, []store.Outgoing{{Receiver: "r", Key: "k", Message: msg, CreatedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Notifications(ctx, 0)
	if err != nil || len(out) != 1 || string(out[0].Message) != string(msg) {
		t.Errorf("Notifications = %+v, %v; want the message as given", out, err)
	}
}

// TestConnectionLost: when the server ends the store's connections, a
// call fails with ErrUnavailable or succeeds on a new connection, and the
// store goes on working.
func TestConnectionLost(t *testing.T) {
	sc := newSchema(t)
	app := "test_lost_" + sc.name
	s := openStore(t, withParam(t, sc.dsn, "application_name", app), postgres.WithMaxConns(2))
	ctx := t.Context()
	if _, err := s.Events(ctx, 0); err != nil {
		t.Fatal(err)
	}
	var ended int
	if err := sc.admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&ended); err != nil || ended == 0 {
		t.Fatalf("terminate the store's connections: %d ended, %v", ended, err)
	}
	for range 3 {
		if _, err := s.Events(ctx, 0); err != nil && !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Events on a lost connection: err = %v, want nil or ErrUnavailable", err)
		}
	}
	if _, err := s.PutEvent(ctx, store.Event{Key: store.EventKey{Source: "s", ID: "1"}, Type: "t", ReceivedAt: time.Now()}); err != nil {
		t.Errorf("PutEvent after the connections were replaced: %v", err)
	}
}
