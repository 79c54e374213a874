package gates_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/gates"
	"github.com/aksupgrade/aksupgrade/internal/kube"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// benchSubscription is the one subscription of the benchmark's fleet:
// every credential request of a round draws from its buckets.
const benchSubscription = "33333333-3333-4333-8333-333333333333"

// gateFleetScenario is n clusters in four stages and two regions, two
// pools each, all on 1.31.4: engine's fleetScenario (BenchmarkFleet1000),
// copied because that one is in package engine_test. Throttling is left
// as the scenario default, on: ARM's and AKS's buckets as the simulator
// documents them (throttle.go).
func gateFleetScenario(n int) *simulator.Scenario {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	sc := &simulator.Scenario{Start: start, PageSize: 100}
	sub := simulator.Subscription{ID: benchSubscription, Name: "fleet"}
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
		}, NodeImages: []string{"AKSUbuntu-2204gen2containerd-202502.10.0"},
			// 500 clusters of a region run about 30,000 vCPUs: a quota
			// that fits them and their surge, as a fleet this size has.
			VCPUQuota: 50000})
	}
	return sc
}

// gateWorld is the simulated fleet behind loopback HTTP, on a manual
// clock, with the cluster list the provider read from it.
type gateWorld struct {
	sim      *simulator.Simulator
	srv      *httptest.Server
	clk      *clock.Manual
	clusters []aksupgrade.Cluster
	gates    policy.Gates
	// logged is how many requests the simulator had answered when the
	// last round ended: the next round's are those after.
	logged int
}

func newGateWorld(b *testing.B, n int) *gateWorld {
	b.Helper()
	sc := gateFleetScenario(n)
	clk := clock.NewManual(sc.Start)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc})
	if err != nil {
		b.Fatal(err)
	}
	// Plain HTTP, as BenchmarkFleet1000 and package kube's tests serve
	// it: the cluster APIs then take the kubeconfig's user without a
	// token (simulator/tls.go), so no TLS handshake is measured.
	srv := httptest.NewServer(sim.Handler())
	b.Cleanup(srv.Close)
	w := &gateWorld{sim: sim, srv: srv, clk: clk}
	prov := w.provider(b)
	w.clusters, err = prov.Clusters(b.Context(), []string{benchSubscription})
	if err != nil {
		b.Fatal(err)
	}
	if len(w.clusters) != n {
		b.Fatalf("the provider listed %d clusters, want %d", len(w.clusters), n)
	}
	w.logged = len(sim.RequestLog())
	// The default gates, and a probe of each cluster's application so
	// that a round sends HTTP probes as well as Kubernetes reads.
	w.gates = policy.DefaultGates()
	w.gates.Probes = []policy.Probe{{Name: "app", URL: srv.URL + "/probe/{subscription}/{resourceGroup}/{cluster}",
		ExpectStatus: http.StatusOK, Timeout: 10 * time.Second, Mode: aksupgrade.GateBlock}}
	return w
}

// provider is the real Azure provider on the simulator, with Azure's
// documented client-side limits (the zero Limits).
func (w *gateWorld) provider(b *testing.B) *azure.Provider {
	b.Helper()
	p, err := azure.New(azure.Options{Endpoint: w.srv.URL, Clock: w.clk})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// checker is what a service that just started has: a new provider (its
// client-side buckets full), a kube client with no cluster's client
// cached, and a Checker that has seen no pod, built as internal/app's
// newGates builds them.
func (w *gateWorld) checker(b *testing.B) *gates.Checker {
	b.Helper()
	p := w.provider(b)
	// Credentials age in real time, as internal/app has them whatever
	// clock the rest runs on: the manual clock here jumps minutes at a
	// time through throttling waits, which must not age them.
	api, err := kube.New(kube.Options{Kubeconfig: p.Kubeconfig, Credential: p.Credential(), Clock: clock.Real{}})
	if err != nil {
		b.Fatal(err)
	}
	return gates.New(gates.Options{API: api, Capacity: p, Tokens: gates.Tokens(p.Credential(), func(string) string { return "" }), Clock: w.clk})
}

// roundStats are what one round cost and found.
type roundStats struct {
	real                        time.Duration
	simulated                   time.Duration // of the manual clock, moved through waits
	arm, kube, probe, throttled int
	credentials                 int // ARM listClusterUserCredential requests
	results                     int
	notPassed                   []aksupgrade.GateResult
}

func (s *roundStats) add(o roundStats) {
	s.real += o.real
	s.simulated += o.simulated
	s.arm += o.arm
	s.kube += o.kube
	s.probe += o.probe
	s.throttled += o.throttled
	s.credentials += o.credentials
	s.results += o.results
	s.notPassed = append(s.notPassed, o.notPassed...)
}

// preflightTarget is a minor upgrade, so that the deprecated-APIs gate
// reads each API server's metrics (for a patch it decides without
// looking).
var preflightTarget = aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.32.3"}

// round runs preflight and postflight on every cluster, par clusters at
// once, and counts the requests the simulator answered meanwhile. The
// postflight target is the version the cluster runs, as after its
// upgrade to it, so that the nodes gate checks every node's version.
// Only the gates themselves are in the benchmark's timer.
func (w *gateWorld) round(b *testing.B, k *gates.Checker, par int) roundStats {
	b.Helper()
	b.StopTimer()
	simStart := w.clk.Now()
	var mu sync.Mutex
	var st roundStats
	// A round that hangs (a wait no one moves the clock for) fails
	// instead of stalling the CI; no round here comes near it.
	const limit = 10 * time.Minute
	ctx, cancel := context.WithTimeout(b.Context(), limit)
	defer cancel()
	var next atomic.Int64 // the index of the next cluster to check
	b.StartTimer()
	start := time.Now()
	drive(w.clk, par, func() {
		for {
			i := int(next.Add(1)) - 1
			if i >= len(w.clusters) {
				return
			}
			c := w.clusters[i]
			rs := k.Preflight(ctx, c, preflightTarget, w.gates)
			rs = append(rs, k.Postflight(ctx, c, aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: c.KubernetesVersion}, w.gates)...)
			mu.Lock()
			st.results += len(rs)
			for _, r := range rs {
				if r.Verdict != aksupgrade.GatePassed {
					st.notPassed = append(st.notPassed, r)
				}
			}
			mu.Unlock()
		}
	})
	st.real = time.Since(start)
	b.StopTimer()
	st.simulated = w.clk.Now().Sub(simStart)
	if ctx.Err() != nil {
		b.Fatalf("the round did not end within %s", limit)
	}
	// RequestLog copies the whole log: once a round, out of the timer.
	reqs := w.sim.RequestLog()
	for _, r := range reqs[w.logged:] {
		switch r.API {
		case simulator.APIARM:
			st.arm++
			if strings.HasSuffix(strings.ToLower(r.Path), "/listclusterusercredential") {
				st.credentials++
			}
		case simulator.APIKubernetes:
			st.kube++
		case simulator.APIProbe:
			st.probe++
		}
		if r.Status == http.StatusTooManyRequests {
			st.throttled++
		}
	}
	w.logged = len(reqs)
	b.StartTimer()
	return st
}

// drive runs par workers and moves the manual clock as real time would
// pass if their own work took none: once every worker still running
// waits on the clock (the provider's rate limiter, or its wait after a
// 429), to the earliest of their waits. So throttling costs simulated
// time, not real time, and workers that wait out the same Retry-After
// wake together and ask again together, as they would on the wall
// clock. (Moving the clock whenever one worker waits would let the others
// find the buckets refilled behind their backs, and hide their 429s.)
// The workers take their clusters from a shared index rather than one
// goroutine each, so that a worker leaving means no work is left, and
// the count of running ones never dips between two clusters.
func drive(clk *clock.Manual, par int, work func()) {
	exited := make(chan struct{}, par)
	for range par {
		go func() {
			defer func() { exited <- struct{}{} }()
			work()
		}()
	}
	// running is never less than the workers running (an exit is
	// counted once received), so the clock never moves while one works.
	for running := par; running > 0; {
		select {
		case <-exited:
			running--
		case <-clk.Waited():
		}
		if running > 0 && clk.Waiters() >= running {
			if due, ok := clk.NextDue(); ok {
				clk.Set(due)
			}
		}
	}
}

// BenchmarkGateRound runs one gate round, preflight and postflight with
// the default gates and an HTTP probe, over a 1,000-cluster simulated
// fleet through the real provider and client-go, 1, 16 and 64 clusters
// at once:
//
//   - first: a service that just started, with no cluster's client
//     cached: each cluster costs a listClusterUserCredential request to
//     Resource Manager first.
//   - warm: the same checker again, every cluster's client cached (kube
//     keeps them an hour): no Resource Manager request at all.
//
// Besides ns/op (the real time of one round) it reports clusters/s, the
// requests the simulator answered per round by API, the 429s among them
// and the simulated seconds the manual clock moved through rate-limit
// waits. It fails when a gate does not pass (every cluster is healthy)
// or any request was answered 429. A round takes seconds: run it with
// -benchtime=1x, and -count for more samples (go test runs a
// sub-benchmark that failed only once, whatever -count says).
func BenchmarkGateRound(b *testing.B) {
	const n = 1000
	// One fleet for every round: the sub-benchmarks' functions run more
	// than once (-benchtime), and building and listing it is not what is
	// measured. The warm checker is primed once and shared too.
	w := newGateWorld(b, n)
	var warm *gates.Checker
	for _, first := range []bool{true, false} {
		name := "warm"
		if first {
			name = "first"
		}
		b.Run(name, func(b *testing.B) {
			for _, par := range []int{1, 16, 64} {
				b.Run(fmt.Sprintf("par=%d", par), func(b *testing.B) {
					if !first && warm == nil {
						warm = w.checker(b)
						w.prime(b, warm)
					}
					var total roundStats
					b.ResetTimer()
					for range b.N {
						k := warm
						if first {
							b.StopTimer()
							// A restart: a new provider and kube client,
							// the simulator's buckets refilled as they
							// would be by a restart minutes after the last
							// round (AKS's credential bucket refills 1/s,
							// 60 at most).
							w.clk.Advance(5 * time.Minute)
							k = w.checker(b)
							b.StartTimer()
						}
						total.add(w.round(b, k, par))
					}
					b.StopTimer()
					report(b, n, total)
				})
			}
		})
	}
}

// prime runs rounds until every cluster's client is cached, so that the
// warm rounds measure a checker that has nothing left to fetch. It runs
// one cluster at a time: then each credential refused 429 is asked again
// after its Retry-After and gets the token refilled meanwhile, where
// concurrent clusters would exhaust their retries on one another (see
// the first rounds). A client whose credentials were refused is not
// cached: a cluster that failed is tried again in the next round.
func (w *gateWorld) prime(b *testing.B, k *gates.Checker) {
	b.Helper()
	for i := range 5 {
		st := w.round(b, k, 1)
		if len(st.notPassed) == 0 {
			return
		}
		b.Logf("priming round %d: %d of %d results not passed, %d 429s", i+1, len(st.notPassed), st.results, st.throttled)
	}
	b.Fatal("the clusters' clients are still not all cached after 5 rounds")
}

// report sets the benchmark's metrics per round, logs them (a failed
// benchmark prints no metrics), and fails on any result not passed or
// any 429.
func report(b *testing.B, n int, t roundStats) {
	b.Helper()
	rounds := float64(b.N)
	b.ReportMetric(float64(n)*rounds/t.real.Seconds(), "clusters/s")
	b.ReportMetric(float64(t.arm)/rounds, "arm-requests/op")
	b.ReportMetric(float64(t.credentials)/rounds, "credential-requests/op")
	b.ReportMetric(float64(t.kube)/rounds, "kube-requests/op")
	b.ReportMetric(float64(t.probe)/rounds, "probe-requests/op")
	b.ReportMetric(float64(t.throttled)/rounds, "throttled/op")
	b.ReportMetric(t.simulated.Seconds()/rounds, "sim-s/op")
	b.Logf("%d rounds: %s real per round, %.0f clusters/s; per round %.0f ARM requests (%.0f credentials), %.0f Kubernetes, %.0f probes, %.0f answered 429, %.0f simulated s; %.0f of %.0f gate results not passed",
		b.N, (t.real / time.Duration(b.N)).Round(time.Millisecond), float64(n)*rounds/t.real.Seconds(),
		float64(t.arm)/rounds, float64(t.credentials)/rounds, float64(t.kube)/rounds, float64(t.probe)/rounds,
		float64(t.throttled)/rounds, t.simulated.Seconds()/rounds, float64(len(t.notPassed))/rounds, float64(t.results)/rounds)
	if t.results != b.N*n*6 {
		b.Errorf("%d gate results in %d rounds, want %d (3 preflight and 3 postflight gates on %d clusters)", t.results, b.N, b.N*n*6, n)
	}
	if len(t.notPassed) > 0 {
		b.Errorf("%d gate results did not pass on a healthy fleet; %s", len(t.notPassed), sample(t.notPassed))
	}
	if t.throttled > 0 {
		b.Errorf("%d requests were answered 429 Too Many Requests", t.throttled)
	}
}

// sample says how many results saw what, the most frequent first, with
// cluster names taken out so that alike results count together.
func sample(rs []aksupgrade.GateResult) string {
	counts := map[string]int{}
	for _, r := range rs {
		saw := r.Saw
		if name := aksupgrade.ClusterName(r.Cluster); name != "" {
			saw = strings.ReplaceAll(saw, name, "CLUSTER")
		}
		counts[fmt.Sprintf("%s %s: %s", r.Gate, r.Verdict, saw)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return counts[keys[i]] > counts[keys[j]] || counts[keys[i]] == counts[keys[j]] && keys[i] < keys[j]
	})
	if len(keys) > 3 {
		keys = keys[:3]
	}
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%d× %s", counts[k], k))
	}
	return strings.Join(out, "; ")
}
