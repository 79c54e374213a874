package backtest

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/history"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

var suite = flag.Int("backtest.suite", 0, "replay the real history on this many seeded generated fleets and report each one's ratio to the lower bound (slow: minutes)")

var benchObserve = flag.Duration("backtest.observe", 0, "the replay's Observe in BenchmarkReplayTwoYears100 (0: the default)")

var benchMonths = flag.Int("backtest.months", 24, "how many months BenchmarkReplayTwoYears100 replays (24: the claim; fewer to profile)")

// generated is a fleet and a policy made from a seed: n clusters (0:
// 10 to 500, drawn) in four stages over up to three regions, one to three
// pools each, each stage's window and soak drawn from plausible ones.
func generated(seed uint64, n int) (*aksupgrade.Snapshot, *policy.Policy, error) {
	rng := rand.New(rand.NewPCG(seed, seed*7919))
	regions := []string{"westeurope", "northeurope", "eastus"}[:1+rng.IntN(3)]
	days := []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	var pol strings.Builder
	pol.WriteString("apiVersion: aksupgrade/v1\nkubernetes: {channel: patch}\nnodeImage: {channel: none}\nstages:\n")
	stages := []string{"sandbox", "dev", "test", "prod"}
	for i, st := range stages {
		window := `{name: anytime, schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}`
		if i > 0 {
			window = fmt.Sprintf(`{name: %s-window, schedule: {weekly: {intervalWeeks: 1, dayOfWeek: %s}}, durationHours: %d, startTime: "%02d:00", utcOffset: "+00:00"}`,
				st, days[rng.IntN(len(days))], 6+rng.IntN(7), rng.IntN(24))
			if rng.IntN(3) == 0 {
				window = fmt.Sprintf(`{name: %s-nightly, schedule: {daily: {intervalDays: 1}}, durationHours: %d, startTime: "%02d:00", utcOffset: "+00:00"}`, st, 6+rng.IntN(5), 18+rng.IntN(6))
			}
		}
		soak := []string{"4h", "12h", "24h", "48h", "72h"}[rng.IntN(5)]
		fmt.Fprintf(&pol, "  - name: %s\n    selector: {tags: {environment: %s}}\n    window: %s\n    maxParallel: 500\n    soak: %s\n", st, st, window, soak)
	}
	p, err := policy.Parse(fmt.Sprintf("generated policy %d", seed), []byte(pol.String()))
	if err != nil {
		return nil, nil, fmt.Errorf("%w\n%s", err, pol.String())
	}
	// Sizes from 10 to 500, as many fleets of each order of magnitude.
	if drawn := int(math.Round(10 * math.Pow(50, rng.Float64()))); n == 0 {
		n = drawn
	}
	snap := &aksupgrade.Snapshot{}
	for i := range n {
		st := stages[min(3, i*10/n/2)] // about 20% sandbox and dev, 20% test, the rest prod
		if i < 2 {
			st = stages[i%2] // at least one sandbox and one dev
		}
		name := fmt.Sprintf("aks-%s-%03d", st, i)
		c := aksupgrade.Cluster{Name: name, SubscriptionID: "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f", ResourceGroup: "rg-" + st,
			Location: regions[rng.IntN(len(regions))], KubernetesVersion: "1.0.0", Tags: map[string]string{"environment": st},
			AutoUpgradeChannel: "none", NodeOSUpgradeChannel: "None"}
		c.ID = "/subscriptions/" + c.SubscriptionID + "/resourceGroups/" + c.ResourceGroup + "/providers/Microsoft.ContainerService/managedClusters/" + name
		for j := range 1 + rng.IntN(3) {
			mode := "User"
			if j == 0 {
				mode = "System"
			}
			c.NodePools = append(c.NodePools, aksupgrade.NodePool{Name: fmt.Sprintf("pool%d", j), Mode: mode, Count: 1 + rng.IntN(20),
				KubernetesVersion: "1.0.0", NodeImageVersion: "AKSUbuntu-2204gen2containerd-202502.10.0"})
		}
		snap.Clusters = append(snap.Clusters, c)
	}
	return snap, p, nil
}

// TestSuite replays two months of the real history on seeded
// generated fleets and reports, per fleet, the ratio of each release's
// time to prod to its critical-path lower bound. It fails when a fleet's
// prod receives a version the stage before had not proven.
func TestSuite(t *testing.T) {
	if *suite == 0 {
		t.Skip("the seeded suite is slow: go test ./internal/backtest -run TestSuite -args -backtest.suite 20")
	}
	h, err := history.Load()
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
	var medians, all []float64
	for seed := range uint64(*suite) {
		snap, pol, err := generated(seed+1, 0)
		if err != nil {
			t.Fatal(err)
		}
		var regions []string
		for _, c := range snap.Clusters {
			if !slices.Contains(regions, c.Location) {
				regions = append(regions, c.Location)
			}
		}
		w := WorldFrom(h, regions, from, to, int64(seed+1))
		started := time.Now()
		res, err := Replay(context.Background(), Input{Policy: pol, Fleet: snap, From: from, To: to, Releases: w.Timeline, Catalogs: w.Catalogs})
		if err != nil {
			t.Fatalf("fleet %d: %v", seed+1, err)
		}
		if res.UnprovenProdUpgrades != 0 {
			t.Errorf("fleet %d: prod upgraded to an unproven version: %+v", seed+1, res.Unproven)
		}
		var worst string
		for _, r := range res.Releases {
			if r.Ratio != nil {
				all = append(all, *r.Ratio)
				if *r.Ratio > res.LowerBoundRatio.Max-1e-9 {
					worst = fmt.Sprintf("%s (%.1fh against %.1fh)", r.Version, *r.ToProdHours, *r.LowerBoundHours)
				}
			}
		}
		if res.LowerBoundRatio.N > 0 {
			medians = append(medians, res.LowerBoundRatio.Median)
		}
		t.Logf("fleet %2d: %3d clusters, %d regions: %d releases to prod, ratio median %.3f max %.3f %s; %d steps in %s",
			seed+1, len(snap.Clusters), len(regions), res.LowerBoundRatio.N, res.LowerBoundRatio.Median, res.LowerBoundRatio.Max, worst, res.Steps, time.Since(started).Round(time.Millisecond))
	}
	s := stats(all)
	t.Logf("all fleets: %d releases to prod, ratio median %.3f, p90 %.3f, max %.3f; median of the fleets' medians %.3f", s.N, s.Median, s.P90, s.Max, stats(medians).Median)
}
