package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/storetest"
)

func TestConformanceReopen(t *testing.T) {
	storetest.RunReopen(t, func(t *testing.T) (store.Store, func() store.Store) {
		path := filepath.Join(t.TempDir(), "aksupgrade.db")
		s := openAt(t, path)
		return s, func() store.Store {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return openAt(t, path)
		}
	})
}
