package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const clusterA = "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a"

func TestThrottleFaultCount(t *testing.T) {
	e := newEnv(t, "small.yaml")
	e.sim.AddFault(Fault{Kind: FaultThrottle, Subscription: subOne, Count: 2})
	other := "/subscriptions/" + subTwo + "/resourceGroups/rg-c/providers/Microsoft.ContainerService/managedClusters/aks-e"
	if resp, _ := e.raw("GET", other, nil); resp.StatusCode != 200 {
		t.Errorf("the other subscription got %d", resp.StatusCode)
	}
	for i := range 2 {
		resp, body := e.raw("GET", clusterA, nil)
		if resp.StatusCode != 429 || armCode(t, body) != "Throttled" || resp.Header.Get("Retry-After") != "10" {
			t.Fatalf("request %d: %d %s Retry-After %q, want 429 Throttled 10", i, resp.StatusCode, body, resp.Header.Get("Retry-After"))
		}
	}
	if resp, _ := e.raw("GET", clusterA, nil); resp.StatusCode != 200 {
		t.Errorf("after the fault is spent: %d", resp.StatusCode)
	}
}

func TestThrottleFaultPeriod(t *testing.T) {
	e := newEnv(t, "small.yaml", func(sc *Scenario) {
		sc.Faults = append(sc.Faults, Fault{Kind: FaultThrottle, Cluster: "aks-a", After: Duration(time.Hour), For: Duration(30 * time.Minute)})
	})
	status := func() int { resp, _ := e.raw("GET", clusterA, nil); return resp.StatusCode }
	if got := status(); got != 200 {
		t.Errorf("before the period: %d", got)
	}
	e.clock.Advance(time.Hour)
	resp, _ := e.raw("GET", clusterA, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1800" {
		t.Errorf("in the period: %d Retry-After %s, want 429 1800", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp, _ := e.raw("GET", "/subscriptions/"+subOne+"/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-b", nil); resp.StatusCode != 200 {
		t.Errorf("another cluster in the period: %d", resp.StatusCode)
	}
	e.clock.Advance(30 * time.Minute)
	if got := status(); got != 200 {
		t.Errorf("after the period: %d", got)
	}
}

func TestSlowFault(t *testing.T) {
	e := newEnv(t, "small.yaml")
	e.sim.AddFault(Fault{Kind: FaultSlow, Cluster: "aks-a", Factor: 3})
	p, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(29 * time.Minute)
	if p.poll(t) {
		t.Fatal("a 3x slow control plane upgrade is done after 29 minutes")
	}
	e.clock.Advance(time.Minute)
	if !p.poll(t) {
		t.Fatal("not done after 30 minutes")
	}
}

func TestDrainFailureAndRetry(t *testing.T) {
	e := newEnv(t, "small.yaml")
	id := e.sim.AddFault(Fault{Kind: FaultDrainFailure, Cluster: "aks-b", Pool: "apps"})
	p, err := e.upgradePool("rg-a", "aks-b", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	// Batch one (8m) goes through; the next drain times out after 20m.
	e.clock.Advance(27 * time.Minute)
	if p.poll(t) {
		t.Fatal("failed before the drain timeout")
	}
	e.clock.Advance(time.Minute)
	if !p.poll(t) {
		t.Fatal("not ended at 28 minutes")
	}
	_, err = p.result()
	re := responseError(t, err)
	if re.ErrorCode != "UpgradeFailed" || !strings.Contains(err.Error(), "Pod Disruption Budget") || !strings.Contains(err.Error(), "vmss000005") {
		t.Errorf("error = %v, want UpgradeFailed draining the first node of the second batch", err)
	}
	ap := e.getPool("rg-a", "aks-b", "apps")
	got := []string{deref(ap.Properties.ProvisioningState), deref(ap.Properties.OrchestratorVersion), deref(ap.Properties.CurrentOrchestratorVersion), deref(e.getCluster("rg-a", "aks-b").Properties.ProvisioningState)}
	if want := []string{"Failed", "1.31.4", "1.30.9", "Failed"}; !slices.Equal(got, want) {
		t.Errorf("pool state, version, current, cluster state = %v, want %v", got, want)
	}
	st := e.sim.State(true)
	if last := st.Operations[len(st.Operations)-1]; last.Status != "Failed" || last.ErrorCode != "UpgradeFailed" || last.PercentComplete <= 0 {
		t.Errorf("operation = %+v", last)
	}

	// The PDB is still there: a retry fails again.
	p, err = e.upgradePool("rg-a", "aks-b", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(28 * time.Minute)
	if !p.poll(t) {
		t.Fatal("retry not ended")
	}
	if _, err := p.result(); err == nil {
		t.Fatal("the retry succeeded with the fault in place")
	}

	// Cleared: the retry of the same version succeeds.
	if !e.sim.ClearFault(id) {
		t.Fatal("ClearFault found no fault")
	}
	p, err = e.upgradePool("rg-a", "aks-b", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(16 * time.Minute)
	if !p.poll(t) {
		t.Fatal("retry not done")
	}
	res, err := p.result()
	if err != nil {
		t.Fatal(err)
	}
	if got := deref(res.Properties.CurrentOrchestratorVersion); got != "1.31.4" || deref(res.Properties.ProvisioningState) != "Succeeded" {
		t.Errorf("after the retry: %s %s", got, deref(res.Properties.ProvisioningState))
	}
	if got := deref(e.getCluster("rg-a", "aks-b").Properties.ProvisioningState); got != "Succeeded" {
		t.Errorf("cluster state = %s", got)
	}
}

func TestQuotaFault(t *testing.T) {
	e := newEnv(t, "small.yaml")
	e.sim.AddFault(Fault{Kind: FaultQuota, Cluster: "aks-a", Count: 1})
	poller, err := e.pools().BeginUpgradeNodeImageVersion(context.Background(), "rg-a", "aks-a", "system", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := poller.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !poller.Done() {
		t.Fatal("a quota failure is not immediate")
	}
	_, err = poller.Result(context.Background())
	if re := responseError(t, err); re.ErrorCode != "QuotaExceeded" || !strings.Contains(err.Error(), "exceeding quota limits of Core") {
		t.Errorf("error = %v", err)
	}
	// The operation result (Location) answers with the error too.
	op := e.sim.State(true).Operations[0]
	resp, body := e.raw("GET", "/subscriptions/"+subOne+"/providers/Microsoft.ContainerService/locations/westeurope/operationresults/"+op.ID, nil)
	if resp.StatusCode != 400 || armCode(t, body) != "QuotaExceeded" {
		t.Errorf("operation result = %d %s", resp.StatusCode, body)
	}
	// Count 1: the retry goes through.
	again, err := e.pools().BeginUpgradeNodeImageVersion(context.Background(), "rg-a", "aks-a", "system", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(24 * time.Minute)
	if _, err := again.PollUntilDone(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestDeprecatedAPIFault(t *testing.T) {
	e := newEnv(t, "small.yaml", func(sc *Scenario) {
		sc.Faults = []Fault{{Kind: FaultDeprecatedAPI, Cluster: "aks-a"}}
	})
	_, err := e.upgradeControlPlane("rg-a", "aks-a", "1.31.4")
	re := responseError(t, err)
	if re.StatusCode != 400 || re.ErrorCode != "ValidationError" || !strings.Contains(err.Error(), "UpgradeBlockedOnDeprecatedAPIUsage") || !strings.Contains(err.Error(), "removed in 1.31") {
		t.Errorf("minor upgrade: %v", err)
	}
	// A patch upgrade is not blocked.
	if _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10"); err != nil {
		t.Errorf("patch upgrade: %v", err)
	}
}

func TestStoppedFault(t *testing.T) {
	e := newEnv(t, "small.yaml")
	id := e.sim.AddFault(Fault{Kind: FaultStopped, Cluster: "aks-a"})
	mc := e.getCluster("rg-a", "aks-a")
	if got := string(deref(mc.Properties.PowerState.Code)); got != "Stopped" {
		t.Errorf("power state = %s", got)
	}
	if _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10"); responseError(t, err).StatusCode != 409 {
		t.Errorf("upgrade of a stopped cluster: %v", err)
	}
	e.sim.ClearFault(id)
	if got := string(deref(e.getCluster("rg-a", "aks-a").Properties.PowerState.Code)); got != "Running" {
		t.Errorf("power state after clearing = %s", got)
	}
	if _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10"); err != nil {
		t.Error(err)
	}
}

func TestConflictFault(t *testing.T) {
	e := newEnv(t, "small.yaml")
	e.sim.AddFault(Fault{Kind: FaultConflict, Cluster: "aks-a", Count: 1})
	if _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10"); responseError(t, err).ErrorCode != "OperationNotAllowed" {
		t.Errorf("first write: %v", err)
	}
	if _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10"); err != nil {
		t.Errorf("second write: %v", err)
	}
}

func TestRandomFaults(t *testing.T) {
	statuses := func(seed uint64, rate float64) []int {
		e := newEnv(t, "small.yaml", func(sc *Scenario) {
			sc.Seed = seed
			sc.Faults = []Fault{{Kind: FaultRandom, Rate: rate, Kinds: []FaultKind{FaultThrottle}}}
		})
		var out []int
		for range 20 {
			resp, _ := e.raw("GET", clusterA, nil)
			out = append(out, resp.StatusCode)
		}
		return out
	}
	all := statuses(1, 1)
	if slices.ContainsFunc(all, func(s int) bool { return s != 429 }) {
		t.Errorf("rate 1: %v, want all 429", all)
	}
	a, b := statuses(42, 0.5), statuses(42, 0.5)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	if !slices.Contains(a, 429) || !slices.Contains(a, 200) {
		t.Errorf("rate 0.5: %v, want some of each", a)
	}
}

func TestFaultsOverHTTP(t *testing.T) {
	e := newEnv(t, "small.yaml")
	post := func(body string) (*http.Response, map[string]any) {
		resp, err := http.Post(e.srv.URL+"/simulator/v1/faults", "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("POST %s: %d, answer: %v", body, resp.StatusCode, err)
		}
		return resp, out
	}
	resp, out := post(`{"kind":"drainFailure","cluster":"aks-b","pool":"apps","after":"1h"}`)
	if resp.StatusCode != 201 || out["id"] == "" {
		t.Fatalf("POST = %d %v", resp.StatusCode, out)
	}
	id := out["id"].(string)
	faults := e.sim.Faults()
	if len(faults) != 1 || faults[0].ID != id || faults[0].After != Duration(time.Hour) || faults[0].Active {
		t.Errorf("faults = %+v", faults)
	}
	for _, bad := range []string{`{"kind":"meteor"}`, `{"kind":"stopped","cluster":"nope"}`, `{"kind":"throttle","extra":1}`, `{"kind":"drainFailure","cluster":"aks-b","pool":"nope"}`} {
		if resp, _ := post(bad); resp.StatusCode != 400 {
			t.Errorf("POST %s = %d, want 400", bad, resp.StatusCode)
		}
	}
	del := func() int {
		req, _ := http.NewRequest("DELETE", e.srv.URL+"/simulator/v1/faults/"+id, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := del(); got != 204 {
		t.Errorf("DELETE = %d", got)
	}
	if got := del(); got != 404 {
		t.Errorf("second DELETE = %d", got)
	}
	if len(e.sim.Requests()) != 0 {
		t.Errorf("simulator endpoints were logged as ARM requests: %v", e.sim.Requests())
	}
}

func TestGiveUpAfterFailedPoolUpgrade(t *testing.T) {
	e := newEnv(t, "small.yaml")
	e.sim.AddFault(Fault{Kind: FaultDrainFailure, Cluster: "aks-b", Pool: "apps", Count: 1})
	if _, err := e.upgradePool("rg-a", "aks-b", "apps", "1.31.4"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if got := deref(e.getPool("rg-a", "aks-b", "apps").Properties.ProvisioningState); got != "Failed" {
		t.Fatalf("state = %s", got)
	}
	// PUT the version the pool runs: its goal is that again, nothing runs.
	p, err := e.upgradePool("rg-a", "aks-b", "apps", "1.30.9")
	if err != nil {
		t.Fatal(err)
	}
	if !p.p.Done() {
		t.Fatal("an operation started")
	}
	ap := e.getPool("rg-a", "aks-b", "apps")
	if got := []string{deref(ap.Properties.ProvisioningState), deref(ap.Properties.OrchestratorVersion)}; !slices.Equal(got, []string{"Succeeded", "1.30.9"}) {
		t.Errorf("pool = %v", got)
	}
	if got := deref(e.getCluster("rg-a", "aks-b").Properties.ProvisioningState); got != "Succeeded" {
		t.Errorf("cluster = %s", got)
	}
}

func TestThrottleFaultOnClusterHitsItsOperationStatus(t *testing.T) {
	e := newEnv(t, "small.yaml")
	p, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10")
	if err != nil {
		t.Fatal(err)
	}
	e.sim.AddFault(Fault{Kind: FaultThrottle, Cluster: "aks-a", Count: 1})
	_, err = p.p.Poll(context.Background())
	if re := responseError(t, err); re.StatusCode != 429 {
		t.Errorf("poll: %v", err)
	}
	if p.poll(t) {
		t.Error("done at once")
	}
}

// A drain that cannot finish fails a whole-cluster upgrade as it fails a
// pool's: the cluster and its pools end Failed on their versions, and a
// retry once the fault is spent upgrades them.
func TestDrainFailureFailsWholeClusterUpgrade(t *testing.T) {
	e := newEnv(t, "small.yaml")
	e.sim.AddFault(Fault{Kind: FaultDrainFailure, Cluster: "aks-b", Pool: "apps", Count: 1})
	p, err := e.upgradeCluster("rg-a", "aks-b", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	for !p.poll(t) {
		e.clock.Advance(10 * time.Minute)
	}
	if _, err := p.result(); responseError(t, err).ErrorCode != "UpgradeFailed" {
		t.Fatalf("error = %v, want UpgradeFailed", err)
	}
	ap := e.getPool("rg-a", "aks-b", "apps")
	got := []string{deref(ap.Properties.ProvisioningState), deref(ap.Properties.CurrentOrchestratorVersion), deref(e.getCluster("rg-a", "aks-b").Properties.ProvisioningState)}
	if want := []string{"Failed", "1.30.9", "Failed"}; !slices.Equal(got, want) {
		t.Errorf("pool state, current version, cluster state = %v, want %v", got, want)
	}
	p, err = e.upgradeCluster("rg-a", "aks-b", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	for !p.poll(t) {
		e.clock.Advance(10 * time.Minute)
	}
	if _, err := p.result(); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if v := deref(e.getPool("rg-a", "aks-b", "apps").Properties.CurrentOrchestratorVersion); v != "1.31.4" {
		t.Errorf("after the retry the pool runs %s, want 1.31.4", v)
	}
}
