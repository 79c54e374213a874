package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// A cluster whose control plane is ahead of its pools is mid-upgrade, and
// the planner continues it; but a step that moves its control plane to a
// new minor starts a new upgrade, and its preflight gates run: here they
// see an API 1.32 removes, and keep it waiting instead of letting AKS
// refuse the upgrade and halt the stage.
func TestPreflightRunsForANewMinorOnAClusterMidUpgrade(t *testing.T) {
	dir := t.TempDir()
	sc, err := os.ReadFile("testdata/gates-scenario.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(sc), "{name: dev-1, resourceGroup: rg-dev, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.31.4, tags: {environment: dev},\n         nodePools: [{name: system, count: 2}, {name: apps, count: 2}]}",
		"{name: dev-1, resourceGroup: rg-dev, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.31.5, tags: {environment: dev},\n         nodePools: [{name: system, count: 2, kubernetesVersion: 1.31.4}, {name: apps, count: 2, kubernetesVersion: 1.31.4}]}", 1)
	if s == string(sc) {
		t.Fatal("scenario not changed")
	}
	if err := os.WriteFile(filepath.Join(dir, "scenario.yaml"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, filepath.Join(dir, "scenario.yaml"), "testdata/gates-policy.yaml")
	raw, err := os.ReadFile("testdata/gates-policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.ReplaceAll(string(raw), "http://simulator.invalid", h.srv.URL)
	doc = strings.Replace(doc, "kubernetes: {channel: patch}", "kubernetes: {channel: rapid, minorUpgrades: auto}", 1)
	if h.pol, err = policy.Parse("gates-policy.yaml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	h.gates = true
	h.sim.AddFault(simulator.Fault{ID: "flowschemas", Kind: simulator.FaultDeprecatedAPI, Cluster: "dev-1",
		Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta3", Resource: "flowschemas", RemovedRelease: "1.32"})
	h.restart()
	h.run(h.clk.Now().Add(6*time.Hour), nil, nil)
	for _, r := range h.sim.Requests() {
		if r.Method == "PUT" && r.Status == 400 && strings.HasSuffix(strings.ToLower(r.Path), "/managedclusters/dev-1") {
			t.Errorf("AKS refused an upgrade of dev-1 at %s: its preflight gates did not run", r.Time)
		}
	}
	if sp := h.progress("dev"); sp != nil && sp.Halt != nil {
		t.Errorf("dev halted: %+v", sp.Halt)
	}
	runs, err := h.st.Runs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	gated := false
	for _, r := range runs {
		gated = gated || (strings.HasSuffix(r.ClusterID, "dev-1") && r.State == store.RunGated && strings.Contains(r.Reason, "flowschemas"))
	}
	if !gated {
		t.Errorf("dev-1's runs %+v, want gated by the deprecated API", runs)
	}
}
