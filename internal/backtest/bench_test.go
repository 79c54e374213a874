package backtest

import (
	"context"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/history"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// BenchmarkReplayMonth replays a month of the real history on one
// cluster per stage: the cost of a replay's simulated day.
func BenchmarkReplayMonth(b *testing.B) {
	pol, err := policy.Parse("anytime", []byte(anytime))
	if err != nil {
		b.Fatal(err)
	}
	h, err := history.Load()
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	w := WorldFrom(h, []string{"westeurope"}, from, to, 1)
	steps := 0
	for b.Loop() {
		res, err := Replay(context.Background(), Input{Policy: pol, Fleet: tinyFleet(), From: from, To: to, Releases: w.Timeline, Catalogs: w.Catalogs})
		if err != nil {
			b.Fatal(err)
		}
		steps = res.Steps
	}
	b.ReportMetric(float64(steps), "steps")
	_ = simulator.Duration(0)
}

// BenchmarkReplayTwoYears100 replays two years of the real history on a
// generated fleet of 100 clusters in four stages over three regions.
func BenchmarkReplayTwoYears100(b *testing.B) {
	snap, pol, err := generated(3, 100)
	if err != nil {
		b.Fatal(err)
	}
	h, err := history.Load()
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, *benchMonths, 0)
	w := WorldFrom(h, []string{"westeurope", "northeurope", "eastus"}, from, to, 3)
	var res *Result
	for b.Loop() {
		res, err = Replay(context.Background(), Input{Policy: pol, Fleet: snap, From: from, To: to, Releases: w.Timeline, Catalogs: w.Catalogs, Observe: *benchObserve})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Steps), "steps")
	b.ReportMetric(float64(res.Upgrades), "upgrades")
	b.ReportMetric(res.LowerBoundRatio.Median, "ratio-median")
	b.ReportMetric(res.LowerBoundRatio.Max, "ratio-max")
	b.ReportMetric(float64(res.LowerBoundRatio.N), "releases-to-prod")
}
