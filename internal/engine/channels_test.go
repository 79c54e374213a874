package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// channelsWorld writes the engine's scenario with sbx-weu on AKS's
// default node OS channel (NodeImage) and sbx-neu on the patch
// auto-upgrade channel, and its policy with extra top-level keys.
func channelsWorld(t *testing.T, policyExtra string) *harness {
	t.Helper()
	dir := t.TempDir()
	sc, err := os.ReadFile("testdata/scenario.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(sc), "{name: sbx-weu, resourceGroup: rg-sandbox, location: westeurope, nodeOSUpgradeChannel: None,",
		"{name: sbx-weu, resourceGroup: rg-sandbox, location: westeurope, nodeOSUpgradeChannel: NodeImage,", 1)
	s = strings.Replace(s, "{name: sbx-neu, resourceGroup: rg-sandbox, location: northeurope, nodeOSUpgradeChannel: None,",
		"{name: sbx-neu, resourceGroup: rg-sandbox, location: northeurope, nodeOSUpgradeChannel: None, autoUpgradeChannel: patch,", 1)
	if s == string(sc) {
		t.Fatal("scenario not changed")
	}
	pol, err := os.ReadFile("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Replace(string(pol), "stages:\n", policyExtra+"stages:\n", 1)
	for name, body := range map[string]string{"scenario.yaml": s, "policy.yaml": p} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return newHarness(t, filepath.Join(dir, "scenario.yaml"), filepath.Join(dir, "policy.yaml"))
}

// Without channels.takeOver, clusters AKS upgrades by itself are
// conflicts, left as they are.
func TestCompetingChannelsAreConflicts(t *testing.T) {
	h := channelsWorld(t, "")
	if _, err := h.eng.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := h.eng.LastPlan()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Conflicts {
		names = append(names, c.Name)
	}
	if strings.Join(names, " ") != "sbx-neu sbx-weu" {
		t.Errorf("conflicts %v, want sbx-neu (auto-upgrade) and sbx-weu (node OS)", names)
	}
	for _, c := range h.sim.Fleet().Clusters {
		if c.Name == "sbx-weu" && c.NodeOSUpgradeChannel != "NodeImage" {
			t.Errorf("sbx-weu's node OS channel changed to %s without takeOver", c.NodeOSUpgradeChannel)
		}
	}
}

// With channels.takeOver, the engine sets the channels in Azure, writes
// who did it and why to the audit log with the event that tells it, and
// manages the clusters from then on.
func TestTakeOverSetsChannelsAndAuditsIt(t *testing.T) {
	h := channelsWorld(t, "channels: {takeOver: true, nodeOSUpgradeChannel: Unmanaged}\n")
	ctx := context.Background()
	if _, err := h.eng.Step(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range h.sim.Fleet().Clusters {
		switch c.Name {
		case "sbx-weu":
			if c.NodeOSUpgradeChannel != "Unmanaged" {
				t.Errorf("sbx-weu node OS channel %s, want Unmanaged", c.NodeOSUpgradeChannel)
			}
		case "sbx-neu":
			if c.AutoUpgradeChannel != "none" {
				t.Errorf("sbx-neu auto-upgrade channel %s, want none", c.AutoUpgradeChannel)
			}
		}
	}
	entries, err := h.st.Audit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, e := range entries {
		if e.Kind == engine.AuditKindChannels && e.Actor == engine.Actor {
			notes = append(notes, e.Message)
		}
	}
	if len(notes) != 2 || !strings.Contains(strings.Join(notes, "\n"), "sbx-weu's AKS node OS channel from NodeImage to Unmanaged, so that stage sandbox manages it") {
		t.Errorf("audit notes %q, want one per cluster saying what changed", notes)
	}
	evs, err := h.st.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, e := range evs {
		if e.Type == aksupgrade.EventChannelsSet {
			told++
		}
	}
	if told != 2 {
		t.Errorf("%d channelsSet events, want 2", told)
	}
	if _, err := h.eng.Step(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := h.eng.LastPlan()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conflicts) != 0 {
		t.Errorf("conflicts after the takeover: %+v", res.Conflicts)
	}
	if cp := stageCluster(res, "sbx-weu"); cp == "" || cp == planner.ClusterConflict {
		t.Errorf("sbx-weu in the plan: %q, want it managed", cp)
	}
}

// stageCluster is the state the plan gives a cluster, "" when it is not in
// a stage.
func stageCluster(res *planner.Result, name string) planner.ClusterState {
	for _, st := range res.Stages {
		for _, c := range st.Clusters {
			if c.Name == name {
				return c.State
			}
		}
	}
	return ""
}

// A channel change makes AKS roll the nodes, so the takeover waits for the
// stage's window: outside it nothing is set, inside it the channels are.
func TestTakeOverWaitsForTheWindow(t *testing.T) {
	h := channelsWorld(t, "channels: {takeOver: true}\n")
	raw, err := os.ReadFile("testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(raw), "stages:\n", "channels: {takeOver: true}\nstages:\n", 1)
	doc = strings.Replace(doc, `    window: {schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}
    maxParallel: 2
    soak: 12h
  - name: dev`, `    window: {name: sandbox-noon, schedule: {daily: {intervalDays: 1}}, durationHours: 4, startTime: "12:00"}
    maxParallel: 2
    soak: 12h
  - name: dev`, 1)
	if h.pol, err = policy.Parse("policy.yaml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	h.restart()
	ctx := context.Background()
	channel := func() string {
		for _, c := range h.sim.Fleet().Clusters {
			if c.Name == "sbx-weu" {
				return c.NodeOSUpgradeChannel
			}
		}
		return ""
	}
	if _, err := h.eng.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if ch := channel(); ch != "NodeImage" {
		t.Fatalf("at 00:00, outside sandbox's 12:00 window: channel %s, want it left as it is", ch)
	}
	h.run(h.clk.Now().Add(12*time.Hour+time.Minute), nil, nil)
	if ch := channel(); ch != "None" {
		t.Errorf("in the window: channel %s, want None", ch)
	}
}
