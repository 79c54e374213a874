package engine_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// threePools gives every cluster of a fleet scenario a third pool: 100
// clusters, 300 pools, 300 upgrade profiles to read.
func threePools(sc *simulator.Scenario) {
	for i := range sc.Subscriptions[0].Clusters {
		c := &sc.Subscriptions[0].Clusters[i]
		c.NodePools = append(c.NodePools, simulator.NodePool{Name: "batch", Count: 2})
	}
}

// fleetSim serves sc from a simulator on a manual clock, and returns it
// with the real provider (with limits) and the fleet policy.
func fleetSim(tb testing.TB, sc *simulator.Scenario, limits azure.Limits) (*simulator.Simulator, *clock.Manual, *azure.Provider, *policy.Policy) {
	tb.Helper()
	clk := clock.NewManual(sc.Start)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	tb.Cleanup(srv.Close)
	pol, err := policy.Parse("fleet.yaml", []byte(fleetPolicy))
	if err != nil {
		tb.Fatal(err)
	}
	prov, err := azure.New(azure.Options{Endpoint: srv.URL, Clock: clk, Limits: limits})
	if err != nil {
		tb.Fatal(err)
	}
	return sim, clk, prov, pol
}

// A fleet of 100 clusters and 300 pools with AKS's throttling on: the
// first discovery reads 300 pool upgrade profiles through AKS's "all
// other APIs" bucket (60, then 1 a second per subscription and region),
// waits for tokens instead of being refused, and the rollout completes
// with no failed discovery and no 429.
func TestFleetOfHundredUnderThrottling(t *testing.T) {
	sc := fleetScenario(100)
	threePools(sc)
	sim, clk, prov, pol := fleetSim(t, sc, azure.Limits{})
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	eng, err := engine.New(engine.Options{Policy: pol, Provider: prov, Store: st, Clock: clk, PollInterval: 2 * time.Minute,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	target := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.5"}
	var firstDiscovery time.Duration
	for steps := 0; ; steps++ {
		if clk.Now().Sub(sc.Start) > 30*24*time.Hour {
			t.Fatalf("not done after 30 simulated days")
		}
		before := clk.Now()
		next := stepWithLimiter(t, t.Context(), eng, clk)
		if steps == 0 {
			firstDiscovery = clk.Now().Sub(before)
		}
		if res, _ := eng.LastPlan(); done(res, target) {
			break
		}
		if next.After(clk.Now()) {
			clk.Set(next)
		}
	}
	if strings.Contains(logs.String(), "cluster details not read") {
		t.Errorf("a discovery lost details:\n%s", logs.String())
	}
	var throttled, profiles, total int
	for _, r := range sim.Requests() {
		if r.API != simulator.APIARM {
			continue
		}
		total++
		if r.Status == http.StatusTooManyRequests {
			throttled++
		}
		if strings.HasSuffix(strings.ToLower(r.Path), "/upgradeprofiles/default") && strings.Contains(strings.ToLower(r.Path), "/agentpools/") {
			profiles++
		}
	}
	if throttled != 0 {
		t.Errorf("%d requests answered 429", throttled)
	}
	// The first discovery reads every pool's profile: 300, 150 per region;
	// 60 at once, then one a second: at least 90 s of waiting.
	if profiles < 300 {
		t.Errorf("%d pool upgrade profiles read, want at least 300", profiles)
	}
	if firstDiscovery < 90*time.Second {
		t.Errorf("first discovery took %s of simulated time, want at least 90s (AKS's bucket allows no faster)", firstDiscovery)
	}
	t.Logf("100 clusters, 300 pools: %d ARM requests (%.1f per cluster upgrade), %d pool profiles read, %d 429s, first discovery %s simulated",
		total, float64(total)/100, profiles, throttled, firstDiscovery)
}

// A detail read Azure keeps refusing does not fail discovery: the cluster
// keeps its last details and is read again next time.
func TestDiscoverySurvivesThrottledDetails(t *testing.T) {
	sim, clk, prov, pol := fleetSim(t, fleetScenario(8), azure.Limits{ThrottleRetries: -1})
	ctx := t.Context()
	first, stale, err := engine.Discover(ctx, prov, pol, clk.Now(), time.Hour, nil)
	if err != nil || len(stale) != 0 {
		t.Fatalf("first discovery: %v, stale %v", err, stale)
	}
	for _, c := range first.Clusters {
		if c.DetailsAt.IsZero() || c.NodePools[0].LatestNodeImageVersion == "" {
			t.Fatalf("%s: details not read: %+v", c.Name, c)
		}
	}
	// Within the hour, with nothing changed, no profile is read again.
	clk.Advance(10 * time.Minute)
	mark := len(sim.Requests())
	again, stale, err := engine.Discover(ctx, prov, pol, clk.Now(), time.Hour, first.Clusters)
	if err != nil || len(stale) != 0 {
		t.Fatalf("second discovery: %v, stale %v", err, stale)
	}
	for _, r := range sim.Requests()[mark:] {
		if strings.Contains(strings.ToLower(r.Path), "upgradeprofiles") {
			t.Errorf("read %s again though nothing changed", r.Path)
		}
	}
	if again.Clusters[0].NodePools[0].LatestNodeImageVersion != first.Clusters[0].NodePools[0].LatestNodeImageVersion {
		t.Errorf("details not carried over")
	}
	// An hour on, AKS throttles the profile reads of one cluster: its last
	// details stay, the rest are read, and discovery succeeds.
	clk.Advance(time.Hour)
	victim := first.Clusters[3]
	sim.AddFault(simulator.Fault{Kind: simulator.FaultThrottle, Cluster: victim.Name, Count: 100})
	third, stale, err := engine.Discover(ctx, prov, pol, clk.Now(), time.Hour, again.Clusters)
	if err != nil {
		t.Fatalf("discovery failed on a throttled detail read: %v", err)
	}
	if len(stale) != 1 || stale[0].Cluster != victim.Name || aksupgrade.Code(stale[0].Err) != aksupgrade.ErrThrottled {
		t.Fatalf("stale = %v, want %s throttled", stale, victim.Name)
	}
	for _, c := range third.Clusters {
		switch {
		case c.Name == victim.Name:
			if !c.DetailsAt.Equal(again.Clusters[3].DetailsAt) || c.NodePools[0].LatestNodeImageVersion == "" {
				t.Errorf("%s: last details not kept: %+v", c.Name, c)
			}
		case !c.DetailsAt.Equal(clk.Now()):
			t.Errorf("%s: details read at %s, want now", c.Name, c.DetailsAt)
		}
	}
}
