package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// fleetScenario is n clusters in four stages and two regions, all on
// 1.31.4; 1.31.5 reaches both regions an hour in.
func fleetScenario(n int) *simulator.Scenario {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	sc := &simulator.Scenario{Start: start, PageSize: 100}
	sub := simulator.Subscription{ID: "33333333-3333-4333-8333-333333333333", Name: "fleet"}
	stages := []string{"sandbox", "dev", "test", "prod"}
	regions := []string{"westeurope", "northeurope"}
	for i := range n {
		st := stages[i*len(stages)/n]
		sub.Clusters = append(sub.Clusters, simulator.Cluster{
			Name: fmt.Sprintf("%s-%04d", st, i), ResourceGroup: "rg-" + st, Location: regions[i%2],
			KubernetesVersion: "1.31.4", Tags: map[string]string{"environment": st}, NodeOSUpgradeChannel: "None",
			NodePools: []simulator.NodePool{{Name: "system", Count: 3}, {Name: "apps", Count: 3 + i%18}},
		})
	}
	sc.Subscriptions = []simulator.Subscription{sub}
	for _, r := range regions {
		sc.Regions = append(sc.Regions, simulator.Region{Name: r, KubernetesVersions: []simulator.MinorVersion{
			{Version: "1.30", Patches: []string{"1.30.9"}},
			{Version: "1.31", Patches: []string{"1.31.2", "1.31.4"}},
			{Version: "1.32", Patches: []string{"1.32.3"}},
		}, NodeImages: []string{"AKSUbuntu-2204gen2containerd-202502.10.0"}})
		sc.Timeline = append(sc.Timeline, simulator.TimelineEntry{After: simulator.Duration(time.Hour), Region: r, AddPatch: "1.31.5"})
	}
	return sc
}

const fleetPolicy = `apiVersion: aksupgrade/v1
kubernetes: {channel: stable, minorUpgrades: auto}
nodeImage: {channel: none}
stages:
  - {name: sandbox, selector: {tags: {environment: sandbox}}, maxParallel: 25, soak: 12h,
     window: {schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}}
  - {name: dev, selector: {tags: {environment: dev}}, maxParallel: 25, soak: 12h,
     window: {schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}}
  - {name: test, selector: {tags: {environment: test}}, maxParallel: 25, soak: 12h,
     window: {schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}}
  - {name: prod, selector: {tags: {environment: prod}}, maxParallel: 25, soak: 1d,
     window: {schedule: {daily: {intervalDays: 1}}, durationHours: 8, startTime: "22:00"}}
`

// BenchmarkFleet1000 rolls 1.31.5 out to a 1,000-cluster simulated fleet
// on a manual clock, through the real provider, simulator and SQLite, and
// reports the real CPU time and peak heap of the whole run, the simulated
// makespan, and the planner's first projection of it. Run it with
// -benchtime=1x.
func BenchmarkFleet1000(b *testing.B) {
	for range b.N {
		runFleet(b, 1000)
	}
}

// BenchmarkFleet200 is the same with 200 clusters, to see how it scales.
func BenchmarkFleet200(b *testing.B) {
	for range b.N {
		runFleet(b, 200)
	}
}

func runFleet(b *testing.B, n int) {
	sc := fleetScenario(n)
	sim, clk, prov, pol := fleetSim(b, sc, azure.Limits{})
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.New(engine.Options{Policy: pol, Provider: prov, Store: st, Clock: clk, PollInterval: 2 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}

	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	var peak uint64
	var ms runtime.MemStats
	target := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.5"}
	var projected time.Time
	ctx := context.Background()
	for steps := 0; ; steps++ {
		if clk.Now().Sub(sc.Start) > 30*24*time.Hour {
			b.Fatalf("not done after 30 simulated days")
		}
		next := stepWithLimiter(b, ctx, eng, clk)
		if steps%20 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		res, _ := eng.LastPlan()
		if projected.IsZero() {
			projected = provenAtLast(res, target)
		}
		if done(res, target) {
			break
		}
		if next.After(clk.Now()) {
			clk.Set(next)
		}
	}
	var after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	hist, _ := st.History(ctx)
	var proven time.Time
	for _, r := range hist.Rollouts {
		for _, sp := range r.Stages {
			if r.Target == target && sp.Stage == "prod" && sp.ProvenAt != nil {
				proven = *sp.ProvenAt
			}
		}
	}
	throttled := 0
	for _, r := range sim.Requests() {
		if r.Status == http.StatusTooManyRequests {
			throttled++
		}
	}
	b.ReportMetric(cpu.Seconds(), "cpu-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(after.Maxrss)/1024, "maxrss-MiB")
	b.ReportMetric(proven.Sub(sc.Start).Hours(), "makespan-h")
	b.ReportMetric(projected.Sub(sc.Start).Hours(), "projected-h")
	b.ReportMetric(float64(len(sim.Requests())), "requests")
	b.ReportMetric(float64(throttled), "429s")
}

// stepWithLimiter runs one engine step; when the provider's rate limiter
// waits on the manual clock, the clock is moved to its due time, as real
// time would pass.
func stepWithLimiter(b testing.TB, ctx context.Context, eng *engine.Engine, clk *clock.Manual) time.Time {
	type result struct {
		next time.Time
		err  error
	}
	done := make(chan result, 1)
	go func() {
		next, err := eng.Step(ctx)
		done <- result{next, err}
	}()
	for {
		select {
		case r := <-done:
			if r.err != nil {
				b.Fatal(r.err)
			}
			return r.next
		case <-clk.Waited():
			if due, ok := clk.NextDue(); ok {
				clk.Set(due)
			}
		}
	}
}

func provenAtLast(res *planner.Result, t aksupgrade.Target) time.Time {
	if res == nil {
		return time.Time{}
	}
	for _, tp := range res.Stages[len(res.Stages)-1].Targets {
		if tp.Target == t && tp.ProvenAt != nil {
			return *tp.ProvenAt
		}
	}
	return time.Time{}
}

func done(res *planner.Result, t aksupgrade.Target) bool {
	if res == nil {
		return false
	}
	for _, tp := range res.Stages[len(res.Stages)-1].Targets {
		if tp.Target == t && tp.State == planner.TargetProven {
			return true
		}
	}
	return false
}
