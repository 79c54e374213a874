package postgres

import "testing"

// TestMigrations: the embedded migrations are numbered 1, 2, 3, ..., as
// SQLite's.
func TestMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0001_init", "0002_outbox", "0003_announced"}
	if len(ms) < len(want) {
		t.Fatalf("migrations = %d, want at least %d", len(ms), len(want))
	}
	for i, name := range want {
		if ms[i].name != name {
			t.Errorf("migration %d = %s, want %s (the same change as SQLite's)", i+1, ms[i].name, name)
		}
	}
}
