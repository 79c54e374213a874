package demo

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListenFallsBackToAFreePort: a taken address gives way to a free
// port of the same host; an address other hosts reach is refused, the
// API having no authentication.
func TestListenFallsBackToAFreePort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = taken.Close() }() // the test's own listener
	l, err := listen(taken.Addr().String())
	if err != nil {
		t.Fatalf("listen on a taken address: %v", err)
	}
	defer func() { _ = l.Close() }() // the test's own listener
	host, port, _ := net.SplitHostPort(l.Addr().String())
	_, takenPort, _ := net.SplitHostPort(taken.Addr().String())
	if host != "127.0.0.1" || port == takenPort {
		t.Errorf("listening on %s with %s taken: want another port of 127.0.0.1", l.Addr(), taken.Addr())
	}
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "10.1.2.3:8080", "8080"} {
		if l, err := listen(addr); err == nil {
			_ = l.Close() // the test's own listener
			t.Errorf("listen(%q) succeeded, want it refused", addr)
		}
	}
}

// TestDatabase: by default the state goes to a new temporary directory
// (never the working directory), removed at the end; a file given must
// not exist yet.
func TestDatabase(t *testing.T) {
	db, err := database("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(db.path, os.TempDir()) || filepath.Dir(db.path) != db.dir {
		t.Errorf("database in %s, want a file in a new directory under %s", db.path, os.TempDir())
	}
	db.remove()
	if _, err := os.Stat(db.dir); !os.IsNotExist(err) {
		t.Errorf("the temporary directory %s is still there: %v", db.dir, err)
	}
	mine := filepath.Join(t.TempDir(), "demo.db")
	if db, err := database(mine); err != nil || db.path != mine || db.dir != "" {
		t.Errorf("database(%q) = %+v, %v; want that file, kept", mine, db, err)
	}
	if err := os.WriteFile(mine, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := database(mine); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("database(an existing file) = %v, want it refused", err)
	}
}
