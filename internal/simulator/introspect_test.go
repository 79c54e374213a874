package simulator

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t, "small.yaml")
	start := e.sim.Start()
	e.getCluster("rg-a", "aks-a")
	e.clock.Advance(time.Minute)
	if _, err := e.clusters().Get(context.Background(), "rg-a", "nope", nil); err == nil {
		t.Fatal("no error for an unknown cluster")
	}
	e.rawHeaders("GET", clusterA, nil, http.Header{})

	want := []Request{
		{Time: start, Method: "GET", Path: "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a", Query: "api-version=2025-02-01", Status: 200, Subscription: subOne, API: APIARM},
		{Time: start.Add(time.Minute), Method: "GET", Path: "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/nope", Query: "api-version=2025-02-01", Status: 404, Subscription: subOne, API: APIARM},
		{Time: start.Add(time.Minute), Method: "GET", Path: "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a", Query: "api-version=2025-02-01", Status: 401, Subscription: subOne, API: APIARM},
	}
	if diff := cmp.Diff(want, e.sim.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	var overHTTP []Request
	getJSON(t, e.srv.URL+"/simulator/v1/requests", &overHTTP)
	if diff := cmp.Diff(want, overHTTP, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("/simulator/v1/requests (-want +got):\n%s", diff)
	}
}

func TestStateAndTimeEndpoints(t *testing.T) {
	e := newEnv(t, "small.yaml")
	if _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute)

	var st State
	getJSON(t, e.srv.URL+"/simulator/v1/state", &st)
	if len(st.Fleet.Clusters) != 6 || len(st.Fleet.Catalogs) != 2 {
		t.Errorf("fleet: %d clusters, %d catalogues", len(st.Fleet.Clusters), len(st.Fleet.Catalogs))
	}
	if len(st.Operations) != 1 || st.Operations[0].Kind != "controlPlane" || st.Operations[0].PercentComplete != 50 || st.Operations[0].To != "1.30.10" {
		t.Errorf("operations = %+v", st.Operations)
	}
	if st.Fleet.Clusters[0].ProvisioningState != "Upgrading" {
		t.Errorf("aks-a is %s", st.Fleet.Clusters[0].ProvisioningState)
	}

	var ti TimeInfo
	getJSON(t, e.srv.URL+"/simulator/v1/time", &ti)
	if !ti.Now.Equal(e.sim.Start().Add(5*time.Minute)) || ti.Elapsed != Duration(5*time.Minute) {
		t.Errorf("time = %+v", ti)
	}

	// The operation's status over ARM agrees.
	op := st.Operations[0]
	var status operationStatus
	resp, body := e.raw("GET", "/subscriptions/"+subOne+"/providers/Microsoft.ContainerService/locations/westeurope/operations/"+op.ID, nil)
	if err := json.Unmarshal(body, &status); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if status.Status != "InProgress" || status.PercentComplete != 50 || status.Name != op.ID {
		t.Errorf("status = %+v", status)
	}
	// Its result is 202 until it ends.
	resultPath := "/subscriptions/" + subOne + "/providers/Microsoft.ContainerService/locations/westeurope/operationresults/" + op.ID
	if resp, _ := e.raw("GET", resultPath, nil); resp.StatusCode != 202 || resp.Header.Get("Location") == "" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("result while running: %d Location %q Retry-After %q", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Retry-After"))
	}
	e.clock.Advance(5 * time.Minute)
	if resp, body := e.raw("GET", resultPath, nil); resp.StatusCode != 200 {
		t.Errorf("result when done: %d %s", resp.StatusCode, body)
	}
}

// TestConcurrentRequests hits the handler from many goroutines while the
// clock moves; run with -race.
func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t, "small.yaml")
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 10 {
				switch i % 4 {
				case 0:
					e.raw("GET", clusterA, nil)
				case 1:
					e.sim.Fleet()
				case 2:
					e.raw("POST", clusterA+"/agentPools/system/upgradeNodeImageVersion", nil)
				case 3:
					e.clock.Advance(time.Minute)
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	if n := len(e.sim.Requests()); n != 40 {
		t.Errorf("%d requests logged, want 40", n)
	}
}
