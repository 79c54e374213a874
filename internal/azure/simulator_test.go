package azure

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// The provider against the simulator, over real loopback HTTP, on a
// manual clock: the same code path as against Azure, only the endpoint
// differs.

const (
	subNonprod = "aaaaaaaa-0000-4000-8000-000000000001"
	subProd    = "bbbbbbbb-0000-4000-8000-000000000002"
	devID      = "/subscriptions/" + subNonprod + "/resourcegroups/rg-dev/providers/Microsoft.ContainerService/managedClusters/aks-dev-weu"
	testID     = "/subscriptions/" + subNonprod + "/resourcegroups/rg-test/providers/Microsoft.ContainerService/managedClusters/aks-test-weu"
	prodID     = "/subscriptions/" + subProd + "/resourcegroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-neu"

	// pollInterval is how often the tests (and the benchmarks) poll, as
	// the engine would.
	pollInterval = 30 * time.Second
)

// simEnv is a simulator behind an httptest server and a provider talking
// to it, sharing a manual clock.
type simEnv struct {
	t   testing.TB
	clk *clock.Manual
	sim *simulator.Simulator
	srv *httptest.Server
	p   *Provider
	// waits receives when the provider goes to sleep on the clock.
	waits chan struct{}
}

func loadScenario(t testing.TB, file string) *simulator.Scenario {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := simulator.ParseScenario(file, b)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func newSimEnv(t testing.TB, sc *simulator.Scenario) *simEnv {
	t.Helper()
	start := sc.Start
	if start.IsZero() {
		start = t0
	}
	clk := clock.NewManual(start)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	e := &simEnv{t: t, clk: clk, sim: sim, srv: srv, waits: make(chan struct{}, 1)}
	e.p = e.provider()
	return e
}

// provider returns a new provider of the environment, as a restarted
// process would build it.
func (e *simEnv) provider() *Provider {
	e.t.Helper()
	p, err := New(Options{Endpoint: e.srv.URL, Clock: signallingClock{e.clk, e.waits}})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// requests returns the simulator's requests whose method is method (any
// when "") and whose path contains part, case-insensitively.
func (e *simEnv) requests(method, part string) []simulator.Request {
	var out []simulator.Request
	for _, r := range e.sim.Requests() {
		if (method == "" || r.Method == method) && strings.Contains(strings.ToLower(r.Path), strings.ToLower(part)) {
			out = append(out, r)
		}
	}
	return out
}

// await polls op every pollInterval of simulated time until it ends.
func (e *simEnv) await(p *Provider, op aksupgrade.Operation) aksupgrade.OperationStatus {
	e.t.Helper()
	for range 500 {
		e.clk.Advance(pollInterval)
		st, err := p.Poll(context.Background(), op)
		if err != nil {
			e.t.Fatalf("poll: %v", err)
		}
		if st.Done() {
			return st
		}
	}
	e.t.Fatalf("operation %+v did not end", op.Step)
	return aksupgrade.OperationStatus{}
}

func (e *simEnv) cluster(id string) aksupgrade.Cluster {
	e.t.Helper()
	for _, c := range e.sim.Fleet().Clusters {
		if aksupgrade.SameID(c.ID, id) {
			return c
		}
	}
	e.t.Fatalf("no cluster %s in the simulator", id)
	return aksupgrade.Cluster{}
}

// wantCode fails the test unless err is an *aksupgrade.Error with code.
func wantCode(t *testing.T, err error, code aksupgrade.ErrorCode) {
	t.Helper()
	var e *aksupgrade.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an *aksupgrade.Error %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%v), want %s", e.Code, err, code)
	}
}

// codeError is wantCode that returns the error, for a closer look.
func codeError(t *testing.T, err error, code aksupgrade.ErrorCode) *aksupgrade.Error {
	t.Helper()
	wantCode(t, err, code)
	var e *aksupgrade.Error
	errors.As(err, &e)
	return e
}

func poolVersions(c aksupgrade.Cluster) map[string]string {
	m := map[string]string{}
	for _, np := range c.NodePools {
		m[np.Name] = np.KubernetesVersion
	}
	return m
}

func TestSimulatorDiscovery(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	ctx := context.Background()

	subs, err := e.p.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{subNonprod, subProd}, subs); d != "" {
		t.Errorf("subscriptions (-want +got):\n%s", d)
	}

	got, err := e.p.Clusters(ctx, subs)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.p.MaintenanceWindows(ctx, got); err != nil {
		t.Fatal(err)
	}
	want := e.sim.Fleet().Clusters
	// The list has no details: the pools' latest images and an LTS
	// cluster's own upgrades are read with NodeImages, below.
	noLatest := cmp.Options{cmpopts.IgnoreFields(aksupgrade.NodePool{}, "LatestNodeImageVersion"), cmpopts.IgnoreFields(aksupgrade.Cluster{}, "Upgrades")}
	if d := cmp.Diff(want, got, noLatest, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("clusters (-simulator +provider):\n%s", d)
	}
	// Spot checks that the comparison above is not vacuous.
	if len(got) != 5 {
		t.Fatalf("%d clusters, want 5", len(got))
	}
	dev := got[0]
	if dev.AutoUpgradeWindow == nil || dev.AutoUpgradeWindow.Schedule.Weekly == nil || dev.AutoUpgradeWindow.StartDate != "2026-01-04" {
		t.Errorf("dev auto-upgrade window = %+v", dev.AutoUpgradeWindow)
	}
	if u := dev.NodePools[1].UpgradeSettings; u == nil || u.MaxSurge != "50%" || u.DrainTimeoutInMinutes != 30 {
		t.Errorf("dev's apps pool upgrade settings = %+v, want its own maxSurge 50%%", u)
	}
	if got[2].SupportPlan != aksupgrade.SupportPlanLTS || got[2].AutoUpgradeChannel != "patch" || got[4].PowerState != "Stopped" {
		t.Errorf("lts %+v, stopped %+v", got[2], got[4])
	}

	// Lists only: the cluster list pager (2 per page: 2 pages + 1 for
	// the prod subscription) and one maintenance list per cluster; never a
	// GET of one cluster.
	if n := len(e.requests(http.MethodGet, "/providers/Microsoft.ContainerService/managedClusters")); n != 3+5 {
		t.Errorf("%d managed cluster requests, want 3 list pages and 5 maintenance lists", n)
	}
	for _, r := range e.sim.Requests() {
		segs := strings.Split(strings.Trim(r.Path, "/"), "/")
		if len(segs) == 8 && strings.EqualFold(segs[6], "managedClusters") {
			t.Errorf("discovery read one cluster: %s %s", r.Method, r.Path)
		}
	}
	if n := len(e.requests("", "/maintenanceConfigurations")); n != 5 {
		t.Errorf("%d maintenance configuration requests, want 5", n)
	}

	// One cluster read again: a GET of it alone.
	one, err := e.p.Cluster(ctx, got[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	noWindow := cmpopts.IgnoreFields(aksupgrade.Cluster{}, "AutoUpgradeWindow")
	if d := cmp.Diff(want[1], one, noLatest, noWindow, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("one cluster (-simulator +provider):\n%s", d)
	}
	if _, err := e.p.Cluster(ctx, strings.Replace(got[1].ID, got[1].Name, "nope", 1)); aksupgrade.Code(err) != aksupgrade.ErrNotFound {
		t.Errorf("unknown cluster: %v, want ErrNotFound", err)
	}

	// Node images: the pools' upgrade profiles.
	for i := range got {
		if err := e.p.NodeImages(ctx, &got[i]); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("clusters with node images (-simulator +provider):\n%s", d)
	}
	if got[0].NodePools[0].LatestNodeImageVersion != "AKSUbuntu-2204gen2containerd-202502.03.0" {
		t.Errorf("latest node image = %q", got[0].NodePools[0].LatestNodeImageVersion)
	}
}

func TestSimulatorCatalog(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	for _, loc := range []string{"westeurope", "northeurope"} {
		got, err := e.p.Catalog(context.Background(), subNonprod, loc)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(e.sim.Fleet().Catalogs[loc], got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s catalogue (-simulator +provider):\n%s", loc, d)
		}
	}
	_, err := e.p.Catalog(context.Background(), subNonprod, "mars")
	wantCode(t, err, aksupgrade.ErrInvalid)
}

func TestSimulatorControlPlaneUpgrade(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	ctx := context.Background()
	before := poolVersions(e.cluster(devID))

	op, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: devID, Version: "1.31.4"})
	if err != nil {
		t.Fatal(err)
	}
	if op.ResumeToken == "" || !op.StartedAt.Equal(e.clk.Now()) {
		t.Errorf("operation = %+v", op)
	}
	if c := e.cluster(devID); c.ProvisioningState != "Upgrading" {
		t.Errorf("cluster state after Start = %q, want Upgrading", c.ProvisioningState)
	}
	st := e.await(e.p, op)
	if st.State != aksupgrade.OperationSucceeded || st.Err != nil {
		t.Fatalf("status = %+v", st)
	}
	c := e.cluster(devID)
	if c.KubernetesVersion != "1.31.4" || c.ProvisioningState != "Succeeded" {
		t.Errorf("cluster after the upgrade: %s %s", c.KubernetesVersion, c.ProvisioningState)
	}
	if d := cmp.Diff(before, poolVersions(c)); d != "" {
		t.Errorf("pools' versions changed by a control plane upgrade (-before +after):\n%s", d)
	}
	// One read of the cluster, one PUT; polls of the operation status only.
	clusterPath := strings.ToLower(devID)
	var reads, puts int
	for _, r := range e.sim.Requests() {
		if strings.ToLower(r.Path) != clusterPath {
			continue
		}
		switch r.Method {
		case http.MethodGet:
			reads++
		case http.MethodPut:
			puts++
		}
	}
	if reads != 1 || puts != 1 {
		t.Errorf("cluster GETs %d, PUTs %d; want 1 and 1", reads, puts)
	}
	if polls := e.requests(http.MethodGet, "/operations/"); len(polls) != 20 {
		t.Errorf("%d status polls for a 10 minute upgrade at 30s, want 20", len(polls))
	}

	// Again: already done, and nothing written.
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: devID, Version: "1.31.4"})
	wantCode(t, err, aksupgrade.ErrAlreadyDone)
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: devID, Version: "1.31"})
	wantCode(t, err, aksupgrade.ErrAlreadyDone)
	if n := len(e.requests(http.MethodPut, "")); n != 1 {
		t.Errorf("%d PUTs in all, want 1", n)
	}
}

func TestSimulatorPoolAndNodeImageUpgrades(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	ctx := context.Background()
	run := func(s aksupgrade.Step) {
		t.Helper()
		op, err := e.p.Start(ctx, s)
		if err != nil {
			t.Fatalf("start %+v: %v", s, err)
		}
		if st := e.await(e.p, op); st.State != aksupgrade.OperationSucceeded {
			t.Fatalf("%+v ended %+v", s, st)
		}
	}
	run(aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: devID, Version: "1.31.4"})
	run(aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: devID, Pool: "system", Version: "1.31.4"})
	c := e.cluster(devID)
	if d := cmp.Diff(map[string]string{"system": "1.31.4", "apps": "1.30.9", "batch": "1.30.9"}, poolVersions(c)); d != "" {
		t.Errorf("pool versions (-want +got):\n%s", d)
	}
	_, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: devID, Pool: "system", Version: "1.31.4"})
	wantCode(t, err, aksupgrade.ErrAlreadyDone)

	// The node image of a pool whose Kubernetes upgrade did not move it.
	img := func(pool string) string {
		for _, np := range e.cluster(devID).NodePools {
			if np.Name == pool {
				return np.NodeImageVersion
			}
		}
		return ""
	}
	if img("apps") != "AKSUbuntu-2204gen2containerd-202501.12.0" {
		t.Fatalf("apps image = %s", img("apps"))
	}
	run(aksupgrade.Step{Kind: aksupgrade.StepNodeImage, ClusterID: devID, Pool: "apps"})
	if img("apps") != "AKSUbuntu-2204gen2containerd-202502.03.0" {
		t.Errorf("apps image after the upgrade = %s", img("apps"))
	}
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodeImage, ClusterID: devID, Pool: "apps"})
	wantCode(t, err, aksupgrade.ErrAlreadyDone)
	if n := len(e.requests(http.MethodPost, "upgradeNodeImageVersion")); n != 1 {
		t.Errorf("%d node image POSTs, want 1", n)
	}
}

func TestSimulatorRefusals(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	ctx := context.Background()
	cp := func(id, v string) aksupgrade.Step {
		return aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: id, Version: v}
	}

	// A skipped minor: AKS refuses with 400 OperationNotAllowed "... is
	// not allowed. Available upgrades: ...".
	_, err := e.p.Start(ctx, cp(testID, "1.32.1"))
	ae := codeError(t, err, aksupgrade.ErrVersionNotAvailable)
	if ae.Status != http.StatusBadRequest || ae.AzureCode != "OperationNotAllowed" || !strings.Contains(ae.Message, "Available upgrades") {
		t.Errorf("minor skip: %+v", ae)
	}
	// A version the region does not offer.
	_, err = e.p.Start(ctx, cp(prodID, "1.32.1"))
	wantCode(t, err, aksupgrade.ErrVersionNotAvailable)
	// A pool newer than its control plane.
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: testID, Pool: "system", Version: "1.31.4"})
	wantCode(t, err, aksupgrade.ErrVersionNotAvailable)
	// Not a version at all.
	_, err = e.p.Start(ctx, cp(testID, "one-point-thirty"))
	wantCode(t, err, aksupgrade.ErrInvalid)
	// A stopped cluster: refused before the write; its pools by AKS (409).
	offID := strings.Replace(prodID, "aks-prod-neu", "aks-prod-off", 1)
	_, err = e.p.Start(ctx, cp(offID, "1.31.4"))
	wantCode(t, err, aksupgrade.ErrInvalid)
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: offID, Pool: "system", Version: "1.30.10"})
	ae = codeError(t, err, aksupgrade.ErrInvalid)
	if ae.Status != http.StatusConflict {
		t.Errorf("stopped cluster's pool: %+v", ae)
	}
	// No such cluster, no such pool.
	_, err = e.p.Start(ctx, cp(strings.Replace(testID, "aks-test-weu", "aks-nope", 1), "1.31.4"))
	wantCode(t, err, aksupgrade.ErrNotFound)
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodeImage, ClusterID: testID, Pool: "nope"})
	wantCode(t, err, aksupgrade.ErrNotFound)
	// Steps that make no sense never reach Azure.
	for _, s := range []aksupgrade.Step{
		{Kind: aksupgrade.StepControlPlane, ClusterID: testID},
		{Kind: aksupgrade.StepNodePool, ClusterID: testID, Version: "1.31.4"},
		{Kind: "reboot", ClusterID: testID},
		{Kind: aksupgrade.StepControlPlane, ClusterID: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", Version: "1.31.4"},
	} {
		_, err = e.p.Start(ctx, s)
		wantCode(t, err, aksupgrade.ErrInvalid)
	}
	if n := len(e.requests(http.MethodPut, "")); n != 5 {
		t.Errorf("%d PUTs, want the 5 AKS refused", n)
	}
	if c := e.cluster(testID); c.KubernetesVersion != "1.30.9" || c.ProvisioningState != "Succeeded" {
		t.Errorf("a refused upgrade changed the cluster: %+v", c)
	}
}

func TestSimulatorBusy(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	ctx := context.Background()
	op, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: devID, Version: "1.31.4"})
	if err != nil {
		t.Fatal(err)
	}
	puts := len(e.requests(http.MethodPut, ""))

	// The cluster reads Upgrading: refused before any write.
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: devID, Version: "1.31.4"})
	wantCode(t, err, aksupgrade.ErrBusy)
	if n := len(e.requests(http.MethodPut, "")); n != puts {
		t.Errorf("a busy cluster was written to")
	}
	// A pool of the busy cluster: the pool itself reads Succeeded, so the
	// PUT goes out and AKS answers 409 OperationNotAllowed.
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: devID, Pool: "apps", Version: "1.31.4"})
	ae := codeError(t, err, aksupgrade.ErrBusy)
	if ae.Status != http.StatusConflict || ae.AzureCode != "OperationNotAllowed" {
		t.Errorf("409 classified as %+v", ae)
	}
	e.await(e.p, op)

	// A conflict fault: AKS runs an operation of its own.
	id := e.sim.AddFault(simulator.Fault{Kind: simulator.FaultConflict, Cluster: "aks-test-weu", Count: 1})
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.31.4"})
	wantCode(t, err, aksupgrade.ErrBusy)
	e.sim.ClearFault(id)
	if _, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.31.4"}); err != nil {
		t.Errorf("after the conflict cleared: %v", err)
	}
}

func TestSimulatorFailedOperations(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	ctx := context.Background()
	op, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: devID, Version: "1.31.4"})
	if err != nil {
		t.Fatal(err)
	}
	e.await(e.p, op)

	// A PodDisruptionBudget that blocks the drain: the operation fails.
	e.sim.AddFault(simulator.Fault{Kind: simulator.FaultDrainFailure, Cluster: "aks-dev-weu", Pool: "apps", Count: 1})
	op, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: devID, Pool: "apps", Version: "1.31.4"})
	if err != nil {
		t.Fatal(err)
	}
	st := e.await(e.p, op)
	if st.State != aksupgrade.OperationFailed {
		t.Fatalf("status = %+v, want Failed", st)
	}
	ae := codeError(t, st.Err, aksupgrade.ErrDrainFailed)
	if ae.AzureCode != "UpgradeFailed" || !strings.Contains(ae.Message, "Disruption Budget") {
		t.Errorf("drain failure: %+v", ae)
	}
	// The failed pool can be retried (Failed is not busy) and succeeds
	// now that the fault is spent.
	op, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: devID, Pool: "apps", Version: "1.31.4"})
	if err != nil {
		t.Fatalf("retry after a failure: %v", err)
	}
	if st := e.await(e.p, op); st.State != aksupgrade.OperationSucceeded {
		t.Errorf("retry ended %+v", st)
	}

	// No quota for surge nodes.
	e.sim.AddFault(simulator.Fault{Kind: simulator.FaultQuota, Cluster: "aks-dev-weu", Pool: "batch", Count: 1})
	op, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: devID, Pool: "batch", Version: "1.31.4"})
	if err == nil {
		st = e.await(e.p, op)
		err = st.Err
	}
	wantCode(t, err, aksupgrade.ErrQuotaExceeded)

	// Deprecated APIs in use: the minor upgrade is refused at once.
	e.sim.AddFault(simulator.Fault{Kind: simulator.FaultDeprecatedAPI, Cluster: "aks-test-weu"})
	_, err = e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.31.4"})
	ae = codeError(t, err, aksupgrade.ErrDeprecatedAPI)
	if ae.AzureCode != "ValidationError" {
		t.Errorf("deprecated API: %+v", ae)
	}
}

func TestSimulatorThrottledCallSucceedsAfterRetryAfter(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	e.sim.AddFault(simulator.Fault{Kind: simulator.FaultThrottle, Subscription: subProd, Count: 1, RetryAfter: simulator.Duration(45 * time.Second)})
	type result struct {
		cs  []aksupgrade.Cluster
		err error
	}
	done := make(chan result, 1)
	go func() {
		cs, err := e.p.Clusters(context.Background(), []string{subProd})
		done <- result{cs, err}
	}()
	waitForWaiters(t, e.clk, 1)
	if n := len(e.requests("", "")); n != 1 {
		t.Fatalf("%d requests while waiting, want the one throttled", n)
	}
	e.clk.Advance(44 * time.Second)
	select {
	case r := <-done:
		t.Fatalf("returned before Retry-After: %v", r.err)
	default:
	}
	e.clk.Advance(time.Second)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.cs) != 2 {
		t.Errorf("%d clusters, want 2", len(r.cs))
	}
	reqs := e.sim.Requests()
	if reqs[0].Status != http.StatusTooManyRequests || reqs[1].Status != http.StatusOK || reqs[1].Time.Sub(reqs[0].Time) != 45*time.Second {
		t.Errorf("requests: %+v", reqs[:2])
	}
}

func TestSimulatorRestartResumesPolling(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	ctx := context.Background()
	steps := []aksupgrade.Step{
		{Kind: aksupgrade.StepControlPlane, ClusterID: prodID, Version: "1.31.4"},
		{Kind: aksupgrade.StepNodePool, ClusterID: prodID, Pool: "system", Version: "1.31.4"},
		{Kind: aksupgrade.StepNodeImage, ClusterID: devID, Pool: "batch"},
	}
	for _, s := range steps {
		t.Run(string(s.Kind), func(t *testing.T) {
			// The first process starts the step, polls once and stops;
			// the operation survives only as JSON.
			stored := func() []byte {
				first := e.provider()
				op, err := first.Start(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				e.clk.Advance(pollInterval)
				if st, err := first.Poll(ctx, op); err != nil || st.State != aksupgrade.OperationInProgress {
					t.Fatalf("first poll: %+v %v", st, err)
				}
				b, err := json.Marshal(op)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}()

			var back aksupgrade.Operation
			if err := json.Unmarshal(stored, &back); err != nil {
				t.Fatal(err)
			}
			second := e.provider()
			if st := e.await(second, back); st.State != aksupgrade.OperationSucceeded {
				t.Fatalf("after the restart: %+v", st)
			}
		})
	}
	// Exactly one write per step, whatever the restarts.
	if n := len(e.requests(http.MethodPut, strings.ToLower(prodID))); n != 2 {
		t.Errorf("%d PUTs on prod (cluster and pool), want 2", n)
	}
	if n := len(e.requests(http.MethodPut, strings.ToLower(prodID)+"/agentpools/system")); n != 1 {
		t.Errorf("%d PUTs on prod's system pool, want 1", n)
	}
	if n := len(e.requests(http.MethodPost, "")); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
	c := e.cluster(prodID)
	if c.KubernetesVersion != "1.31.4" || poolVersions(c)["system"] != "1.31.4" {
		t.Errorf("prod after the resumed upgrades: %+v", c)
	}

	// A token that is not one, or of another kind of step.
	bad := aksupgrade.Operation{Step: steps[0], ResumeToken: "{}"}
	_, err := e.p.Poll(ctx, bad)
	wantCode(t, err, aksupgrade.ErrInvalid)
}

func TestSimulatorAuthenticationRequired(t *testing.T) {
	// The simulator wants a bearer token; the provider sends one over
	// loopback http (and New refuses http to any other host, see
	// TestNewRefusesPlainHTTPToOtherHosts).
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	if _, err := e.p.Subscriptions(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.srv.URL + "/subscriptions?api-version=2022-12-01")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous request: %d, want 401", resp.StatusCode)
	}
}

// ifMatchTransport sends requests to the simulator, recording the
// If-Match header of PUTs, and replacing it when stale is set.
type ifMatchTransport struct {
	mu     sync.Mutex
	seen   []string
	stale  string
	client *http.Client
}

func (t *ifMatchTransport) Do(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut {
		t.mu.Lock()
		t.seen = append(t.seen, r.Header.Get("If-Match"))
		if t.stale != "" {
			r.Header.Set("If-Match", t.stale)
		}
		t.mu.Unlock()
	}
	return t.client.Do(r)
}

func TestSimulatorOptimisticConcurrency(t *testing.T) {
	e := newSimEnv(t, loadScenario(t, "fleet.yaml"))
	ctx := context.Background()
	tr := &ifMatchTransport{client: e.srv.Client()}
	p, err := New(Options{Endpoint: e.srv.URL, Clock: e.clk, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	etag := func(id, pool string) string {
		f, _ := p.factory(subNonprod)
		ref, _ := parseClusterID(id)
		if pool == "" {
			r, err := f.NewManagedClustersClient().Get(ctx, ref.resourceGroup, ref.name, nil)
			if err != nil {
				t.Fatal(err)
			}
			return str(r.ETag)
		}
		r, err := f.NewAgentPoolsClient().Get(ctx, ref.resourceGroup, ref.name, pool, nil)
		if err != nil {
			t.Fatal(err)
		}
		return str(r.Properties.ETag)
	}

	// Someone changed the cluster between our read and our write: 412.
	tr.stale = "an-older-etag"
	_, err = p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.31.4"})
	ae := codeError(t, err, aksupgrade.ErrConflict)
	if ae.Status != http.StatusPreconditionFailed {
		t.Errorf("412 classified as %+v", ae)
	}
	tr.stale = ""

	// The PUTs carry the ETag of the read.
	want := []string{etag(testID, ""), etag(testID, ""), etag(testID, "system")}
	op, err := p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.31.4"})
	if err != nil {
		t.Fatal(err)
	}
	e.await(p, op)
	want[2] = etag(testID, "system")
	if _, err := p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: testID, Pool: "system", Version: "1.31.4"}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, tr.seen); d != "" {
		t.Errorf("If-Match headers (-etags read +sent):\n%s", d)
	}
}
