package backtest

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/history"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// TestWorldFromHistoryIsOneTheSimulatorTakes: two years of the real
// history, in three regions and for several seeds, make catalogues and
// timelines the simulator (as strict as AKS about what a region lists)
// accepts; each region gets the releases in order, and every region
// drops a minor after its end of support.
func TestWorldFromHistoryIsOneTheSimulatorTakes(t *testing.T) {
	h, err := history.Load()
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	regions := []string{"eastasia", "northeurope", "westeurope"}
	m130, _ := h.Minor(mustMinor(t, "1.30"))
	for _, seed := range []int64{1, 2, 3} {
		w := WorldFrom(h, regions, from, to, seed)
		if len(w.Timeline) < 50 {
			t.Fatalf("seed %d: %d timeline entries over two years", seed, len(w.Timeline))
		}
		snap := &aksupgrade.Snapshot{Catalogs: w.Catalogs}
		for i, r := range regions {
			c := cluster(string(rune('a'+i))+"-1", "dev", "1.30.4", aksupgrade.NodePool{Name: "system", Mode: "System", Count: 1, KubernetesVersion: "1.30.4",
				NodeImageVersion: "AKSUbuntu-2204gen2containerd-202502.10.0"})
			c.Location, c.SubscriptionID, c.ResourceGroup = r, "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f", "rg"
			snap.Clusters = append(snap.Clusters, c)
		}
		snap = rebase(snap, w.Catalogs)
		sc, err := scenarioFor(snap, from, w.Timeline)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := simulator.New(simulator.Options{Scenario: sc}); err != nil {
			t.Fatalf("seed %d: the simulator refuses the world: %v", seed, err)
		}
		last := map[string]time.Duration{}
		removed := 0
		for _, e := range w.Timeline {
			if e.After.D() < last[e.Region] {
				t.Fatalf("seed %d: %s gets %+v before an earlier entry", seed, e.Region, e)
			}
			last[e.Region] = e.After.D()
			if e.Remove == "1.30" {
				removed++
				if at, want := from.Add(e.After.D()), m130.EndOfSupport.Time().AddDate(0, 0, 1); !at.Equal(want) {
					t.Errorf("1.30 leaves %s at %s, want %s", e.Region, at, want)
				}
			}
		}
		if removed != len(regions) {
			t.Errorf("seed %d: 1.30 leaves %d regions, want every one of %d", seed, removed, len(regions))
		}
	}
}

func mustMinor(t *testing.T, s string) version.Version {
	t.Helper()
	v, err := version.ParseMinor(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
