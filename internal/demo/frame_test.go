package demo

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
)

var update = flag.Bool("update", false, "rewrite testdata/view-*.txt")

// midStory is the view of the demo's fleet at its busiest: dev halted on
// a probe, test-weu-01 gated by a deprecated API, prod waiting for
// approval, a conflict, long reasons.
func midStory() frame {
	cp := func(name, loc, cur string, st planner.ClusterState, target, reason string) planner.ClusterPlan {
		c := planner.ClusterPlan{Name: name, Location: loc, Current: cur, State: st, Reason: reason}
		if target != "" {
			c.Target = &aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: target}
		}
		return c
	}
	f := frame{Header: "aksupgrade demo · simulated Tue 06-03 09:00 UTC (day 1 09:00) · 5400× real time · 4211 ARM requests so far",
		Links: "Dashboard http://127.0.0.1:8080/ · API http://127.0.0.1:8080/api/v1/status"}
	f.Stages = []frameStage{
		{Name: "sandbox", Clusters: []planner.ClusterPlan{
			cp("sbx-weu-01", "westeurope", "1.32.3", planner.ClusterUpToDate, "", "up to date"),
			cp("sbx-weu-02", "westeurope", "1.32.3", planner.ClusterUpToDate, "", "up to date"),
			cp("sbx-neu-01", "northeurope", "1.32.3", planner.ClusterUpToDate, "", "up to date")}},
		{Name: "dev", Halted: "postflight gates failed on dev-weu-01 after its upgrade to 1.31.5: probe shop-web: GET http://127.0.0.1:8090/probe/6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f/rg-dev/dev-weu-01 answered 503, want 200", Clusters: []planner.ClusterPlan{
			cp("dev-weu-01", "westeurope", "1.31.5", planner.ClusterHalted, "1.32.3", "stage dev is halted: postflight gates failed on dev-weu-01 after its upgrade to 1.31.5: probe shop-web answered 503; fix it, then aksupgrade rollout retry --stage dev"),
			cp("dev-weu-02", "westeurope", "1.31.5", planner.ClusterWaiting, "1.32.3", "stage dev is halted"),
			cp("dev-neu-01", "northeurope", "1.31.4", planner.ClusterWaiting, "1.31.5", "stage dev is halted")}},
		{Name: "test", Clusters: []planner.ClusterPlan{
			cp("test-weu-01", "westeurope", "1.31.4", planner.ClusterGated, "1.31.5", "waiting for preflight gates: deprecatedAPIs: requests to APIs that 1.32 removes: flowcontrol.apiserver.k8s.io/v1beta3 flowschemas (removed in 1.32) (AKS would refuse the upgrade: UpgradeBlockedOnDeprecatedAPIUsage); the gates look again every 1h"),
			cp("test-neu-01", "northeurope", "1.31.4", planner.ClusterWaiting, "1.31.5", "1.31.5 not yet proven in dev: waiting on dev-weu-01 there")}},
		{Name: "prod", Clusters: []planner.ClusterPlan{
			cp("prod-weu-01", "westeurope", "1.31.4", planner.ClusterWaiting, "1.31.5", "1.31.5 not yet proven in test"),
			cp("prod-weu-02", "westeurope", "1.31.4", planner.ClusterWaiting, "1.31.5", "1.31.5 not yet proven in test"),
			cp("prod-weu-03", "westeurope", "1.31.4", planner.ClusterWaiting, "1.31.5", "1.31.5 not yet proven in test; Azure maintenance Thu 2025-06-05 21:00 UTC"),
			cp("prod-neu-01", "northeurope", "1.31.4", planner.ClusterWaiting, "1.31.5", "1.31.5 not yet proven in test"),
			cp("prod-neu-02", "northeurope", "1.31.4", planner.ClusterWaiting, "1.31.5", "1.31.5 not yet proven in test"),
			cp("prod-neu-03", "northeurope", "1.31.5", planner.ClusterConflict, "", "AKS auto-upgrade is enabled (channel patch); not managed until it is set to none")}},
	}
	f.Rollouts = [][]string{
		{"TARGET", "sandbox", "dev", "test", "prod"},
		{"1.30.10", "proven day 0 04:31", "-", "-", "-"},
		{"1.31.5", "proven day 0 09:01", "HALTED", "-", "-"},
		{"1.32.3", "soaking", "-", "-", "-"},
	}
	for i := range 14 {
		f.Events = append(f.Events, fmt.Sprintf("[day 1 %02d:%02d] event %d: sbx-weu-02 in sandbox towards 1.32.3: done: verified: 1.32.3 on the control plane and every pool, provisioning Succeeded", i*7/60, i*7%60, i))
	}
	return f
}

// The live view fits the terminal: exactly its rows, none wider than its
// columns, the header, where the service answers, every stage's line and
// the clusters that need a look first, more columns and more events as
// the terminal grows, each part explained by its header or a legend.
func TestViewFitsTheTerminal(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		cols, rows := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", cols, rows), func(t *testing.T) {
			got := fit(midStory(), cols, rows)
			lines := strings.Split(got, "\n")
			if len(lines) != rows {
				t.Errorf("%d lines, want %d", len(lines), rows)
			}
			for i, l := range lines {
				if n := len([]rune(l)); n > cols {
					t.Errorf("line %d is %d wide, want at most %d: %q", i+1, n, cols, l)
				}
			}
			shows := []string{"aksupgrade demo", "Dashboard http://", "STAGE    CLUSTERS BY STATE", "sandbox", "dev      HALTED", "test", "prod", "dev-weu-01", "test-weu-01"}
			if rows >= 40 {
				// Each part under a line that says what it shows.
				shows = append(shows, "ROLLOUTS per stage  rolling: upgrading", "TARGET   sandbox", "EVENTS, newest last  [day D HH:MM]: simulated time")
			}
			for _, w := range shows {
				if !strings.Contains(got, w) {
					t.Errorf("the view at %dx%d does not show %q", cols, rows, w)
				}
			}
			golden := filepath.Join("testdata", fmt.Sprintf("view-%dx%d.txt", cols, rows))
			if *update {
				if err := os.WriteFile(golden, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(want) != got+"\n" {
				t.Errorf("%s differs; got:\n%s", golden, got)
			}
		})
	}
}
