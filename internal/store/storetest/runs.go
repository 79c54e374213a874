package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// testRuns sets runs, in varying case, and lists them.
func testRuns(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	k := kube("1.31.4")
	a, b := clusterID("aks-test-01"), clusterID("aks-test-02")
	set := func(r store.Run) {
		t.Helper()
		if err := s.SetRun(ctx, r); err != nil {
			t.Fatalf("SetRun(%s %s): %v", r.ClusterID, r.State, err)
		}
	}
	if runs, err := s.Runs(ctx); err != nil || len(runs) != 0 {
		t.Fatalf("Runs of an empty store = %v, %v; want none", runs, err)
	}
	set(store.Run{ClusterID: b, Stage: "test", Target: k, State: store.RunPending, UpdatedAt: at(0)})
	set(store.Run{ClusterID: a, Stage: "test", Target: k, State: store.RunPending, UpdatedAt: at(0)})
	set(store.Run{ClusterID: strings.ToUpper(a), Stage: "test", Target: k, State: store.RunPreflight, UpdatedAt: at(time.Minute)})
	// The same state with another reason: recorded, but no new audit entry.
	set(store.Run{ClusterID: strings.ToUpper(a), Stage: "test", Target: k, State: store.RunPreflight, Reason: "waiting for quota",
		UpdatedAt: at(2 * time.Minute)})
	set(store.Run{ClusterID: b, Stage: "test", Target: k, State: store.RunFailed, Reason: "drainFailed: PDB", UpdatedAt: at(time.Hour)})

	want := []store.Run{
		{ClusterID: strings.ToUpper(a), Stage: "test", Target: k, State: store.RunPreflight, Reason: "waiting for quota", UpdatedAt: at(2 * time.Minute)},
		{ClusterID: b, Stage: "test", Target: k, State: store.RunFailed, Reason: "drainFailed: PDB", UpdatedAt: at(time.Hour)},
	}
	runs, err := s.Runs(ctx)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	if diff := cmp.Diff(want, runs); diff != "" {
		t.Errorf("Runs (-want +got):\n%s", diff)
	}

	entries := mustAudit(t, s, store.AuditQuery{})
	wantEntries := []store.AuditEntry{
		{At: at(time.Hour), Actor: "engine", Kind: store.AuditKindRun, Stage: "test", Target: k, Cluster: b,
			Message: "aks-test-02 in test towards 1.31.4: failed: drainFailed: PDB"},
		{At: at(time.Minute), Actor: "engine", Kind: store.AuditKindRun, Stage: "test", Target: k, Cluster: strings.ToUpper(a),
			Message: "AKS-TEST-01 in test towards 1.31.4: preflight"},
		{At: at(0), Actor: "engine", Kind: store.AuditKindRun, Stage: "test", Target: k, Cluster: a,
			Message: "aks-test-01 in test towards 1.31.4: pending"},
		{At: at(0), Actor: "engine", Kind: store.AuditKindRun, Stage: "test", Target: k, Cluster: b,
			Message: "aks-test-02 in test towards 1.31.4: pending"},
	}
	if diff := cmp.Diff(wantEntries, entries, cmpIgnoreAuditID()); diff != "" {
		t.Errorf("Audit (-want +got):\n%s", diff)
	}

	for _, bad := range []store.Run{
		{Stage: "test", State: store.RunPending, UpdatedAt: at(0)},
		{ClusterID: a, State: "upgrading", UpdatedAt: at(0)},
		{ClusterID: a, State: store.RunDone},
	} {
		if err := s.SetRun(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("SetRun(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}
