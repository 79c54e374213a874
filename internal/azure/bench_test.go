package azure

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// upgradeScenario is one cluster with a control plane and three pools;
// a new node image is published 2h in, after the Kubernetes upgrades
// (which move the pools to the image that was latest then).
const upgradeScenario = `
start: 2026-03-02T09:00:00Z
durations: {controlPlane: 10m, nodeBatch: 8m}
subscriptions:
  - id: aaaaaaaa-0000-4000-8000-000000000001
    clusters:
      - name: aks-one
        resourceGroup: rg
        location: westeurope
        nodeOSUpgradeChannel: None
        kubernetesVersion: 1.30.9
        nodePools:
          - {name: system, count: 3}
          - {name: apps, count: 6, upgradeSettings: {maxSurge: "50%"}}
          - {name: batch, count: 2}
regions:
  - name: westeurope
    kubernetesVersions:
      - {version: "1.30", patches: [1.30.9]}
      - {version: "1.31", patches: [1.31.4]}
    nodeImages: [AKSUbuntu-2204gen2containerd-202501.12.0]
timeline:
  - {after: 2h, region: westeurope, nodeImage: AKSUbuntu-2204gen2containerd-202502.03.0}
`

// BenchmarkUpgradeRequests upgrades one cluster fully (control plane,
// then each of its 3 pools, then the node images of all pools), polling
// every 30s of simulated time as the engine would, and reports the ARM
// requests that took.
//
// The minimum the protocol needs, per operation: one GET for the
// read-modify-write, the PUT or POST, and one status poll per 30s of the
// operation's duration (the poll at or after its end sees it done):
//
//	control plane 10m                     1 GET + 1 PUT  + 20 polls =  22
//	pool system   3 nodes, surge 1: 3x8m  1 GET + 1 PUT  + 48 polls =  50
//	pool apps     6 nodes, surge 3: 2x8m  1 GET + 1 PUT  + 32 polls =  34
//	pool batch    2 nodes, surge 1: 2x8m  1 GET + 1 PUT  + 32 polls =  34
//	node images   the same batches        3 x (1 GET + 1 POST) + 112 = 118
//	                                                            total 258
//
// The provider sends 261: a node image step also reads the pool's upgrade
// profile (latestNodeImageVersion), to refuse an image the pool already
// runs (ErrAlreadyDone) without a write.
func BenchmarkUpgradeRequests(b *testing.B) {
	sc, err := simulator.ParseScenario("upgrade.yaml", []byte(upgradeScenario))
	if err != nil {
		b.Fatal(err)
	}
	const id = "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-one"
	pools := []string{"system", "apps", "batch"}
	var requests int
	for b.Loop() {
		b.StopTimer()
		e := newSimEnv(b, sc)
		b.StartTimer()
		ctx := context.Background()
		run := func(s aksupgrade.Step) {
			op, err := e.p.Start(ctx, s)
			if err != nil {
				b.Fatalf("start %+v: %v", s, err)
			}
			if st := e.await(e.p, op); st.State != aksupgrade.OperationSucceeded {
				b.Fatalf("%+v: %+v", s, st)
			}
		}
		run(aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: id, Version: "1.31.4"})
		for _, p := range pools {
			run(aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: id, Pool: p, Version: "1.31.4"})
		}
		e.clk.Set(sc.Start.Add(2 * time.Hour)) // the new node image is out
		for _, p := range pools {
			run(aksupgrade.Step{Kind: aksupgrade.StepNodeImage, ClusterID: id, Pool: p})
		}
		requests += len(e.sim.Requests())
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/upgrade")
}

// fleetScenario is n clusters in one subscription, throttling on.
func fleetScenario(n int) *simulator.Scenario {
	sub := simulator.Subscription{ID: subNonprod}
	for i := range n {
		sub.Clusters = append(sub.Clusters, simulator.Cluster{
			Name: fmt.Sprintf("aks-%04d", i), ResourceGroup: "rg-fleet", Location: "westeurope", KubernetesVersion: "1.30.9", NodeOSUpgradeChannel: "None",
			NodePools: []simulator.NodePool{{Name: "system", Count: 3}},
		})
	}
	return &simulator.Scenario{
		Start:         t0,
		PageSize:      100,
		Subscriptions: []simulator.Subscription{sub},
		Regions: []simulator.Region{{Name: "westeurope", KubernetesVersions: []simulator.MinorVersion{
			{Version: "1.30", Patches: []string{"1.30.9"}},
			{Version: "1.31", Patches: []string{"1.31.4"}},
		}, NodeImages: []string{"AKSUbuntu-2204gen2containerd-202502.03.0"}}},
	}
}

// BenchmarkFleetNo429 upgrades the control planes of 500 clusters of one
// subscription (100 with -short), at most 50 at a time, polling each
// every 30s of simulated time, against the simulator with ARM and AKS
// throttling on. The client-side buckets keep it under the limits: it
// reports the 429s the simulator answered (must be 0) and the requests.
// The protocol's minimum is 5 list pages + 500 x (1 GET + 1 PUT + 20
// polls of a 10-minute upgrade at 30s) = 11005 requests.
func BenchmarkFleetNo429(b *testing.B) {
	n, parallel := 500, 50
	if testing.Short() {
		n = 100
	}
	var requests, throttled int
	for b.Loop() {
		b.StopTimer()
		e := newSimEnv(b, fleetScenario(n))
		b.StartTimer()
		ctx := context.Background()
		var cs []aksupgrade.Cluster
		var err error
		e.onClock(func() { cs, err = e.p.Clusters(ctx, []string{subNonprod}) })
		if err != nil {
			b.Fatal(err)
		}
		pending := cs
		inflight := map[string]aksupgrade.Operation{}
		for len(pending) > 0 || len(inflight) > 0 {
			for len(inflight) < parallel && len(pending) > 0 {
				c := pending[0]
				pending = pending[1:]
				var op aksupgrade.Operation
				e.onClock(func() {
					op, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: c.ID, Version: "1.31.4"})
				})
				if err != nil {
					b.Fatalf("start %s: %v", c.Name, err)
				}
				inflight[c.ID] = op
			}
			e.clk.Advance(pollInterval)
			for id, op := range inflight {
				var st aksupgrade.OperationStatus
				e.onClock(func() { st, err = e.p.Poll(ctx, op) })
				if err != nil {
					b.Fatalf("poll %s: %v", id, err)
				}
				if st.Done() {
					if st.State != aksupgrade.OperationSucceeded {
						b.Fatalf("%s: %+v", id, st)
					}
					delete(inflight, id)
				}
			}
		}
		for _, r := range e.sim.Requests() {
			requests++
			if r.Status == http.StatusTooManyRequests {
				throttled++
			}
		}
	}
	b.ReportMetric(float64(throttled)/float64(b.N), "429s")
	b.ReportMetric(float64(requests)/float64(b.N), "requests")
	b.ReportMetric(float64(requests)/float64(b.N)/float64(n), "requests/cluster")
	if throttled > 0 {
		b.Errorf("the simulator throttled %d requests", throttled)
	}
}

// onClock runs f, advancing the manual clock by a second whenever f
// waits on it (the rate limiter), so that a single driver goroutine can
// call the provider without deadlocking on its own clock.
func (e *simEnv) onClock(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	for {
		select {
		case <-done:
			return
		case <-e.waits:
			e.clk.Advance(time.Second)
		}
	}
}

// signallingClock is the manual clock as the provider sees it: it also
// tells, on waits, that the provider went to sleep on the clock.
type signallingClock struct {
	*clock.Manual
	waits chan struct{}
}

func (c signallingClock) After(d time.Duration) <-chan time.Time {
	ch := c.Manual.After(d)
	if d > 0 {
		select {
		case c.waits <- struct{}{}:
		default:
		}
	}
	return ch
}
