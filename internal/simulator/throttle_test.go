package simulator

import (
	"strconv"
	"testing"
	"time"
)

func throttlingOn(sc *Scenario) { sc.Throttling = ptr(true) }

func TestThrottleSubscriptionReads(t *testing.T) {
	e := newEnv(t, "small.yaml", throttlingOn)
	for i := range 250 {
		resp, _ := e.raw("GET", clusterA, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("read %d: %d", i+1, resp.StatusCode)
		}
		if got, want := resp.Header.Get("X-Ms-Ratelimit-Remaining-Subscription-Reads"), strconv.Itoa(249-i); got != want {
			t.Fatalf("read %d: remaining %s, want %s", i+1, got, want)
		}
	}
	resp, body := e.raw("GET", clusterA, nil)
	if resp.StatusCode != 429 || armCode(t, body) != "TooManyRequests" || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("read 251: %d %s Retry-After %q, want 429 TooManyRequests 1", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Another subscription has its own bucket.
	if resp, _ := e.raw("GET", "/subscriptions/"+subTwo+"/resourceGroups/rg-c/providers/Microsoft.ContainerService/managedClusters/aks-e", nil); resp.StatusCode != 200 {
		t.Errorf("other subscription: %d", resp.StatusCode)
	}
	// 25 tokens a second come back.
	e.clock.Advance(time.Second)
	for i := range 25 {
		if resp, _ := e.raw("GET", clusterA, nil); resp.StatusCode != 200 {
			t.Fatalf("after a second, read %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := e.raw("GET", clusterA, nil); resp.StatusCode != 429 {
		t.Errorf("read 26 after a second: %d, want 429", resp.StatusCode)
	}
}

func TestThrottlePutPerResource(t *testing.T) {
	e := newEnv(t, "small.yaml", throttlingOn)
	pool := clusterA + "/agentPools/apps"
	put := func() int {
		resp, _ := e.raw("PUT", pool, map[string]any{"properties": map[string]any{}})
		return resp.StatusCode
	}
	for i := range 20 {
		if got := put(); got != 200 {
			t.Fatalf("PUT %d: %d", i+1, got)
		}
	}
	resp, _ := e.raw("PUT", pool, map[string]any{"properties": map[string]any{}})
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "60" {
		t.Fatalf("PUT 21: %d Retry-After %q, want 429 60", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Another pool is another resource.
	if resp, _ := e.raw("PUT", clusterA+"/agentPools/system", map[string]any{"properties": map[string]any{}}); resp.StatusCode != 200 {
		t.Errorf("PUT of another pool: %d", resp.StatusCode)
	}
	e.clock.Advance(59 * time.Second)
	if got := put(); got != 429 {
		t.Errorf("after 59s: %d, want 429", got)
	}
	e.clock.Advance(time.Second)
	if got := put(); got != 200 {
		t.Errorf("after a minute: %d, want 200", got)
	}
}

func TestThrottleSubscriptionWrites(t *testing.T) {
	e := newEnv(t, "small.yaml", throttlingOn)
	post := "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a/agentPools/system/upgradeNodeImageVersion"
	for i := range 200 {
		resp, _ := e.raw("POST", post, nil)
		if want := map[bool]int{true: 202, false: 409}[i == 0]; resp.StatusCode != want {
			t.Fatalf("write %d: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	resp, _ := e.raw("POST", post, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("write 201: %d Retry-After %q, want 429 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestThrottleOperationStatus(t *testing.T) {
	e := newEnv(t, "small.yaml", throttlingOn)
	if _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10"); err != nil {
		t.Fatal(err)
	}
	op := e.sim.State(false).Operations[0]
	path := "/subscriptions/" + subOne + "/providers/Microsoft.ContainerService/locations/westeurope/operations/" + op.ID
	for i := range 200 {
		if resp, _ := e.raw("GET", path, nil); resp.StatusCode != 200 {
			t.Fatalf("status read %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, _ := e.raw("GET", path, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("status read 201: %d Retry-After %q, want 429 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clock.Advance(time.Second)
	if resp, _ := e.raw("GET", path, nil); resp.StatusCode != 200 {
		t.Errorf("a second later: %d", resp.StatusCode)
	}
}

func TestThrottlingOff(t *testing.T) {
	e := newEnv(t, "small.yaml")
	for i := range 300 {
		if resp, _ := e.raw("GET", clusterA, nil); resp.StatusCode != 200 {
			t.Fatalf("read %d: %d with throttling off", i+1, resp.StatusCode)
		}
	}
}
