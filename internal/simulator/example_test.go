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

	// 1.31.5 reaches westeurope after 2 hours and northeurope after 8.
	offers := func(region, v string) bool {
		for _, kv := range sim.Fleet().Catalogs[region].Values {
			if _, ok := kv.PatchVersions[v]; ok {
				return true
			}
		}
		return false
	}
	clk.Set(sc.Start.Add(2 * time.Hour))
	if !offers("westeurope", "1.31.5") || offers("northeurope", "1.31.5") {
		t.Error("after 2h: want 1.31.5 in westeurope only")
	}
	clk.Set(sc.Start.Add(8 * time.Hour))
	if !offers("northeurope", "1.31.5") {
		t.Error("after 8h: want 1.31.5 in northeurope too")
	}

	// It shows what AKS does on its own and what it refuses: a cluster on
	// AKS's patch channel (a conflict, which AKS upgrades to 1.31.5 by
	// itself within the hour it arrives) and one on a minor no longer
	// listed (out of support). Every other cluster keeps AKS's default
	// node OS channel.
	clk.Set(sc.Start.Add(10 * time.Hour))
	for _, c := range sim.Fleet().Clusters {
		switch {
		case c.Name == "prod-neu-03":
			if c.AutoUpgradeChannel != "patch" || c.KubernetesVersion != "1.31.5" {
				t.Errorf("prod-neu-03: channel %s on %s, want AKS's patch channel to have upgraded it to 1.31.5", c.AutoUpgradeChannel, c.KubernetesVersion)
			}
		case c.Name == "sbx-weu-02":
			if !strings.HasPrefix(c.KubernetesVersion, "1.29.") {
				t.Errorf("sbx-weu-02 runs %s, want an out-of-support 1.29", c.KubernetesVersion)
			}
		case c.NodeOSUpgradeChannel != "NodeImage":
			t.Errorf("%s: node OS channel %s, want AKS's default NodeImage", c.Name, c.NodeOSUpgradeChannel)
		}
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
