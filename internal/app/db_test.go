package app_test

import (
	"testing"

	"github.com/aksupgrade/aksupgrade/internal/app"
)

func TestRedactDB(t *testing.T) {
	for _, tc := range []struct {
		db, want string
		pg       bool
	}{
		{"/var/lib/aksupgrade/state.db", "/var/lib/aksupgrade/state.db", false},
		{"postgres://aks@db:5432/aks?sslmode=verify-full", "postgres://aks@db:5432/aks?sslmode=verify-full", true},
		{"postgres://aks:s3cret@db:5432/aks", "postgres://aks:xxxxx@db:5432/aks", true},
		{"postgresql://db/aks?user=aks&password=s3cret", "postgresql://db/aks?password=xxxxx&user=aks", true},
		{"host=db dbname=aks user=aks password=s3cret sslmode=require", "host=db dbname=aks user=aks password=xxxxx sslmode=require", true},
		{"host=db dbname=aks password='s3 cret'", "host=db dbname=aks password=xxxxx", true},
	} {
		if got := app.RedactDB(tc.db); got != tc.want {
			t.Errorf("RedactDB(%q) = %q, want %q", tc.db, got, tc.want)
		}
		if got := app.IsPostgres(tc.db); got != tc.pg {
			t.Errorf("IsPostgres(%q) = %v, want %v", tc.db, got, tc.pg)
		}
		if app.HasPassword(tc.db) != (tc.db != tc.want) {
			t.Errorf("HasPassword(%q) wrong", tc.db)
		}
	}
}
