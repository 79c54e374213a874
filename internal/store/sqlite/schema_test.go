package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// TestOneActiveStepInSchema: the database itself refuses a second active
// step on a cluster, whatever the code above it does.
func TestOneActiveStepInSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aksupgrade.db")
	openAt(t, path)
	db := rawDB(t, path)
	insert := func(key, state string) error {
		_, err := db.Exec(`INSERT INTO steps (cluster_id, cluster_key, stage, target_kind, target_version, step_kind, state, started_at, updated_at)
VALUES (?, ?, 'dev', 'kubernetes', '1.31.4', 'controlPlane', ?, '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z')`, key, key, state)
		return err
	}
	for _, state := range []string{"succeeded", "failed", "abandoned", "issuing"} {
		if err := insert("a", state); err != nil {
			t.Fatalf("insert %s step: %v", state, err)
		}
	}
	if err := insert("a", "running"); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Errorf("second active step: err = %v, want a UNIQUE constraint failure", err)
	}
	if err := insert("b", "running"); err != nil {
		t.Errorf("active step on another cluster: %v", err)
	}
	if err := insert("c", "paused"); err == nil {
		t.Errorf("step in an unknown state: no error")
	}
}

// TestAuditAppendOnly: the database refuses to change or delete audit
// entries.
func TestAuditAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aksupgrade.db")
	s := openAt(t, path)
	if err := s.Log(t.Context(), store.AuditEntry{At: time.Now(), Actor: "a", Kind: "note", Message: "m"}); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, stmt := range []string{`UPDATE audit SET message = 'changed'`, `DELETE FROM audit`} {
		if _, err := db.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want refused as append-only", stmt, err)
		}
	}
}

// TestTwoStoresOneFile: two stores on one file, as two processes would
// be, write at once; the IMMEDIATE transactions and the busy timeout make
// them take turns instead of failing.
func TestTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aksupgrade.db")
	stores := []store.Store{openAt(t, path), openAt(t, path)}
	const each = 100
	var wg sync.WaitGroup
	for i, s := range stores {
		for w := range 2 {
			wg.Go(func() {
				ctx := context.Background()
				target := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: fmt.Sprintf("1.31.%d", i*2+w)}
				for n := range each {
					tr := store.Transition{Kind: store.TransitionStarted, Stage: fmt.Sprint("s", n), Target: target,
						At: time.Unix(int64(n), 0), Actor: store.ActorEngine}
					if err := s.Apply(ctx, tr); err != nil {
						t.Errorf("store %d: Apply: %v", i, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	entries, err := stores[0].Audit(t.Context(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4*each {
		t.Errorf("audit entries: %d, want %d", len(entries), 4*each)
	}
}
