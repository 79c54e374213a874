package engine_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// TestBadOperatorInput: each request that does not make sense gets a clear
// error and changes nothing.
func TestBadOperatorInput(t *testing.T) {
	h := newHarness(t, "testdata/scenario.yaml", "testdata/policy.yaml")
	ctx := context.Background()
	// Run until sandbox is rolling 1.31.5 out.
	h.run(h.clk.Now().Add(7*time.Hour), nil, nil)
	k8s := func(v string) aksupgrade.Target {
		return aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: v}
	}

	before, err := h.st.Audit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() error
		code aksupgrade.ErrorCode
		says string
	}{
		{"pause an unknown rollout", func() error { return h.eng.Pause(ctx, k8s("1.29.1"), "alice", "") }, aksupgrade.ErrNotFound, "no rollout of 1.29.1; rollouts: "},
		{"resume a rollout that is not paused", func() error { return h.eng.Resume(ctx, k8s("1.31.5"), "alice") }, aksupgrade.ErrConflict, "is not paused"},
		{"approve what awaits no approval", func() error { return h.eng.Approve(ctx, "dev", k8s("1.31.5"), "alice") }, aksupgrade.ErrConflict, "nothing in stage dev awaits approval"},
		{"approve in an unknown stage", func() error { return h.eng.Approve(ctx, "staging", k8s("1.31.5"), "alice") }, aksupgrade.ErrNotFound, `no stage "staging"; the stages are sandbox, dev, test, prod`},
		{"retry a stage that is not halted", func() error { return h.eng.Retry(ctx, "sandbox", "alice") }, aksupgrade.ErrConflict, "stage sandbox is not halted"},
		{"move a cluster to another stage mid-rollout", func() error {
			moved, err := policy.Parse("moved.yaml", []byte(strings.Replace(policyText(t), "environment: sandbox", "environment: nonexistent", 1)))
			if err != nil {
				t.Fatal(err)
			}
			return h.eng.ReplacePolicy(ctx, moved)
		}, aksupgrade.ErrInvalid, "(upgrading in sandbox) would be in no stage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if aksupgrade.Code(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %v, want %s saying %q", err, tc.code, tc.says)
			}
		})
	}
	after, err := h.st.Audit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("refused requests wrote %d audit entries", len(after)-len(before))
	}
	// The engine still works, under the old policy.
	h.run(h.clk.Now().Add(time.Hour), nil, nil)
}

// TestOperatorActionsAreAudited: pause, resume and abort are recorded with
// who and when, and a paused rollout starts nothing.
func TestOperatorActionsAreAudited(t *testing.T) {
	h := newHarness(t, "testdata/scenario.yaml", "testdata/policy.yaml")
	ctx := context.Background()
	h.run(h.clk.Now().Add(6*time.Hour+10*time.Minute), nil, nil)
	target := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.5"}
	if err := h.eng.Pause(ctx, target, "alice", "waiting for the CVE triage"); err != nil {
		t.Fatal(err)
	}
	pausedAt := h.clk.Now()
	h.run(pausedAt.Add(12*time.Hour), nil, nil)
	startedAfter := func(at time.Time) int {
		steps, err := h.st.Steps(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range steps {
			if s.Target == target && s.StartedAt.After(at) {
				n++
			}
		}
		return n
	}
	if n := startedAfter(pausedAt); n != 0 {
		t.Errorf("%d steps towards paused %s started", n, target)
	}
	if err := h.eng.Resume(ctx, target, "bob"); err != nil {
		t.Fatal(err)
	}
	resumedAt := h.clk.Now()
	h.run(resumedAt.Add(12*time.Hour), nil, nil)
	if startedAfter(resumedAt) == 0 {
		t.Error("nothing started after the resume: the pause proved nothing")
	}
	entries, err := h.st.Audit(ctx, store.AuditQuery{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	var saw []string
	for _, e := range entries {
		if e.Kind == string(store.TransitionPaused) || e.Kind == string(store.TransitionResumed) {
			saw = append(saw, e.Actor+" "+e.Kind)
		}
	}
	if strings.Join(saw, ",") != "bob resumed,alice paused" {
		t.Errorf("audit of the rollout's pause and resume: %v", saw)
	}
}

func policyText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// flakyProvider fails to list clusters while down is set.
type flakyProvider struct {
	aksupgrade.Provider
	down *bool
}

func (p flakyProvider) Clusters(ctx context.Context, subs []string) ([]aksupgrade.Cluster, error) {
	if *p.down {
		return nil, &aksupgrade.Error{Code: aksupgrade.ErrThrottled, Message: "too many requests"}
	}
	return p.Provider.Clusters(ctx, subs)
}

// TestLastError: a failed step is kept, with its time, for people to
// see; a step that succeeds clears it.
func TestLastError(t *testing.T) {
	h := newHarness(t, "testdata/scenario.yaml", "testdata/policy.yaml")
	down := true
	h.wrap = func(s store.Store, p aksupgrade.Provider) (store.Store, aksupgrade.Provider) {
		return s, flakyProvider{p, &down}
	}
	h.restart()
	if _, err := h.eng.Step(t.Context()); err == nil {
		t.Fatal("a step with ARM throttling every list succeeded")
	}
	at, err := h.eng.LastError()
	if aksupgrade.Code(err) != aksupgrade.ErrThrottled || !at.Equal(h.clk.Now()) {
		t.Errorf("LastError = %v at %s, want the throttling now", err, at)
	}
	down = false
	if _, err := h.eng.Step(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.LastError(); err != nil {
		t.Errorf("LastError after a good step = %v, want nil", err)
	}
}

// TestRepeatedAndFinalActions: an action done already says who did it and
// when, and records nothing again; an aborted rollout cannot be resumed.
func TestRepeatedAndFinalActions(t *testing.T) {
	h := newHarness(t, "testdata/scenario.yaml", "testdata/policy.yaml")
	ctx := context.Background()
	// Run until something awaits approval in prod, and approve it as
	// alice.
	var target aksupgrade.Target
	var approvedAt time.Time
	approve := func(res *planner.Result) {
		for _, st := range res.Stages {
			for _, c := range st.Clusters {
				if approvedAt.IsZero() && st.Name == "prod" && c.State == planner.ClusterApproval && c.Target != nil {
					if err := h.eng.Approve(ctx, "prod", *c.Target, "alice"); err != nil {
						t.Fatal(err)
					}
					target, approvedAt = *c.Target, h.clk.Now()
				}
			}
		}
	}
	for deadline := h.clk.Now().Add(10 * 24 * time.Hour); approvedAt.IsZero(); {
		if !h.clk.Now().Before(deadline) {
			t.Fatal("nothing awaited approval in prod within 10 days")
		}
		h.run(h.clk.Now().Add(6*time.Hour), approve, nil)
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	before, err := h.st.Audit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() error
		code aksupgrade.ErrorCode
		says string
	}{
		// In the zone of prod's window, Europe/Oslo.
		{"approve twice", func() error { return h.eng.Approve(ctx, "prod", target, "bob") }, aksupgrade.ErrAlreadyDone,
			"already approved by alice at " + approvedAt.In(oslo).Format("Mon 2 Jan 15:04 MST") + ": " + target.String() + " may enter stage prod"},
		{"pause", func() error { return h.eng.Pause(ctx, target, "alice", "CVE triage") }, "", ""},
		{"pause twice", func() error { return h.eng.Pause(ctx, target, "bob", "") }, aksupgrade.ErrAlreadyDone,
			"already paused by alice at " + h.clk.Now().UTC().Format("Mon 2 Jan 15:04 MST") + ` ("CVE triage")`},
		{"abort", func() error { return h.eng.Abort(ctx, target, "bob", "bad release") }, "", ""},
		{"abort twice", func() error { return h.eng.Abort(ctx, target, "alice", "") }, aksupgrade.ErrAlreadyDone, `already aborted by bob at `},
		{"resume after the abort", func() error { return h.eng.Resume(ctx, target, "alice") }, aksupgrade.ErrConflict,
			"was aborted by bob at " + h.clk.Now().UTC().Format("Mon 2 Jan 15:04 MST") + ` ("bad release"); an aborted rollout cannot be resumed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if aksupgrade.Code(err) != tc.code || err != nil && !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %v, want %q saying %q", err, tc.code, tc.says)
			}
		})
	}
	after, err := h.st.Audit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range after[:len(after)-len(before)] {
		kinds = append(kinds, a.Actor+" "+a.Kind)
	}
	// Newest first: only the pause and the abort were recorded.
	if got := strings.Join(kinds, ","); got != "bob aborted,alice paused" {
		t.Errorf("audit entries the actions added: %s", got)
	}
	hist, err := h.st.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range hist.Rollouts {
		if r.Target == target && (r.Aborted == nil || r.Paused == nil) {
			t.Errorf("the rollout of %s after the refused resume: paused %v, aborted %v; want both kept", target, r.Paused, r.Aborted)
		}
	}
}
