package engine_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// catalogueWorld writes a scenario and policy of one sandbox stage, its
// window open daily from 02:00 to 06:00, and starts the engine on them,
// reading the fleet once a day: it plans with the catalogue it last read
// until AKS's events tell it otherwise.
func catalogueWorld(t *testing.T, scenario string) *harness {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"scenario.yaml": scenario,
		"policy.yaml": `apiVersion: aksupgrade/v1
kubernetes: {channel: patch}
stages:
  - name: sandbox
    selector: {tags: {environment: sandbox}}
    window: {schedule: {daily: {intervalDays: 1}}, durationHours: 4, startTime: "02:00"}
    maxParallel: 2
    soak: 1h
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, filepath.Join(dir, "scenario.yaml"), filepath.Join(dir, "policy.yaml"))
	h.observe = 24 * time.Hour
	h.restart()
	return h
}

// withdrawnWorld is two sandbox clusters on 1.31.4 whose region offers
// 1.31.5 at the start and withdraws it an hour later, before the
// stage's window opens at 02:00; AKS tells nobody (unverified: no AKS
// event announces a patch leaving), so the engine plans with the
// catalogue of midnight.
func withdrawnWorld(t *testing.T) *harness {
	t.Helper()
	return catalogueWorld(t, `start: 2026-03-02T00:00:00Z
subscriptions:
  - id: 11111111-1111-4111-8111-111111111111
    name: platform
    clusters:
      - {name: sbx, resourceGroup: rg-sandbox, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.31.4, tags: {environment: sandbox},
         nodePools: [{name: system, count: 3}]}
      - {name: sbx2, resourceGroup: rg-sandbox, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.31.4, tags: {environment: sandbox},
         nodePools: [{name: system, count: 3}]}
regions:
  - name: westeurope
    kubernetesVersions:
      - {version: "1.31", patches: [1.31.4, 1.31.5], isDefault: true}
    nodeImages: [AKSUbuntu-2204gen2containerd-202502.10.0]
timeline:
  - {after: 1h, region: westeurope, remove: 1.31.5}
`)
}

// A version AKS withdrew after the engine last read the catalogue is
// refused when the engine asks for it. Nothing started, so nothing
// failed: the engine reads the region's catalogue again, records the
// step abandoned, keeps the fresh catalogue, and plans with it. The
// stage does not halt (a person would find nothing to fix), the other
// cluster the same plan would have started is not asked for it, and
// neither is asked for it again.
func TestWithdrawnVersionIsNotAFailure(t *testing.T) {
	h := withdrawnWorld(t)
	ctx := context.Background()
	start := h.clk.Now()
	h.run(start.Add(6*time.Hour), nil, nil)

	var states []string
	for _, c := range h.sim.Fleet().Clusters {
		if c.KubernetesVersion != "1.31.4" {
			t.Errorf("%s on %s, want 1.31.4 untouched", c.Name, c.KubernetesVersion)
		}
		steps, err := h.st.Steps(ctx, c.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			states = append(states, c.Name+" "+s.Step.Version+" "+string(s.State)+" "+string(s.ErrorCode))
		}
	}
	if len(states) != 1 || !strings.HasSuffix(states[0], " 1.31.5 abandoned versionNotAvailable") {
		t.Fatalf("steps %q, want one step to 1.31.5, abandoned with AKS's refusal", states)
	}
	puts := 0
	for _, r := range h.sim.Requests() {
		if r.Method == http.MethodPut && strings.Contains(r.Path, "/managedClusters/") {
			puts++
		}
	}
	if puts != 1 {
		t.Errorf("%d upgrade requests, want 1: the withdrawn version was asked for again", puts)
	}
	res, err := h.eng.LastPlan()
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Stages[0]; st.Halted != "" {
		t.Errorf("stage halted (%s) for a version AKS withdrew", st.Halted)
	}
	for _, c := range res.Stages[0].Clusters {
		if c.Target != nil {
			t.Errorf("the plan still targets %s on %s, which the region no longer offers", c.Target, c.Name)
		}
	}
	if storedCatalogueLists(t, h, "1.31.5") {
		t.Error("the stored catalogue still lists 1.31.5")
	}
}

// storedCatalogueLists tells whether westeurope's catalogue, as the
// engine stored it, lists patch.
func storedCatalogueLists(t *testing.T, h *harness, patch string) bool {
	t.Helper()
	f, err := h.st.Fleet(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return f.Catalogs["westeurope"].Lists(patch)
}

// A minor leaving a region is announced (ClusterSupportEnded to the
// clusters on it): the engine reads the region's catalogue again when the
// event arrives, as for a new version, rather than plan on the old one
// until its next observation.
func TestMinorLeavingRereadsTheCatalogue(t *testing.T) {
	h := catalogueWorld(t, `start: 2026-03-02T00:00:00Z
subscriptions:
  - id: 11111111-1111-4111-8111-111111111111
    name: platform
    clusters:
      - {name: sbx, resourceGroup: rg-sandbox, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.30.9, tags: {environment: sandbox},
         nodePools: [{name: system, count: 3}]}
regions:
  - name: westeurope
    kubernetesVersions:
      - {version: "1.30", patches: [1.30.9]}
      - {version: "1.31", patches: [1.31.4, 1.31.5], isDefault: true}
    nodeImages: [AKSUbuntu-2204gen2containerd-202502.10.0]
timeline:
  - {after: 1h, region: westeurope, remove: "1.30"}
`)
	h.subscribe()
	ctx := context.Background()
	lists := func() bool { return storedCatalogueLists(t, h, "1.30.9") }
	if _, err := h.eng.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if !lists() {
		t.Fatal("the first observation's catalogue does not list 1.30.9")
	}
	h.clk.Set(h.clk.Now().Add(61 * time.Minute))
	if n := h.sim.DeliverDue(ctx); n == 0 {
		t.Fatal("no event delivered after the minor left")
	}
	if _, err := h.eng.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if lists() {
		t.Error("the catalogue still lists 1.30 after AKS announced it left, before the next observation")
	}
}

// Rediscover has the next step read the fleet again before its
// observation is due: a driver that knows the catalogue changed without
// an event (a patch leaving) gets the engine to see it at once, once.
func TestRediscoverReadsTheFleetAgain(t *testing.T) {
	h := withdrawnWorld(t)
	ctx := context.Background()
	lists := func() bool { return storedCatalogueLists(t, h, "1.31.5") }
	if _, err := h.eng.Step(ctx); err != nil {
		t.Fatal(err)
	}
	h.clk.Set(h.clk.Now().Add(61 * time.Minute)) // 1.31.5 has left
	if _, err := h.eng.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if !lists() {
		t.Fatal("the fleet was read again before its observation was due, unasked")
	}
	h.eng.Rediscover()
	if _, err := h.eng.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if lists() {
		t.Error("after Rediscover, the stored catalogue still lists 1.31.5")
	}
	listings := func() int {
		n := 0
		for _, r := range h.sim.Requests() {
			if r.Method == http.MethodGet && strings.HasSuffix(strings.ToLower(r.Path), "/managedclusters") {
				n++
			}
		}
		return n
	}
	before := listings()
	if before < 2 {
		t.Fatalf("%d listings of the fleet seen, want the first and Rediscover's", before)
	}
	if _, err := h.eng.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if n := listings(); n != before {
		t.Errorf("%d more listings of the fleet in the step after: Rediscover asks for one", n-before)
	}
}
