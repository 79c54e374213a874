package azure

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
)

// decodeExample decodes a response body of testdata/arm-examples into v
// with the SDK's own unmarshalling.
func decodeExample(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "arm-examples", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}

const exampleClusterID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1"

func TestConvertClusterExamples(t *testing.T) {
	tests := []struct {
		file string
		list bool
		want aksupgrade.Cluster
	}{
		{
			file: "ManagedClustersList.json",
			list: true,
			want: aksupgrade.Cluster{
				ID: exampleClusterID, Name: "clustername1", SubscriptionID: "00000000-0000-0000-0000-000000000000",
				ResourceGroup: "rg1", Location: "location1", KubernetesVersion: "1.9.6",
				Tags:              map[string]string{"archv2": "", "tier": "production"},
				ProvisioningState: "Succeeded",
				NodePools: []aksupgrade.NodePool{{
					Name: "nodepool1", OSType: "Linux", VMSize: "Standard_DS1_v2", Count: 3, KubernetesVersion: "1.9.6", ProvisioningState: "Succeeded",
				}},
			},
		},
		{
			file: "ManagedClustersGet.json",
			want: aksupgrade.Cluster{
				ID: exampleClusterID, Name: "clustername1", SubscriptionID: "00000000-0000-0000-0000-000000000000",
				ResourceGroup: "rg1", Location: "location1", KubernetesVersion: "1.9.6",
				Tags:              map[string]string{"archv2": "", "tier": "production"},
				ProvisioningState: "Succeeded",
				NodePools: []aksupgrade.NodePool{{
					Name: "nodepool1", OSType: "Linux", VMSize: "Standard_DS1_v2", Count: 3, KubernetesVersion: "1.9.6",
					NodeImageVersion: "AKSUbuntu:1604:2020.03.11", ProvisioningState: "Succeeded",
					UpgradeSettings: &aksupgrade.PoolUpgradeSettings{MaxSurge: "33%"},
				}},
			},
		},
		{
			// No currentKubernetesVersion: kubernetesVersion stands in.
			file: "ManagedClustersCreate_Premium.200.json",
			want: aksupgrade.Cluster{
				ID: exampleClusterID, Name: "clustername1", SubscriptionID: "00000000-0000-0000-0000-000000000000",
				ResourceGroup: "rg1", Location: "location1", KubernetesVersion: "1.9.6",
				Tags:              map[string]string{"archv2": "", "tier": "production"},
				ProvisioningState: "Succeeded",
				SupportPlan:       aksupgrade.SupportPlanLTS,
				NodePools: []aksupgrade.NodePool{{
					Name: "nodepool1", Mode: "System", OSType: "Linux", VMSize: "Standard_DS2_v2", Count: 3, KubernetesVersion: "1.9.6",
					NodeImageVersion: "AKSUbuntu:1604:2020.03.11", ProvisioningState: "Succeeded",
				}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var mc armcontainerservice.ManagedCluster
			if tt.list {
				var l armcontainerservice.ManagedClusterListResult
				decodeExample(t, tt.file, &l)
				if len(l.Value) != 1 {
					t.Fatalf("list has %d clusters", len(l.Value))
				}
				mc = *l.Value[0]
			} else {
				decodeExample(t, tt.file, &mc)
			}
			got, err := convertCluster(&mc)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("cluster (-want +got):\n%s", d)
			}
		})
	}
}

func TestConvertAgentPoolExamples(t *testing.T) {
	var l armcontainerservice.AgentPoolListResult
	decodeExample(t, "AgentPoolsList.json", &l)
	var got []aksupgrade.NodePool
	for _, ap := range l.Value {
		got = append(got, convertAgentPool(ap))
	}
	want := []aksupgrade.NodePool{{
		Name: "agentpool1", OSType: "Linux", VMSize: "Standard_DS1_v2", Count: 3, KubernetesVersion: "1.9.6",
		NodeImageVersion: "AKSUbuntu:1604:2020.03.11", ProvisioningState: "Succeeded",
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pools (-want +got):\n%s", d)
	}
	if etag := str(l.Value[0].Properties.ETag); etag != "ewnfuib" {
		t.Errorf("etag = %q, want the one If-Match sends", etag)
	}

	var busy armcontainerservice.AgentPool
	decodeExample(t, "AgentPoolsUpgradeNodeImageVersion.json", &busy)
	np := convertAgentPool(&busy)
	if np.ProvisioningState != "UpgradingNodeImageVersion" || idle(np.ProvisioningState) {
		t.Errorf("pool during a node image upgrade: state %q, idle %v", np.ProvisioningState, idle(np.ProvisioningState))
	}

	var prof armcontainerservice.AgentPoolUpgradeProfile
	decodeExample(t, "AgentPoolsGetUpgradeProfile.json", &prof)
	if got, want := latestNodeImage(&prof), "AKSUbuntu:1604:2020.03.11"; got != want {
		t.Errorf("latest node image = %q, want %q", got, want)
	}
}

func TestConvertMaintenanceWindowExamples(t *testing.T) {
	tests := []struct {
		file string
		want *aksupgrade.Window
	}{
		{
			file: "MaintenanceConfigurationsList_MaintenanceWindow.json",
			want: &aksupgrade.Window{
				Schedule:      aksupgrade.Schedule{AbsoluteMonthly: &aksupgrade.AbsoluteMonthlySchedule{IntervalMonths: 3, DayOfMonth: 15}},
				DurationHours: 5,
				StartTime:     "08:30",
				UTCOffset:     "+00:00",
				StartDate:     "2023-01-01",
				NotAllowedDates: []aksupgrade.DateSpan{
					{Start: "2023-02-18", End: "2023-02-25"},
					{Start: "2023-12-23", End: "2024-01-05"},
				},
			},
		},
		// Only the legacy "default" configuration: no auto-upgrade window.
		{file: "MaintenanceConfigurationsList.json", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var l armcontainerservice.MaintenanceConfigurationListResult
			decodeExample(t, tt.file, &l)
			if d := cmp.Diff(tt.want, autoUpgradeWindow(l.Value)); d != "" {
				t.Errorf("window (-want +got):\n%s", d)
			}
		})
	}
}

func TestConvertWindowSchedules(t *testing.T) {
	// The node OS schedule of the same example, converted on its own:
	// the other schedule kinds and a negative offset.
	var l armcontainerservice.MaintenanceConfigurationListResult
	decodeExample(t, "MaintenanceConfigurationsList_MaintenanceWindow.json", &l)
	got := convertWindow(l.Value[0].Properties.MaintenanceWindow)
	want := &aksupgrade.Window{
		Schedule:      aksupgrade.Schedule{Daily: &aksupgrade.DailySchedule{IntervalDays: 5}},
		DurationHours: 10, StartTime: "13:30", UTCOffset: "-07:00", StartDate: "2023-01-01",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("daily window (-want +got):\n%s", d)
	}

	var mw armcontainerservice.MaintenanceWindow
	if err := json.Unmarshal([]byte(`{"schedule":{"relativeMonthly":{"intervalMonths":1,"weekIndex":"Last","dayOfWeek":"Sunday"},
		"weekly":{"intervalWeeks":2,"dayOfWeek":"Friday"}},"durationHours":8,"startTime":"00:00"}`), &mw); err != nil {
		t.Fatal(err)
	}
	got = convertWindow(&mw)
	want = &aksupgrade.Window{
		Schedule: aksupgrade.Schedule{
			Weekly:          &aksupgrade.WeeklySchedule{IntervalWeeks: 2, DayOfWeek: "Friday"},
			RelativeMonthly: &aksupgrade.RelativeMonthlySchedule{IntervalMonths: 1, WeekIndex: "Last", DayOfWeek: "Sunday"},
		},
		DurationHours: 8, StartTime: "00:00",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("weekly and relative window (-want +got):\n%s", d)
	}
}

func TestConvertCatalogExample(t *testing.T) {
	var r armcontainerservice.KubernetesVersionListResult
	decodeExample(t, "KubernetesVersions_List.json", &r)
	got := convertCatalog(r)
	official := aksupgrade.KubernetesCapabilities{SupportPlan: []string{aksupgrade.SupportPlanOfficial}}
	want := aksupgrade.KubernetesVersionList{Values: []aksupgrade.KubernetesVersion{
		{Version: "1.23", Capabilities: official, PatchVersions: map[string]aksupgrade.PatchVersion{
			"1.23.12": {Upgrades: []string{"1.23.15", "1.24.6", "1.24.9"}},
			"1.23.15": {Upgrades: []string{"1.24.6", "1.24.9"}},
		}},
		{Version: "1.24", IsDefault: true, Capabilities: official, PatchVersions: map[string]aksupgrade.PatchVersion{
			"1.24.6": {Upgrades: []string{"1.24.9", "1.25.4", "1.25.5"}},
			"1.24.9": {Upgrades: []string{"1.25.4", "1.25.5"}},
		}},
		{Version: "1.25", Capabilities: official, PatchVersions: map[string]aksupgrade.PatchVersion{
			"1.25.4": {Upgrades: []string{"1.25.5", "1.26.0"}},
			"1.25.5": {Upgrades: []string{"1.26.0"}},
		}},
		{Version: "1.26", IsPreview: true, Capabilities: official, PatchVersions: map[string]aksupgrade.PatchVersion{
			"1.26.0": {Upgrades: []string{}},
		}},
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("catalog (-want +got):\n%s", d)
	}
	// The domain's JSON is ARM's shape: the converted catalogue
	// round-trips to the same document as the example.
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back, orig map[string]any
	raw, _ := os.ReadFile(filepath.Join("testdata", "arm-examples", "KubernetesVersions_List.json"))
	if err := json.Unmarshal(raw, &orig); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(orig, back); d != "" {
		t.Errorf("catalog JSON differs from ARM's (-arm +ours):\n%s", d)
	}
}

func TestConvertClusterWithoutID(t *testing.T) {
	if _, err := convertCluster(&armcontainerservice.ManagedCluster{}); err == nil {
		t.Error("a cluster without id converted")
	}
}
