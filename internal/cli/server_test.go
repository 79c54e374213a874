package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/demo"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// people starts the application with two people's API tokens in
// files: alice, an operator, and victor, a viewer. It returns the
// --server flag and each one's --token-file flag.
func people(t *testing.T) (env *apptest.Env, srv, asAlice, asVictor string) {
	t.Helper()
	dir := t.TempDir()
	aliceSecret, aliceLine, err := auth.NewToken("alice", auth.Operator)
	if err != nil {
		t.Fatal(err)
	}
	victorSecret, victorLine, err := auth.NewToken("victor", auth.Viewer)
	if err != nil {
		t.Fatal(err)
	}
	aliceFile, victorFile := filepath.Join(dir, "alice.token"), filepath.Join(dir, "victor.token")
	for f, secret := range map[string]string{aliceFile: aliceSecret + "\n", victorFile: victorSecret} {
		if err := os.WriteFile(f, []byte(secret), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tokens, err := tokensFrom("", aliceLine+";"+victorLine)
	if err != nil {
		t.Fatal(err)
	}
	env = apptest.Start(t, func(o *app.Options) { o.Auth = tokens })
	return env, "--server=" + env.API.URL, "--token-file=" + aliceFile, "--token-file=" + victorFile
}

// TestCommandsAgainstServer runs status and rollout against a running
// application, as a person at a terminal would: alice, an operator, with
// her token in a file; victor, a viewer.
func TestCommandsAgainstServer(t *testing.T) {
	env, srv, asAlice, asVictor := people(t)
	env.Run(t, 32*time.Hour) // 1.31.5 through sandbox; dev halted by dev-weu-01's probe

	code, out, errOut := run(t, "status", srv, asVictor)
	if code != ExitOK {
		t.Fatalf("status: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"STAGE sandbox", "STAGE prod", "STAGE dev   window anytime   halted: postflight gates failed on dev-weu-01 after its upgrade to 1.31.5: probe shop-web", "dev-weu-01", "ROLLOUTS", "proven"} {
		if !strings.Contains(out, want) {
			t.Errorf("status does not show %q:\n%s", want, out)
		}
	}
	code, out, _ = run(t, "status", srv, asVictor, "-o", "json")
	if code != ExitOK || !strings.Contains(out, `"activeSteps"`) {
		t.Errorf("status json: exit %d: %.300s", code, out)
	}

	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"rollout", "list", srv, asVictor}, ExitOK, "1.31.5"},
		{[]string{"rollout", "list", srv}, ExitFailure, "send a valid token"},
		{[]string{"rollout", "show", "1.31.5", srv, asVictor}, ExitOK, "halted on dev-weu-01 at Mon 2 Jun 12:14 CEST: postflight gates failed"},
		{[]string{"rollout", "approve", "1.31.5", srv, asAlice}, ExitUsage, "say which stage: --stage NAME"},
		{[]string{"rollout", "approve", "1.31.5", "--stage", "dev", srv, asAlice}, ExitFailure, "nothing in stage dev awaits approval"},
		{[]string{"rollout", "pause", "9.9.9", srv, asAlice}, ExitFailure, "no rollout of 9.9.9"},
		{[]string{"rollout", "retry", "--stage", "dev", srv, asVictor}, ExitFailure, "victor is a viewer; this needs the operator role"},
		{[]string{"rollout", "retry", "--stage", "dev", "--by", "mallory", srv, asAlice}, ExitOK, "Retried stage dev (by alice): its halt is lifted."},
		{[]string{"rollout", "retry", "--stage", "dev", srv, asAlice}, ExitFailure, "stage dev is not halted"},
		{[]string{"rollout", "list", "--server=http://127.0.0.1:1"}, ExitFailure, "cannot reach the aksupgrade server"},
		{[]string{"events", "list", "--limit", "500", srv, asVictor}, ExitOK, "NewKubernetesVersionAvailable  AKS announced Kubernetes versions for sbx-weu-01: newest 1.32.3, stable 1.31.5"},
		{[]string{"events", "list", srv, asVictor}, ExitOK, "engine"},
	} {
		code, out, errOut := run(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.says) {
			t.Errorf("%v: exit %d, %q %q; want exit %d saying %q", tc.args, code, out, errOut, tc.code, tc.says)
		}
	}
}

// TestPlanLive plans from the live fleet (the simulator, through the Azure
// provider) and the service's database, which says that sbx-weu-01's
// preflight gates keep it waiting.
func TestPlanLive(t *testing.T) {
	env := apptest.Start(t)
	env.Sim.AddFault(simulator.Fault{ID: "pdb", Kind: simulator.FaultPDBBlocksDrain, Cluster: "sbx-weu-01", Namespace: "shop", Name: "web"})
	env.Run(t, 3*time.Hour)
	pol := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(pol, demo.Policy(), 0o644); err != nil {
		t.Fatal(err)
	}
	now := env.Clock.Now().Format(time.RFC3339)
	code, out, errOut := run(t, "plan", "--policy", pol, "--arm-endpoint", env.ARM.URL, "--db", env.DB, "--now", now, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res planner.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Stages) != 4 || len(res.Stages[3].Clusters) != 6 {
		t.Fatalf("plan of the live fleet: %d stages", len(res.Stages))
	}
	// The history came from the database: 1.31.5 is proven in sandbox.
	found := false
	for _, tp := range res.Stages[0].Targets {
		found = found || (tp.Target.Version == "1.31.5" && tp.State != planner.TargetPending)
	}
	if !found {
		t.Errorf("sandbox targets %+v do not show the stored rollout of 1.31.5", res.Stages[0].Targets)
	}
	for _, c := range res.Stages[0].Clusters {
		if c.Name == "sbx-weu-01" && (c.State != planner.ClusterGated || !strings.Contains(c.Reason, "shop/web")) {
			t.Errorf("sbx-weu-01: %s %q, want gated by the budget shop/web", c.State, c.Reason)
		}
	}
	code, _, errOut = run(t, "plan", "--policy", pol, "--arm-endpoint", "http://10.0.0.1:1")
	if code != ExitFailure || !strings.Contains(errOut, "plain http") && !strings.Contains(errOut, "loopback") {
		t.Errorf("plain http to a non-loopback endpoint: exit %d: %s", code, errOut)
	}
}
