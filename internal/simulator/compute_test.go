package simulator

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
)

func (e *env) usages(sub, location string) (map[string]*armcompute.Usage, error) {
	e.t.Helper()
	c, err := armcompute.NewUsageClient(sub, fakeCredential{}, e.options())
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*armcompute.Usage{}
	pager := c.NewListPager(location, nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			return nil, err
		}
		for _, u := range page.Value {
			out[deref(u.Name.Value)] = u
		}
	}
	return out, nil
}

func TestComputeUsages(t *testing.T) {
	e := newEnv(t, "small.yaml", func(sc *Scenario) {
		sc.Regions[0].VCPUQuota = 200 // westeurope
		sc.Subscriptions[0].Clusters[0].NodePools[0].VMSize = "Standard_DS2_v2"
	})
	// sub-one in westeurope: aks-a system 3 × DS2_v2 (2) + apps 10 ×
	// D4s_v5 (4) = 46; aks-b 13 × 4 = 52; aks-c 2 × 4 = 8; aks-stopped
	// is stopped (0). aks-d is in eastus.
	check := func(sub, loc string, cores, limit int, families map[string]int) {
		t.Helper()
		us, err := e.usages(sub, loc)
		if err != nil {
			t.Fatal(err)
		}
		c := us["cores"]
		if c == nil {
			t.Fatalf("%s: no cores usage in %v", loc, us)
		}
		if deref(c.CurrentValue) != int32(cores) || deref(c.Limit) != int64(limit) || deref(c.Unit) != "Count" || deref(c.Name.LocalizedValue) != "Total Regional vCPUs" {
			t.Errorf("%s cores = %d/%d %s %q, want %d/%d Count", loc, deref(c.CurrentValue), deref(c.Limit), deref(c.Unit), deref(c.Name.LocalizedValue), cores, limit)
		}
		for fam, want := range families {
			if u := us[fam]; u == nil || deref(u.CurrentValue) != int32(want) {
				t.Errorf("%s %s = %v, want %d", loc, fam, u, want)
			}
		}
	}
	check(subOne, "westeurope", 106, 200, map[string]int{"standardDSv2Family": 6, "standardDSv5Family": 100, "standardDSv3Family": 0})
	check(subOne, "EastUS", 12, defaultVCPUQuota, map[string]int{"standardDSv5Family": 12})
	check(subTwo, "eastus", 12, defaultVCPUQuota, nil)

	// While aks-b's apps pool upgrades, its 5 surge nodes (maxSurge 50%
	// of 10) use 20 more.
	p, err := e.upgradePool("rg-a", "aks-b", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	check(subOne, "westeurope", 126, 200, map[string]int{"standardDSv5Family": 120})
	for !p.poll(t) {
		e.clock.Advance(time.Hour)
	}
	if _, err := p.result(); err != nil {
		t.Fatal(err)
	}
	check(subOne, "westeurope", 106, 200, nil)

	// A region the scenario does not have.
	_, err = e.usages(subOne, "mars")
	if re := responseError(t, err); re.StatusCode != http.StatusBadRequest || re.ErrorCode != "NoRegisteredProviderFound" {
		t.Errorf("mars: %d %s, want 400 NoRegisteredProviderFound", re.StatusCode, re.ErrorCode)
	}
}

func TestComputeVMSizes(t *testing.T) {
	e := newEnv(t, "small.yaml")
	c, err := armcompute.NewVirtualMachineSizesClient(subOne, fakeCredential{}, e.options())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*armcompute.VirtualMachineSize{}
	pager := c.NewListPager("westeurope", nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Value {
			got[deref(s.Name)] = s
		}
	}
	want := map[string]int32{
		"Standard_DS2_v2": 2, "Standard_D2s_v3": 2, "Standard_D4s_v3": 4, "Standard_D8s_v3": 8,
		"Standard_D4s_v5": 4, "Standard_D8s_v5": 8, "Standard_D4ds_v5": 4, "Standard_E16s_v5": 16,
	}
	for name, cores := range want {
		s := got[name]
		if s == nil {
			t.Errorf("%s missing", name)
			continue
		}
		if deref(s.NumberOfCores) != cores || deref(s.MemoryInMB) == 0 || deref(s.MaxDataDiskCount) == 0 || deref(s.OSDiskSizeInMB) != 1047552 {
			t.Errorf("%s = %d cores, %d MB, %d disks, os %d MB; want %d cores", name, deref(s.NumberOfCores), deref(s.MemoryInMB), deref(s.MaxDataDiskCount), deref(s.OSDiskSizeInMB), cores)
		}
	}
	if s := got["Standard_DS2_v2"]; s != nil && (deref(s.MemoryInMB) != 7168 || deref(s.ResourceDiskSizeInMB) != 14336 || deref(s.MaxDataDiskCount) != 8) {
		t.Errorf("Standard_DS2_v2 = %+v", *s)
	}
	// vmCores (the quota error's and the nodes' capacity) takes the
	// table's count over its guess from the name (3 here).
	if n := vmCores("standard_ds3_v2"); n != 4 {
		t.Errorf("vmCores(Standard_DS3_v2) = %d, want 4", n)
	}
	if n := vmCores("Standard_F72s_v2"); n != 72 {
		t.Errorf("vmCores(Standard_F72s_v2) = %d, want the guess 72", n)
	}
}

func TestComputeRefusals(t *testing.T) {
	e := newEnv(t, "small.yaml")
	const unknown = "33333333-3333-4333-8333-333333333333"
	_, err := e.usages(unknown, "westeurope")
	if re := responseError(t, err); re.StatusCode != http.StatusNotFound || re.ErrorCode != "SubscriptionNotFound" {
		t.Errorf("usages: %d %s, want 404 SubscriptionNotFound", re.StatusCode, re.ErrorCode)
	}
	c, err := armcompute.NewVirtualMachineSizesClient(unknown, fakeCredential{}, e.options())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.NewListPager("westeurope", nil).NextPage(context.Background())
	if re := responseError(t, err); re.StatusCode != http.StatusNotFound || re.ErrorCode != "SubscriptionNotFound" {
		t.Errorf("vmSizes: %d %s, want 404 SubscriptionNotFound", re.StatusCode, re.ErrorCode)
	}

	// The requests are logged like ARM's, and unauthenticated ones fail.
	var paths []string
	for _, r := range e.sim.Requests() {
		paths = append(paths, r.Path)
	}
	if len(paths) != 2 || !strings.HasSuffix(paths[0], "/providers/Microsoft.Compute/locations/westeurope/usages") || !strings.HasSuffix(paths[1], "/vmSizes") {
		t.Errorf("request log = %q", paths)
	}
	resp, body := e.rawHeaders(http.MethodGet, "/subscriptions/"+subOne+"/providers/Microsoft.Compute/locations/westeurope/vmSizes?api-version=2024-11-01", nil, http.Header{})
	if resp.StatusCode != http.StatusUnauthorized || armCode(t, body) != "AuthenticationFailed" {
		t.Errorf("unauthenticated: %d %s", resp.StatusCode, body)
	}
}

func TestScenarioVCPUQuotaCheck(t *testing.T) {
	sc, err := LoadScenario("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc.Regions[1].VCPUQuota = -1
	var found bool
	for _, p := range sc.check() {
		found = found || p.field == "regions[1].vcpuQuota"
	}
	if !found {
		t.Errorf("check() = %v, want a problem with regions[1].vcpuQuota", sc.check())
	}
}
