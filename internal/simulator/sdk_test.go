package simulator

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
	"github.com/google/go-cmp/cmp"
)

// These tests drive the simulator with the real SDK clients, to prove the
// SDK accepts every answer.

func TestSDKSubscriptions(t *testing.T) {
	e := newEnv(t, "small.yaml")
	f, err := armsubscriptions.NewClientFactory(fakeCredential{}, e.options())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	pager := f.NewClient().NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Value {
			got = append(got, deref(s.SubscriptionID)+" "+deref(s.DisplayName)+" "+string(deref(s.State)))
		}
	}
	want := []string{subOne + " sub-one Enabled", subTwo + " sub-two Enabled"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}
}

func TestSDKListClustersAcrossPages(t *testing.T) {
	e := newEnv(t, "small.yaml")
	var names []string
	pages := 0
	pager := e.clusters().NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Value) > 2 {
			t.Errorf("page %d holds %d clusters, want at most the page size 2", pages, len(page.Value))
		}
		for _, c := range page.Value {
			names = append(names, deref(c.Name))
		}
	}
	if want := []string{"aks-a", "aks-b", "aks-c", "aks-stopped", "aks-d"}; !slices.Equal(names, want) {
		t.Errorf("clusters = %v, want %v", names, want)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	var skips []string
	for _, r := range e.sim.Requests() {
		skips = append(skips, r.Query)
	}
	if !strings.Contains(skips[1], "skipToken=2") || !strings.Contains(skips[2], "skipToken=4") {
		t.Errorf("queries = %q, want the nextLinks' $skipTokens 2 and 4", skips)
	}

	// By resource group.
	names = nil
	gp := e.clusters().NewListByResourceGroupPager("RG-B", nil)
	for gp.More() {
		page, err := gp.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Value {
			names = append(names, deref(c.Name))
		}
	}
	if !slices.Equal(names, []string{"aks-d"}) {
		t.Errorf("clusters of rg-b = %v, want [aks-d]", names)
	}
}

func TestSDKGetClusterWithETag(t *testing.T) {
	e := newEnv(t, "small.yaml")
	mc := e.getCluster("rg-a", "aks-a")
	if deref(mc.ETag) == "" {
		t.Fatal("no eTag in the body")
	}
	resp, _ := e.raw(http.MethodGet, "/subscriptions/"+subOne+"/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a", nil)
	if got := resp.Header.Get("ETag"); got != strconv.Quote(deref(mc.ETag)) {
		t.Errorf("ETag header = %s, want the body's eTag %q", got, deref(mc.ETag))
	}
	p := mc.Properties
	got := []string{
		deref(mc.ID), deref(mc.Location), deref(p.KubernetesVersion), deref(p.CurrentKubernetesVersion),
		deref(p.ProvisioningState), string(deref(p.PowerState.Code)), string(deref(mc.SKU.Tier)),
		string(deref(p.SupportPlan)), string(deref(p.AutoUpgradeProfile.UpgradeChannel)), *mc.Tags["environment"],
		deref(p.AgentPoolProfiles[1].Name), strconv.Itoa(int(deref(p.AgentPoolProfiles[1].Count))),
		deref(p.AgentPoolProfiles[0].NodeImageVersion), deref(p.AgentPoolProfiles[1].NodeImageVersion),
		deref(p.AgentPoolProfiles[1].UpgradeSettings.MaxSurge),
	}
	want := []string{
		"/subscriptions/" + subOne + "/resourcegroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a",
		"westeurope", "1.30.9", "1.30.9", "Succeeded", "Running", "Standard", "KubernetesOfficial", "none", "dev",
		"apps", "10", "AKSUbuntu-2204gen2containerd-202501.12.0", "AKSUbuntu-2204gen2containerd-202502.03.0", "50%",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cluster (-want +got):\n%s", diff)
	}
}

func TestSDKControlPlaneUpgrade(t *testing.T) {
	e := newEnv(t, "small.yaml")
	p, err := e.upgradeControlPlane("rg-a", "aks-a", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	if p.p.Done() {
		t.Fatal("the poller is done at once")
	}
	mc := e.getCluster("rg-a", "aks-a")
	if got := []string{deref(mc.Properties.ProvisioningState), deref(mc.Properties.KubernetesVersion), deref(mc.Properties.CurrentKubernetesVersion), deref(mc.Properties.AgentPoolProfiles[0].CurrentOrchestratorVersion)}; !slices.Equal(got, []string{"Upgrading", "1.31.4", "1.30.9", "1.30.9"}) {
		t.Errorf("during the upgrade: state, version, current version, pool version = %v", got)
	}
	e.clock.Advance(9 * time.Minute)
	if p.poll(t) {
		t.Fatal("done after 9 minutes; a control plane upgrade takes 10")
	}
	e.clock.Advance(time.Minute)
	if !p.poll(t) {
		t.Fatal("not done after 10 minutes")
	}
	res, err := p.result()
	if err != nil {
		t.Fatal(err)
	}
	got := []string{deref(res.Properties.ProvisioningState), deref(res.Properties.CurrentKubernetesVersion), deref(res.Properties.AgentPoolProfiles[0].CurrentOrchestratorVersion)}
	if !slices.Equal(got, []string{"Succeeded", "1.31.4", "1.30.9"}) {
		t.Errorf("after: state, version, pool version = %v, want Succeeded 1.31.4 1.30.9 (pools untouched)", got)
	}
	if deref(res.ETag) == deref(mc.ETag) {
		t.Error("the eTag did not change when the upgrade ended")
	}
}

func TestSDKResumeTokenPolling(t *testing.T) {
	e := newEnv(t, "small.yaml")
	p, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10")
	if err != nil {
		t.Fatal(err)
	}
	token, err := p.p.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	resumed, err := e.clusters().BeginCreateOrUpdate(context.Background(), "", "", armcontainerservice.ManagedCluster{}, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{ResumeToken: token})
	if err != nil {
		t.Fatal(err)
	}
	rp := pollerOf[armcontainerservice.ManagedClustersClientCreateOrUpdateResponse]{resumed}
	if !rp.poll(t) {
		t.Fatal("the resumed poller is not done")
	}
	res, err := rp.result()
	if err != nil {
		t.Fatal(err)
	}
	if got := deref(res.Properties.CurrentKubernetesVersion); got != "1.30.10" {
		t.Errorf("version = %s, want 1.30.10", got)
	}
}

func TestSDKPoolUpgrade(t *testing.T) {
	e := newEnv(t, "small.yaml")
	p, err := e.upgradePool("rg-a", "aks-b", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	ap := e.getPool("rg-a", "aks-b", "apps")
	if got := []string{deref(ap.Properties.ProvisioningState), deref(ap.Properties.OrchestratorVersion), deref(ap.Properties.CurrentOrchestratorVersion)}; !slices.Equal(got, []string{"Upgrading", "1.31.4", "1.30.9"}) {
		t.Errorf("during: state, version, current = %v", got)
	}
	// 10 nodes, maxSurge 50%: two batches of 8 minutes.
	e.clock.Advance(15 * time.Minute)
	if p.poll(t) {
		t.Fatal("done after 15 minutes, want 16")
	}
	e.clock.Advance(time.Minute)
	if !p.poll(t) {
		t.Fatal("not done after 16 minutes")
	}
	res, err := p.result()
	if err != nil {
		t.Fatal(err)
	}
	got := []string{deref(res.Properties.ProvisioningState), deref(res.Properties.CurrentOrchestratorVersion), deref(res.Properties.NodeImageVersion)}
	want := []string{"Succeeded", "1.31.4", "AKSUbuntu-2204gen2containerd-202502.03.0"}
	if !slices.Equal(got, want) {
		t.Errorf("after: %v, want %v (a Kubernetes upgrade also moves to the latest node image)", got, want)
	}
}

func TestSDKNodeImageUpgrade(t *testing.T) {
	e := newEnv(t, "small.yaml")
	poller, err := e.pools().BeginUpgradeNodeImageVersion(context.Background(), "rg-a", "aks-a", "system", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := pollerOf[armcontainerservice.AgentPoolsClientUpgradeNodeImageVersionResponse]{poller}
	if got := deref(e.getPool("rg-a", "aks-a", "system").Properties.ProvisioningState); got != "UpgradingNodeImageVersion" {
		t.Errorf("state = %s, want UpgradingNodeImageVersion", got)
	}
	// 3 nodes, maxSurge 10%: three batches of one node.
	e.clock.Advance(23 * time.Minute)
	if p.poll(t) {
		t.Fatal("done after 23 minutes, want 24")
	}
	e.clock.Advance(time.Minute)
	if !p.poll(t) {
		t.Fatal("not done after 24 minutes")
	}
	res, err := p.result()
	if err != nil {
		t.Fatal(err)
	}
	if got := deref(res.Properties.NodeImageVersion); got != "AKSUbuntu-2204gen2containerd-202502.03.0" {
		t.Errorf("result image = %s", got)
	}
	// The result came from the Location URL, as the SDK asks for a POST.
	reqs := e.sim.Requests()
	if last := reqs[len(reqs)-1]; !strings.Contains(last.Path, "/operationresults/") || last.Status != http.StatusOK {
		t.Errorf("last request = %+v, want the operation result", last)
	}
	// Already latest: a second upgrade completes at once.
	again, err := e.pools().BeginUpgradeNodeImageVersion(context.Background(), "rg-a", "aks-a", "system", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Done() {
		t.Error("upgrading a pool already on the latest image started an operation")
	}
}

func TestSDKKubernetesVersions(t *testing.T) {
	e := newEnv(t, "small.yaml")
	resp, err := e.clusters().ListKubernetesVersions(context.Background(), "westeurope", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	var flags []string
	for _, v := range resp.Values {
		for patch, pv := range v.PatchVersions {
			var ups []string
			for _, u := range pv.Upgrades {
				ups = append(ups, *u)
			}
			got[patch] = ups
		}
		if deref(v.IsPreview) {
			flags = append(flags, deref(v.Version)+" preview")
		}
		if deref(v.IsDefault) {
			flags = append(flags, deref(v.Version)+" default")
		}
		if deref(v.Version) == "1.30" && len(v.Capabilities.SupportPlan) != 2 {
			t.Errorf("1.30 support plans = %d, want 2", len(v.Capabilities.SupportPlan))
		}
	}
	want := map[string][]string{
		"1.29.12": {"1.29.14", "1.30.9", "1.30.10"},
		"1.29.14": {"1.30.9", "1.30.10"},
		"1.30.9":  {"1.30.10", "1.31.4"},
		"1.30.10": {"1.31.4"},
		"1.31.4":  {"1.32.0"},
		"1.32.0":  {"1.33.0"},
		"1.33.0":  nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("upgrades (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1.31 default", "1.33 preview"}, flags); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
}

func TestSDKMaintenanceConfigurations(t *testing.T) {
	e := newEnv(t, "small.yaml")
	pager := e.factory(subOne).NewMaintenanceConfigurationsClient().NewListByManagedClusterPager("rg-a", "aks-a", nil)
	var got []string
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, mc := range page.Value {
			w := mc.Properties.MaintenanceWindow
			line := deref(mc.Name) + " " + deref(w.StartTime) + " " + strconv.Itoa(int(deref(w.DurationHours)))
			if w.Schedule.Weekly != nil {
				line += " weekly " + string(deref(w.Schedule.Weekly.DayOfWeek)) + " " + deref(w.UTCOffset) + " " + w.StartDate.Format(time.DateOnly) + " not " + w.NotAllowedDates[0].Start.Format(time.DateOnly)
			}
			if w.Schedule.Daily != nil {
				line += " daily"
			}
			got = append(got, line)
		}
	}
	want := []string{
		"default 22:00 4 daily",
		"aksManagedAutoUpgradeSchedule 02:00 4 weekly Sunday +01:00 2025-03-01 not 2025-12-24",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("configurations (-want +got):\n%s", diff)
	}
	// Fleet carries the auto-upgrade window.
	for _, c := range e.sim.Fleet().Clusters {
		if c.Name == "aks-a" && (c.AutoUpgradeWindow == nil || c.AutoUpgradeWindow.Schedule.Weekly.DayOfWeek != "Sunday") {
			t.Errorf("fleet window of aks-a = %+v", c.AutoUpgradeWindow)
		}
	}
}

func TestSDKUpgradeProfiles(t *testing.T) {
	e := newEnv(t, "small.yaml")
	resp, err := e.clusters().GetUpgradeProfile(context.Background(), "rg-a", "aks-b", nil)
	if err != nil {
		t.Fatal(err)
	}
	versions := func(items []*armcontainerservice.ManagedClusterPoolUpgradeProfileUpgradesItem) []string {
		var out []string
		for _, u := range items {
			out = append(out, deref(u.KubernetesVersion))
		}
		return out
	}
	cp := resp.Properties.ControlPlaneProfile
	if got := versions(cp.Upgrades); deref(cp.KubernetesVersion) != "1.31.4" || !slices.Equal(got, []string{"1.32.0"}) {
		t.Errorf("control plane %s upgrades = %v, want 1.31.4 -> [1.32.0]", deref(cp.KubernetesVersion), got)
	}
	apps := resp.Properties.AgentPoolProfiles[1]
	if got := versions(apps.Upgrades); deref(apps.Name) != "apps" || !slices.Equal(got, []string{"1.30.10", "1.31.4"}) {
		t.Errorf("pool %s upgrades = %v, want apps [1.30.10 1.31.4]", deref(apps.Name), got)
	}

	pp, err := e.pools().GetUpgradeProfile(context.Background(), "rg-a", "aks-a", "system", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := deref(pp.Properties.LatestNodeImageVersion); got != "AKSUbuntu-2204gen2containerd-202502.03.0" {
		t.Errorf("latest node image = %s", got)
	}
	if got := deref(pp.Properties.KubernetesVersion); got != "1.30.9" {
		t.Errorf("pool version = %s", got)
	}
	if len(pp.Properties.Upgrades) != 0 {
		t.Errorf("a pool on the control plane's version lists upgrades %v", pp.Properties.Upgrades)
	}

	// Pools list.
	lp := e.pools().NewListPager("rg-a", "aks-a", nil)
	var names []string
	for lp.More() {
		page, err := lp.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Value {
			names = append(names, deref(p.Name))
		}
	}
	if !slices.Equal(names, []string{"system", "apps"}) {
		t.Errorf("pools = %v", names)
	}
}

func TestSDKNoChangePutCompletesAtOnce(t *testing.T) {
	e := newEnv(t, "small.yaml")
	p, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.9")
	if err != nil {
		t.Fatal(err)
	}
	if !p.p.Done() {
		t.Fatal("a PUT that changes nothing started an operation")
	}
	res, err := p.result()
	if err != nil {
		t.Fatal(err)
	}
	if deref(res.Properties.ProvisioningState) != "Succeeded" {
		t.Errorf("state = %s", deref(res.Properties.ProvisioningState))
	}
}
