package cli

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// TestGatesCheck: gates check reads the simulated fleet and each
// cluster's API, says what would block an upgrade and why, and exits 1
// when a blocking gate fails.
func TestGatesCheck(t *testing.T) {
	sc, err := simulator.LoadScenario("../simulator/testdata/clusterapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulator.New(simulator.Options{Clock: clock.NewManual(sc.Start), Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	arm := httptest.NewServer(sim.Handler())
	t.Cleanup(arm.Close)
	pol := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(pol, []byte(`apiVersion: aksupgrade/v1
kubernetes: {channel: patch}
nodeImage: {channel: none}
stages:
  - name: all
    selector: {resourceGroups: [rg-a, rg-b]}
    window: {schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "gates", "check", "--policy", pol, "--arm-endpoint", arm.URL, "--cluster", "aks-strict", "--target", "1.31.4")
	if code != ExitFailure || !strings.Contains(errOut, "blocking gate") {
		t.Errorf("exit %d, stderr %q; want 1 saying a blocking gate failed", code, errOut)
	}
	for _, want := range []string{"aks-strict (stage all", "drainBlockers", "payments/ledger-pdb (0 of 2 pods may go)", "to fix:", "nodes", "passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = run(t, "gates", "check", "--policy", pol, "--arm-endpoint", arm.URL, "--cluster", "aks-local", "-o", "json")
	if code != ExitOK {
		t.Fatalf("aks-local: exit %d: %s\n%s", code, errOut, out)
	}
	var rows []struct {
		Cluster string                  `json:"cluster"`
		Results []aksupgrade.GateResult `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || rows[0].Cluster != "aks-local" {
		t.Fatalf("JSON %q: %v", out, err)
	}
	for _, r := range rows[0].Results {
		if r.Verdict != aksupgrade.GatePassed {
			t.Errorf("aks-local's %s: %s (%s), want passed", r.Gate, r.Verdict, r.Saw)
		}
	}
	if code, _, errOut := run(t, "gates", "check", "--policy", pol, "--arm-endpoint", arm.URL, "--cluster", "nope"); code != ExitFailure || !strings.Contains(errOut, "no cluster matches") {
		t.Errorf("an unknown cluster: exit %d, %q", code, errOut)
	}
}
