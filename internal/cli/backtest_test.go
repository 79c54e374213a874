package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/backtest"
)

// TestBacktestExample replays twenty-four days of the real history (a release day, 8 February, inside) on the
// example fleet and policy: sandbox and dev take the patches that come,
// the JSON is the result's own shape, and the table says what it found.
func TestBacktestExample(t *testing.T) {
	args := []string{"backtest", "--policy", "../../examples/policy.yaml", "--fleet", "../../examples/fleet.yaml", "--from", "2026-02-01", "--to", "2026-02-25"}
	code, out, errOut := run(t, append(args, "-o", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Schemes []struct {
			Name string `json:"name"`
			backtest.Result
		} `json:"schemes"`
		LowerBoundRatio backtest.Stats `json:"lowerBoundRatio"`
		From, To        time.Time
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("the JSON: %v\n%s", err, out)
	}
	// The policy first, then every built-in scheme.
	var names []string
	for _, s := range rep.Schemes {
		names = append(names, s.Name)
	}
	if want := "policy.yaml aks-patch aks-stable weekday weekday-as-built fleet-manager"; strings.Join(names, " ") != want {
		t.Fatalf("schemes %v, want %s", names, want)
	}
	res := rep.Schemes[0].Result
	reached := 0
	for _, r := range res.Releases {
		if r.Stages[0].Reached != nil {
			reached++
		}
	}
	if reached == 0 || res.Upgrades == 0 || res.Steps == 0 {
		t.Fatalf("twenty-four days moved nothing: %d releases reached sandbox, %d upgrades, %d steps\n%s", reached, res.Upgrades, res.Steps, out)
	}
	// The table, over two days (its shape, not its numbers).
	code, out, errOut = run(t, "backtest", "--policy", "../../examples/policy.yaml", "--fleet", "../../examples/fleet.yaml", "--from", "2026-02-01", "--to", "2026-02-03")
	if code != 0 || !strings.Contains(out, "SCHEME") || !strings.Contains(out, "aks-patch") || !strings.Contains(out, "RELEASE") || !strings.Contains(out, "SANDBOX") || !strings.Contains(out, "Upgrades seen:") {
		t.Fatalf("exit %d, table:\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "backtest", "--policy", "../../examples/policy.yaml", "--fleet", "../../examples/fleet.yaml", "--from", "2026-02-01", "--to", "2026-02-03", "--compare", "aks-patch", "-o", "html")
	if code != 0 || !strings.HasPrefix(out, "<!doctype html>") || strings.Count(out, "<svg") < 2 {
		t.Errorf("-o html: exit %d, %d bytes, %d charts: %s", code, len(out), strings.Count(out, "<svg"), errOut)
	}
	if code, _, errOut = run(t, "backtest", "--policy", "../../examples/policy.yaml", "--fleet", "../../examples/fleet.yaml", "--compare", "aks-weekly"); code == 0 || !strings.Contains(errOut, "not a built-in scheme (aks-patch, aks-stable, weekday, weekday-as-built, fleet-manager)") {
		t.Errorf("an unknown scheme: exit %d: %s", code, errOut)
	}
	if code, _, errOut = run(t, "backtest", "--policy", "../../examples/policy.yaml", "--fleet", "../../examples/fleet.yaml", "--fault-rate", "2"); code == 0 || !strings.Contains(errOut, "--fault-rate 2 is not a probability") {
		t.Errorf("a fault rate above 1: exit %d: %s", code, errOut)
	}
	if code, _, errOut = run(t, "backtest", "--policy", "../../examples/policy.yaml", "--fleet", "../../examples/fleet.yaml", "--from", "2026-03-22", "--to", "2026-03-01"); code == 0 || !strings.Contains(errOut, "is not after --from") {
		t.Errorf("an end before the start: exit %d: %s", code, errOut)
	}
}
