package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestActiveStepsUseTheirIndex: the engine reads the steps in flight on
// every step; SQLite must find them through steps_active, not by reading
// every step ever made (its plan for the query names the index and no
// scan of the table in another order).
func TestActiveStepsUseTheirIndex(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "aksupgrade.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() }) // a test database in a temporary directory
	rows, err := s.reader.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+activeSteps)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "steps_active") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("query plan for the active steps = %q, want it through the index steps_active, with no sort", got)
	}
}
