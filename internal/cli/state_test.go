package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/server"
)

// TestStatusTellsTheWholeState: status and rollout list say, from the
// rollouts as stored now, what awaits approval, what is approved, paused
// and aborted, each cluster's next target and how old the fleet's
// observation is; operator commands answer in sentences that name the
// actor, say when an action was done already, and refuse to resume an
// aborted rollout.
func TestStatusTellsTheWholeState(t *testing.T) {
	env, srv, asAlice, asVictor := people(t)
	untilProdAwaits(t, env, srv, asAlice)
	v1323 := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.32.3"}

	st := statusJSON(t, srv, asVictor)
	out := mustRun(t, "status", srv, asVictor)
	fleetAge := "(fleet observed " + ago(st.Now, *st.FleetAt) + ")"
	wantLines(t, "status", out, map[string][]string{
		"Status at ":  {longTime(st.Now, oslo(t)), fleetAge},
		"STAGE prod ": {"awaiting approval of 1.32.3"},
		// The TARGET column: what the cluster waits to go to.
		"  CLUSTER ": {"VERSION  NODE IMAGE   TARGET  STEP"},
	})
	for _, c := range clustersOf(st, "prod") {
		if c.State != planner.ClusterApproval {
			continue
		}
		if f := strings.Fields(lineOf(t, out, "  "+c.Name+" ")); len(f) < 4 || f[3] != "1.32.3" {
			t.Errorf("%s's line has no TARGET 1.32.3: %q", c.Name, f)
		}
	}
	wantLines(t, "rollout list", mustRun(t, "rollout", "list", srv, asVictor), map[string][]string{
		"TARGET ": {"STATE", "SANDBOX", "PROD"},
		"1.32.3 ": {"awaiting approval in prod", "proven "},
	})

	// Pause twice, approve twice.
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"rollout", "pause", "1.32.3", "--reason", "CVE triage"}, `Paused the rollout of 1.32.3 (by alice): "CVE triage".` + "\n"},
		{[]string{"rollout", "pause", "1.32.3"}, `Already paused by alice at ` + humanTimeUTC(env.Clock.Now()) + ` ("CVE triage"): the rollout of 1.32.3 starts nothing new until it is resumed.` + "\n"},
		{[]string{"rollout", "approve", "1.32.3", "--stage", "prod"}, "Approved 1.32.3 for prod (by alice).\n"},
		// In the zone of prod's window, Europe/Oslo.
		{[]string{"rollout", "approve", "1.32.3", "--stage", "prod"}, "Already approved by alice at " + humanTime(env.Clock.Now(), oslo(t)) + ": 1.32.3 may enter stage prod.\n"},
	} {
		if got := mustRun(t, append(tc.args, srv, asAlice)...); got != tc.says {
			t.Errorf("%v says %q, want %q", tc.args, got, tc.says)
		}
	}
	// The engine has not stepped since: its plan still has 1.32.3
	// waiting for approval, the stored rollout says better.
	if !slices.Contains(awaitingApproval(planOf(t, env), "prod"), v1323) {
		t.Fatal("the plan moved on: the test no longer shows that status reads the rollouts as stored")
	}
	out = mustRun(t, "status", srv, asVictor)
	wantLines(t, "status", out, map[string][]string{
		"STAGE prod ": {"1.32.3 approved by alice", "1.32.3 paused by alice: CVE triage"},
		"  1.32.3 ":   {"(paused by alice: CVE triage)", "approved by alice"},
	})
	if strings.Contains(lineOf(t, out, "STAGE prod "), "awaiting approval") {
		t.Errorf("status has prod awaiting the approval given:\n%s", out)
	}
	wantLines(t, "rollout list", mustRun(t, "rollout", "list", srv, asVictor), map[string][]string{
		"1.32.3 ": {"paused by alice: CVE triage", "approved by alice"},
	})

	// Abort, twice; then a resume is refused.
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"rollout", "abort", "1.32.3", "--reason", "bad release"}, `Aborted the rollout of 1.32.3 (by alice): "bad release".` + "\n"},
		{[]string{"rollout", "abort", "1.32.3"}, `Already aborted by alice at ` + humanTimeUTC(env.Clock.Now()) + ` ("bad release"): no stage receives 1.32.3 any more.` + "\n"},
	} {
		if got := mustRun(t, append(tc.args, srv, asAlice)...); got != tc.says {
			t.Errorf("%v says %q, want %q", tc.args, got, tc.says)
		}
	}
	code, out, errOut := run(t, "rollout", "resume", "1.32.3", srv, asAlice)
	if code != ExitFailure || out != "" || !strings.Contains(errOut, "the rollout of 1.32.3 was aborted by alice at") || !strings.Contains(errOut, "an aborted rollout cannot be resumed") {
		t.Errorf("resume after the abort: exit %d, %q %q; want 1 saying it cannot be resumed", code, out, errOut)
	}
	wantLines(t, "status", mustRun(t, "status", srv, asVictor), map[string][]string{
		"STAGE prod ": {"1.32.3 aborted by alice: bad release"},
		"  1.32.3 ":   {"(aborted by alice: bad release)"},
	})
	wantLines(t, "rollout list", mustRun(t, "rollout", "list", srv, asVictor), map[string][]string{
		"1.32.3 ": {"aborted by alice: bad release"},
	})
	wantLines(t, "rollout show", mustRun(t, "rollout", "show", "1.32.3", srv, asVictor), map[string][]string{
		"  ABORTED ": {"by alice at " + humanTime(env.Clock.Now(), oslo(t)) + ": bad release; no stage receives it any more"},
	})
}

// untilProdAwaits runs the application until something awaits approval
// in prod, fixing what halts a stage and retrying it as alice would.
func untilProdAwaits(t *testing.T, env *apptest.Env, srv, asAlice string) {
	t.Helper()
	for deadline := env.Clock.Now().Add(5 * 24 * time.Hour); env.Clock.Now().Before(deadline); {
		env.Run(t, 2*time.Hour)
		res := planOf(t, env)
		if len(awaitingApproval(res, "prod")) > 0 {
			return
		}
		for _, sp := range res.Stages {
			if sp.Halted == "" {
				continue
			}
			for _, f := range env.Sim.Faults() {
				env.Sim.ClearFault(f.ID)
			}
			mustRun(t, "rollout", "retry", "--stage", sp.Name, srv, asAlice)
		}
	}
	t.Fatal("nothing awaits approval in prod after 5 days")
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != ExitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	return out
}

func statusJSON(t *testing.T, srv, token string) server.Status {
	t.Helper()
	var st server.Status
	if err := json.Unmarshal([]byte(mustRun(t, "status", "-o", "json", srv, token)), &st); err != nil {
		t.Fatal(err)
	}
	if st.FleetAt == nil || st.Plan == nil {
		t.Fatalf("status without a fleet observation or a plan: %+v", st)
	}
	return st
}

func clustersOf(st server.Status, stage string) []planner.ClusterPlan {
	for _, sp := range st.Plan.Stages {
		if sp.Name == stage {
			return sp.Clusters
		}
	}
	return nil
}

// lineOf returns the first line of out that starts with prefix.
func lineOf(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no line starts with %q:\n%s", prefix, out)
	return ""
}

// wantLines checks that the first line of out starting with each prefix
// says each of its words.
func wantLines(t *testing.T, what, out string, want map[string][]string) {
	t.Helper()
	for prefix, says := range want {
		l := lineOf(t, out, prefix)
		for _, s := range says {
			if !strings.Contains(l, s) {
				t.Errorf("%s: the line %q does not say %q\n%s", what, l, s, out)
			}
		}
	}
}

// planOf is the engine's last plan.
func planOf(t *testing.T, env *apptest.Env) *planner.Result {
	t.Helper()
	res, err := env.App.Engine.LastPlan()
	if err != nil || res == nil {
		t.Fatalf("no plan: %v", err)
	}
	return res
}

func humanTimeUTC(t time.Time) string { return humanTime(t, time.UTC) }
