package simulator

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
)

const exampleScenario = "../../examples/scenario.yaml"

func TestExampleScenario(t *testing.T) {
	sc, err := LoadScenario(exampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(sc.Start)
	sim, err := New(Options{Clock: clk, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Subscriptions) < 2 {
		t.Errorf("%d subscriptions, want at least 2", len(sc.Subscriptions))
	}
	fleet := sim.Fleet()
	if len(fleet.Clusters) < 12 {
		t.Errorf("%d clusters, want at least 12", len(fleet.Clusters))
	}
	stages := map[string]map[string]int{} // environment -> region -> clusters
	sizes := map[int]bool{}
	for _, c := range fleet.Clusters {
		env := c.Tags["environment"]
		if stages[env] == nil {
			stages[env] = map[string]int{}
		}
		stages[env][c.Location]++
		for _, p := range c.NodePools {
			sizes[p.Count] = true
		}
	}
	for _, env := range []string{"sandbox", "dev", "test", "prod"} {
		if stages[env]["westeurope"] == 0 || stages[env]["northeurope"] == 0 {
			t.Errorf("stage %s has clusters %v, want some in westeurope and northeurope", env, stages[env])
		}
	}
	if len(stages) != 4 {
		t.Errorf("environments %v, want exactly sandbox, dev, test, prod", stages)
	}
	if len(sizes) < 4 {
		t.Errorf("pool sizes %v, want variety", sizes)
	}

	minors := func(l aksupgrade.KubernetesVersionList) []string {
		var out []string
		for _, v := range l.Values {
			m := v.Version
			if v.IsPreview {
				m += " preview"
			}
			out = append(out, m)
		}
		return out
	}
	for region, cat := range fleet.Catalogs {
		if got := minors(cat); !slices.Equal(got, []string{"1.30", "1.31", "1.32", "1.33 preview"}) {
			t.Errorf("%s minors = %v", region, got)
		}
	}

	// 1.31.5 reaches one region on day 2 and the other on day 4.
	offers := func(region, v string) bool {
		for _, kv := range sim.Fleet().Catalogs[region].Values {
			if _, ok := kv.PatchVersions[v]; ok {
				return true
			}
		}
		return false
	}
	day := 24 * time.Hour
	clk.Set(sc.Start.Add(2 * day))
	if !offers("westeurope", "1.31.5") || offers("northeurope", "1.31.5") {
		t.Error("day 2: want 1.31.5 in westeurope only")
	}
	clk.Set(sc.Start.Add(4 * day))
	if !offers("northeurope", "1.31.5") {
		t.Error("day 4: want 1.31.5 in northeurope too")
	}

	// A new node image every week.
	latest := func() string {
		for _, c := range sim.Fleet().Clusters {
			if c.Name == "aks-sbx-weu-01" {
				return c.NodePools[0].LatestNodeImageVersion
			}
		}
		return ""
	}
	seen := map[string]bool{}
	for week := range 5 {
		clk.Set(sc.Start.Add(time.Duration(week) * 7 * day))
		seen[latest()] = true
	}
	if len(seen) != 5 {
		t.Errorf("latest images over five weeks: %v, want a new one each week", seen)
	}

	text, err := os.ReadFile(exampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "#   kind: drainFailure") {
		t.Error("the example lacks the commented-out drainFailure fault")
	}
}

// TestExampleScenarioPaging lists the example's clusters through the SDK,
// across pages.
func TestExampleScenarioPaging(t *testing.T) {
	sc, err := LoadScenario(exampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvFrom(t, sc)
	pager := e.factory(sc.Subscriptions[1].ID).NewManagedClustersClient().NewListPager(nil)
	n := 0
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Value)
	}
	if n != len(sc.Subscriptions[1].Clusters) {
		t.Errorf("listed %d clusters, want %d", n, len(sc.Subscriptions[1].Clusters))
	}
}
