package sqlite_test

import (
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// contents is everything a store returns.
type contents struct {
	Fleet   store.Fleet
	History aksupgrade.History
	Runs    []store.Run
	Steps   []store.StepRecord
	Audit   []store.AuditEntry
	Events  []store.Event
}

// fill writes data of every kind.
func fill(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	now := time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)
	k := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.4"}
	id := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-dev-01"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SaveFleet(ctx, store.Fleet{At: now, Clusters: []aksupgrade.Cluster{{ID: id, Name: "aks-dev-01", KubernetesVersion: "1.30.9"}},
		Catalogs: map[string]aksupgrade.KubernetesVersionList{"westeurope": {Values: []aksupgrade.KubernetesVersion{{Version: "1.31"}}}}}))
	must(s.Apply(ctx, store.Transition{Kind: store.TransitionStarted, Stage: "dev", Target: k, At: now, Actor: store.ActorEngine}))
	must(s.Apply(ctx, store.Transition{Kind: store.TransitionReached, Stage: "dev", Target: k, At: now.Add(time.Hour), Actor: store.ActorEngine, Evidence: []string{id}}))
	must(s.Apply(ctx, store.Transition{Kind: store.TransitionPaused, Target: k, At: now.Add(2 * time.Hour), Actor: "alice", Reason: "freeze"}))
	must(s.SetRun(ctx, store.Run{ClusterID: id, Stage: "dev", Target: k, State: store.RunControlPlane, UpdatedAt: now}))
	rec, err := s.BeginStep(ctx, store.StepRecord{Stage: "dev", Target: k, StartedAt: now,
		Step: aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: id, Version: "1.31.4"}})
	must(err)
	rec.State, rec.ResumeToken, rec.UpdatedAt = store.StepRunning, "resume-me", now.Add(time.Minute)
	must(s.UpdateStep(ctx, rec))
	must(s.Log(ctx, store.AuditEntry{At: now, Actor: "alice", Kind: "note", Message: "hello"}))
	_, err = s.PutEvent(ctx, store.Event{Key: store.EventKey{Source: "eventgrid", ID: "e1"}, Type: "t", Time: now, ReceivedAt: now, Data: []byte(`{"a":1}`)})
	must(err)
	_, err = s.PutEvent(ctx, store.Event{Key: store.EventKey{Source: "eventgrid", ID: "e2"}, Type: "t", Time: now, ReceivedAt: now})
	must(err)
	must(s.MarkProcessed(ctx, []store.EventKey{{Source: "eventgrid", ID: "e1"}}, now.Add(time.Second)))
}

// read returns everything s holds.
func read(t *testing.T, s store.Store) contents {
	t.Helper()
	ctx := t.Context()
	var (
		c   contents
		err error
	)
	for _, step := range []func() error{
		func() error { c.Fleet, err = s.Fleet(ctx); return err },
		func() error { c.History, err = s.History(ctx); return err },
		func() error { c.Runs, err = s.Runs(ctx); return err },
		func() error { c.Steps, err = s.Steps(ctx, "", 0); return err },
		func() error { c.Audit, err = s.Audit(ctx, store.AuditQuery{}); return err },
		func() error { c.Events, err = s.Events(ctx, 0); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestReopen: the file keeps everything across Close and Open, and the
// migrations are applied once.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aksupgrade.db")
	s := openAt(t, path)
	fill(t, s)
	want := read(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s := openAt(t, path)
		if diff := cmp.Diff(want, read(t, s)); diff != "" {
			t.Errorf("after reopening (-before +after):\n%s", diff)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db := rawDB(t, path)
	var n, max int
	if err := db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != max || n == 0 {
		t.Errorf("schema_migrations: %d rows up to version %d, want each migration once", n, max)
	}
}

// TestCrash: what was committed survives a process that dies without
// closing the store. The crash is simulated by copying the database and
// its write-ahead log while the store still has them open, as a dead
// process would leave them, and opening the copy.
func TestCrash(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "aksupgrade.db")
	s := openAt(t, path)
	fill(t, s)
	want := read(t, s)

	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no write-ahead log next to the database: %v", err)
	}
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	for _, suffix := range []string{"", "-wal"} {
		copyFile(t, path+suffix, crashed+suffix)
	}
	if diff := cmp.Diff(want, read(t, openAt(t, crashed))); diff != "" {
		t.Errorf("after a crash (-committed +recovered):\n%s", diff)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestNewerSchema: a database migrated by a newer aksupgrade is refused,
// and left as it was.
func TestNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aksupgrade.db")
	s := openAt(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_from_the_future')`); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(t.Context(), path)
	if !errors.Is(err, sqlite.ErrNewerSchema) || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("Open of a newer database: err = %v, want ErrNewerSchema naming 9999", err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n < 2 {
		t.Errorf("schema_migrations after the refusal: %d rows, %v", n, err)
	}
}

// TestOpenErrors: what Open refuses, and how.
func TestOpenErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "aksupgrade.db")
	if _, err := sqlite.Open(t.Context(), missing); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open in a missing directory: err = %v, want ErrUnavailable", err)
	}
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		if _, err := sqlite.Open(t.Context(), path); err == nil {
			t.Errorf("Open(%q): no error", path)
		}
	}
	notDB := filepath.Join(t.TempDir(), "not.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Open(t.Context(), notDB); err == nil {
		t.Errorf("Open of a file that is not a database: no error")
	}
}

// TestUnavailable: after Close, and while another connection holds the
// write lock longer than the busy timeout, the store answers
// ErrUnavailable.
func TestUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aksupgrade.db")
	s := openAt(t, path, sqlite.WithBusyTimeout(50*time.Millisecond))
	ev := store.Event{Key: store.EventKey{Source: "s", ID: "1"}, Type: "t", ReceivedAt: time.Now()}

	// Another process holds the write lock.
	db := rawDB(t, path)
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutEvent(t.Context(), ev); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("PutEvent while locked: err = %v, want ErrUnavailable", err)
	}
	// Readers are not blocked by the writer.
	if _, err := s.Events(t.Context(), 0); err != nil {
		t.Errorf("Events while locked: %v", err)
	}
	if _, err := conn.ExecContext(t.Context(), `ROLLBACK`); err != nil {
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

// rawDB opens path with no store around it, to look under the hood.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
