package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// controlPlane returns a step record ready for BeginStep.
func controlPlane(cluster string, started time.Time) store.StepRecord {
	return store.StepRecord{
		Stage:     "test",
		Target:    kube("1.31.4"),
		Step:      aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: cluster, Version: "1.31.4"},
		StartedAt: started,
	}
}

func mustBegin(t *testing.T, s store.Store, r store.StepRecord) store.StepRecord {
	t.Helper()
	got, err := s.BeginStep(t.Context(), r)
	if err != nil {
		t.Fatalf("BeginStep(%s): %v", r.Describe(), err)
	}
	return got
}

func mustUpdate(t *testing.T, s store.Store, r store.StepRecord) {
	t.Helper()
	if err := s.UpdateStep(t.Context(), r); err != nil {
		t.Fatalf("UpdateStep(%d %s): %v", r.ID, r.State, err)
	}
}

func testSteps(t *testing.T, open Opener) {
	t.Run("OneActivePerCluster", func(t *testing.T) { testOneActiveStep(t, open) })
	t.Run("Update", func(t *testing.T) { testUpdateStep(t, open) })
	t.Run("List", func(t *testing.T) { testListSteps(t, open) })
	t.Run("Invalid", func(t *testing.T) { testInvalidSteps(t, open) })
}

// testOneActiveStep: a second step on a cluster is refused while the
// first is issuing or running, and allowed once it ended, however it
// ended.
func testOneActiveStep(t *testing.T, open Opener) {
	a := clusterID("aks-test-01")
	for _, end := range []store.StepState{store.StepSucceeded, store.StepFailed, store.StepAbandoned} {
		t.Run(string(end), func(t *testing.T) {
			s := open(t)
			ctx := t.Context()
			first := mustBegin(t, s, controlPlane(a, at(0)))
			if first.ID <= 0 || first.State != store.StepIssuing || !first.UpdatedAt.Equal(at(0)) {
				t.Fatalf("BeginStep = %+v, want an ID, issuing, UpdatedAt = StartedAt", first)
			}
			for _, id := range []string{a, strings.ToUpper(a), a + "/"} {
				if _, err := s.BeginStep(ctx, controlPlane(id, at(time.Minute))); !errors.Is(err, store.ErrActiveStep) {
					t.Errorf("second BeginStep while issuing, as %q: err = %v, want ErrActiveStep", id, err)
				}
			}
			// Another cluster is not in the way.
			mustBegin(t, s, controlPlane(clusterID("aks-test-02"), at(time.Minute)))

			first.State, first.ResumeToken, first.UpdatedAt = store.StepRunning, "token-1", at(2*time.Minute)
			mustUpdate(t, s, first)
			if _, err := s.BeginStep(ctx, controlPlane(a, at(3*time.Minute))); !errors.Is(err, store.ErrActiveStep) {
				t.Errorf("second BeginStep while running: err = %v, want ErrActiveStep", err)
			}

			first.State, first.UpdatedAt = end, at(time.Hour)
			mustUpdate(t, s, first)
			next := mustBegin(t, s, controlPlane(strings.ToUpper(a), at(2*time.Hour)))
			if next.ID == first.ID {
				t.Errorf("the next step reuses ID %d", next.ID)
			}
		})
	}
}

// testUpdateStep moves a step through its states.
func testUpdateStep(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	a := clusterID("aks-test-01")
	pool := store.StepRecord{
		Stage:  "test",
		Target: kube("1.31.4"),
		Step:   aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: a, Pool: "user1", Version: "1.31.4"},
		// Begun in another zone: it comes back in UTC.
		StartedAt: at(0).In(time.FixedZone("CET", 3600)),
	}
	rec := mustBegin(t, s, pool)
	want := pool
	want.ID, want.State, want.StartedAt, want.UpdatedAt = rec.ID, store.StepIssuing, at(0), at(0)
	if diff := cmp.Diff(want, rec); diff != "" {
		t.Errorf("BeginStep (-want +got):\n%s", diff)
	}

	if err := s.UpdateStep(ctx, store.StepRecord{ID: rec.ID, State: store.StepRunning, UpdatedAt: at(time.Minute)}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("running without a resume token: err = %v, want ErrInvalid", err)
	}
	if err := s.UpdateStep(ctx, store.StepRecord{ID: rec.ID + 100, State: store.StepFailed, UpdatedAt: at(time.Minute)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown step: err = %v, want ErrNotFound", err)
	}

	mustUpdate(t, s, store.StepRecord{ID: rec.ID, State: store.StepRunning, ResumeToken: "opaque-token", UpdatedAt: at(time.Minute)})
	// Only the step's progress changes; an empty token keeps the stored one.
	mustUpdate(t, s, store.StepRecord{ID: rec.ID, Stage: "prod", State: store.StepFailed, UpdatedAt: at(time.Hour),
		ErrorCode: aksupgrade.ErrDrainFailed, Error: "PodDisruptionBudget allows no disruption"})
	want.State, want.ResumeToken, want.UpdatedAt = store.StepFailed, "opaque-token", at(time.Hour)
	want.ErrorCode, want.Error = aksupgrade.ErrDrainFailed, "PodDisruptionBudget allows no disruption"
	got, err := s.Steps(ctx, a, 0)
	if err != nil {
		t.Fatalf("Steps: %v", err)
	}
	if diff := cmp.Diff([]store.StepRecord{want}, got); diff != "" {
		t.Errorf("Steps after updates (-want +got):\n%s", diff)
	}

	// An ended step does not change any more; its end again is a no-op.
	mustUpdate(t, s, store.StepRecord{ID: rec.ID, State: store.StepFailed, UpdatedAt: at(2 * time.Hour)})
	if err := s.UpdateStep(ctx, store.StepRecord{ID: rec.ID, State: store.StepRunning, ResumeToken: "t", UpdatedAt: at(2 * time.Hour)}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("reopening an ended step: err = %v, want ErrInvalid", err)
	}
	if got, _ := s.Steps(ctx, a, 0); len(got) != 1 || !cmp.Equal(want, got[0]) {
		t.Errorf("ended step changed: %s", cmp.Diff([]store.StepRecord{want}, got))
	}

	// Every change of state is audited.
	entries := mustAudit(t, s, store.AuditQuery{Cluster: a})
	wantMessages := []string{
		"node pool user1 of aks-test-01 to 1.31.4: failed (drainFailed: PodDisruptionBudget allows no disruption)",
		"node pool user1 of aks-test-01 to 1.31.4: running",
		"node pool user1 of aks-test-01 to 1.31.4: issuing",
	}
	var messages []string
	for _, e := range entries {
		if e.Kind != store.AuditKindStep || e.Actor != store.ActorEngine || e.Stage != "test" {
			t.Errorf("step audit entry %+v: want kind step, actor engine, stage test", e)
		}
		messages = append(messages, e.Message)
	}
	if diff := cmp.Diff(wantMessages, messages); diff != "" {
		t.Errorf("step audit messages (-want +got):\n%s", diff)
	}
}

// testListSteps checks ActiveSteps and Steps' order, filter and limit.
func testListSteps(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	a, b, c := clusterID("aks-test-01"), clusterID("aks-test-02"), clusterID("aks-test-03")
	var ofA []store.StepRecord // oldest first
	for i := range 5 {
		r := mustBegin(t, s, controlPlane(a, at(time.Duration(i)*time.Hour)))
		r.State, r.UpdatedAt = store.StepSucceeded, at(time.Duration(i)*time.Hour+time.Minute)
		mustUpdate(t, s, r)
		ofA = append(ofA, r)
	}
	activeB := mustBegin(t, s, controlPlane(b, at(30*time.Minute)))
	activeC := mustBegin(t, s, controlPlane(c, at(10*time.Minute)))
	activeC.State, activeC.ResumeToken, activeC.UpdatedAt = store.StepRunning, "token-c", at(11*time.Minute)
	mustUpdate(t, s, activeC)
	// Same start as the newest step of a: the later ID is newer.
	lastA := mustBegin(t, s, controlPlane(a, at(4*time.Hour)))
	ofA = append(ofA, lastA)

	active, err := s.ActiveSteps(ctx)
	if err != nil {
		t.Fatalf("ActiveSteps: %v", err)
	}
	if diff := cmp.Diff([]store.StepRecord{activeC, activeB, lastA}, active); diff != "" {
		t.Errorf("ActiveSteps, oldest first (-want +got):\n%s", diff)
	}

	newestA := reversed(ofA)
	for _, tc := range []struct {
		name    string
		cluster string
		limit   int
		want    []store.StepRecord
	}{
		{"one cluster", a, 0, newestA},
		{"one cluster in another case", strings.ToUpper(a), -1, newestA},
		{"limit", a, 3, newestA[:3]},
		{"every cluster", "", 0, append(append([]store.StepRecord{}, newestA[:5]...), activeB, activeC, ofA[0])},
		{"every cluster, limit", "", 2, newestA[:2]},
		{"unknown cluster", clusterID("nope"), 0, nil},
	} {
		got, err := s.Steps(ctx, tc.cluster, tc.limit)
		if err != nil {
			t.Fatalf("%s: Steps: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: Steps(%q, %d) (-want +got):\n%s", tc.name, tc.cluster, tc.limit, diff)
		}
	}
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// testInvalidSteps: incomplete steps are refused.
func testInvalidSteps(t *testing.T, open Opener) {
	s := open(t)
	a := clusterID("aks-test-01")
	for _, tc := range []struct {
		name   string
		change func(*store.StepRecord)
	}{
		{"no cluster", func(r *store.StepRecord) { r.Step.ClusterID = "" }},
		{"unknown kind", func(r *store.StepRecord) { r.Step.Kind = "reboot" }},
		{"control plane without version", func(r *store.StepRecord) { r.Step.Version = "" }},
		{"node pool without pool", func(r *store.StepRecord) { r.Step.Kind = aksupgrade.StepNodePool }},
		{"node image without pool", func(r *store.StepRecord) { r.Step.Kind = aksupgrade.StepNodeImage }},
		{"no stage", func(r *store.StepRecord) { r.Stage = "" }},
		{"no target", func(r *store.StepRecord) { r.Target = aksupgrade.Target{} }},
		{"no start", func(r *store.StepRecord) { r.StartedAt = time.Time{} }},
		{"begun running", func(r *store.StepRecord) { r.State, r.ResumeToken = store.StepRunning, "t" }},
	} {
		r := controlPlane(a, at(0))
		tc.change(&r)
		if _, err := s.BeginStep(t.Context(), r); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: BeginStep = %v, want ErrInvalid", tc.name, err)
		}
	}
	if steps, err := s.Steps(t.Context(), "", 0); err != nil || len(steps) != 0 {
		t.Errorf("Steps after invalid begins = %v, %v; want none", steps, err)
	}
	if err := s.UpdateStep(t.Context(), store.StepRecord{ID: 1, State: "paused", UpdatedAt: at(0)}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("UpdateStep to an unknown state = %v, want ErrInvalid", err)
	}
}
