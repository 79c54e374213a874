package simulator

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func throttlingOn(sc *Scenario) { sc.Throttling = ptr(true) }

func TestThrottleSubscriptionReads(t *testing.T) {
	e := newEnv(t, "small.yaml", throttlingOn)
	// The subscription's own GET draws from ARM's bucket only.
	sub := "/subscriptions/" + subOne
	for i := range 250 {
		resp, _ := e.raw("GET", sub, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("read %d: %d", i+1, resp.StatusCode)
		}
		if got, want := resp.Header.Get("X-Ms-Ratelimit-Remaining-Subscription-Reads"), strconv.Itoa(249-i); got != want {
			t.Fatalf("read %d: remaining %s, want %s", i+1, got, want)
		}
	}
	resp, body := e.raw("GET", sub, nil)
	if resp.StatusCode != 429 || armCode(t, body) != "SubscriptionRequestsThrottled" || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("read 251: %d %s Retry-After %q, want 429 SubscriptionRequestsThrottled 1", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Another subscription has its own bucket.
	if resp, _ := e.raw("GET", "/subscriptions/"+subTwo+"/resourceGroups/rg-c/providers/Microsoft.ContainerService/managedClusters/aks-e", nil); resp.StatusCode != 200 {
		t.Errorf("other subscription: %d", resp.StatusCode)
	}
	// 25 tokens a second come back.
	e.clock.Advance(time.Second)
	for i := range 25 {
		if resp, _ := e.raw("GET", sub, nil); resp.StatusCode != 200 {
			t.Fatalf("after a second, read %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := e.raw("GET", sub, nil); resp.StatusCode != 429 {
		t.Errorf("read 26 after a second: %d, want 429", resp.StatusCode)
	}
}

// The probe that found it: AKS's GET ManagedCluster bucket is 60 burst,
// 1/s per cluster, and the 61st GET at one instant is answered Throttled.
func TestThrottleGetClusterPerCluster(t *testing.T) {
	e := newEnv(t, "small.yaml", throttlingOn)
	for i := range 60 {
		if resp, _ := e.raw("GET", clusterA, nil); resp.StatusCode != 200 {
			t.Fatalf("GET %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := e.raw("GET", clusterA, nil)
	if resp.StatusCode != 429 || armCode(t, body) != "Throttled" || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("GET 61: %d %s Retry-After %q, want 429 Throttled 1", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	for _, want := range []string{"GetManagedClusterHandler.GET", "SubID='" + subOne + "'", "aka.ms/aks/throttling"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("message %s lacks %q", body, want)
		}
	}
	if resp, _ := e.raw("GET", "/subscriptions/"+subOne+"/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-b", nil); resp.StatusCode != 200 {
		t.Errorf("another cluster: %d", resp.StatusCode)
	}
	e.clock.Advance(time.Second)
	if resp, _ := e.raw("GET", clusterA, nil); resp.StatusCode != 200 {
		t.Errorf("a second later: %d", resp.StatusCode)
	}
}

// Upgrade profiles, agent pools, maintenance configurations and versions
// share AKS's "all other APIs" bucket: 60 burst, 1/s per subscription and
// region.
func TestThrottleOtherAPIsPerSubscriptionAndRegion(t *testing.T) {
	e := newEnv(t, "small.yaml", throttlingOn)
	rg := "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/"
	paths := []string{
		rg + "aks-a/upgradeProfiles/default", rg + "aks-a/agentPools/system/upgradeProfiles/default",
		rg + "aks-b/agentPools", rg + "aks-b/agentPools/apps", rg + "aks-c/maintenanceConfigurations",
		"/subscriptions/" + subOne + "/providers/Microsoft.ContainerService/locations/westeurope/kubernetesVersions",
	}
	for i := range 60 {
		if resp, body := e.raw("GET", paths[i%len(paths)], nil); resp.StatusCode != 200 {
			t.Fatalf("read %d (%s): %d %s", i+1, paths[i%len(paths)], resp.StatusCode, body)
		}
	}
	resp, body := e.raw("GET", paths[1], nil)
	if resp.StatusCode != 429 || armCode(t, body) != "Throttled" {
		t.Fatalf("read 61: %d %s, want 429 Throttled", resp.StatusCode, body)
	}
	// Another region, another subscription: their own buckets.
	for _, p := range []string{
		"/subscriptions/" + subOne + "/resourceGroups/rg-b/providers/Microsoft.ContainerService/managedClusters/aks-d/agentPools/system/upgradeProfiles/default",
		"/subscriptions/" + subTwo + "/resourceGroups/rg-c/providers/Microsoft.ContainerService/managedClusters/aks-e/upgradeProfiles/default",
	} {
		if resp, body := e.raw("GET", p, nil); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
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
	// PUTs spread over the subscription's clusters and pools, so that no
	// resource's own bucket (20) runs dry before ARM's (200).
	rg := "/subscriptions/" + subOne + "/resourceGroups/"
	var puts []string
	for _, c := range []string{"rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a", "rg-a/providers/Microsoft.ContainerService/managedClusters/aks-b",
		"rg-a/providers/Microsoft.ContainerService/managedClusters/aks-c", "rg-a/providers/Microsoft.ContainerService/managedClusters/aks-stopped",
		"rg-b/providers/Microsoft.ContainerService/managedClusters/aks-d"} {
		puts = append(puts, rg+c, rg+c+"/agentPools/system")
	}
	puts = append(puts, rg+"rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a/agentPools/apps", rg+"rg-a/providers/Microsoft.ContainerService/managedClusters/aks-b/agentPools/apps")
	for i := range 200 {
		if resp, body := e.raw("PUT", puts[i%len(puts)], map[string]any{"properties": map[string]any{}}); resp.StatusCode == 429 {
			t.Fatalf("write %d: 429 %s", i+1, body)
		}
	}
	resp, body := e.raw("PUT", puts[0], map[string]any{"properties": map[string]any{}})
	if resp.StatusCode != 429 || armCode(t, body) != "SubscriptionRequestsThrottled" || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("write 201: %d %s Retry-After %q, want 429 SubscriptionRequestsThrottled 1", resp.StatusCode, body, resp.Header.Get("Retry-After"))
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
