package sqlite

import "testing"

// TestMigrations: the embedded migrations are numbered 1, 2, 3, ...
func TestMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].name != "0001_init" {
		t.Fatalf("migrations = %+v, want 0001_init first", ms)
	}
}
