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
