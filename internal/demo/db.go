package demo

import (
	"fmt"
	"os"
	"path/filepath"
)

// dbFile is where the service keeps its state.
type dbFile struct {
	path string
	// dir is the temporary directory to remove at the end; empty when the
	// file is the user's.
	dir string
}

// database is the file the service keeps its state in: path, which must
// not exist yet (the simulated Azure starts afresh, and so must the
// state), or a file in a new temporary directory.
func database(path string) (dbFile, error) {
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return dbFile{}, fmt.Errorf("database %s exists: the demo's simulated Azure starts afresh, so its state must too; give a new file, or none for a temporary one", path)
		}
		return dbFile{path: path}, nil
	}
	dir, err := os.MkdirTemp("", "aksupgrade-demo-")
	if err != nil {
		return dbFile{}, fmt.Errorf("a temporary directory for the demo's database: %w", err)
	}
	return dbFile{path: filepath.Join(dir, "state.db"), dir: dir}, nil
}

// remove removes the temporary directory, if any. Its error is dropped:
// the directory is in the system's temporary space, which the system
// cleans.
func (f dbFile) remove() {
	if f.dir != "" {
		_ = os.RemoveAll(f.dir)
	}
}
