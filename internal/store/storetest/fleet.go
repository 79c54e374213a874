package storetest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

func testFleet(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	if _, err := s.Fleet(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Fleet before the first save: err = %v, want ErrNotFound", err)
	}

	first := sampleFleet()
	if err := s.SaveFleet(ctx, first); err != nil {
		t.Fatalf("SaveFleet: %v", err)
	}
	got, err := s.Fleet(ctx)
	if err != nil {
		t.Fatalf("Fleet: %v", err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("Fleet round trip (-saved +loaded):\n%s", diff)
	}

	// A later observation replaces the first whole.
	second := store.Fleet{At: at(day), Clusters: []aksupgrade.Cluster{sampleFleet().Clusters[1]}}
	second.Clusters[0].KubernetesVersion = "1.31.4"
	if err := s.SaveFleet(ctx, second); err != nil {
		t.Fatalf("SaveFleet again: %v", err)
	}
	if got, err = s.Fleet(ctx); err != nil {
		t.Fatalf("Fleet: %v", err)
	}
	if diff := cmp.Diff(second, got); diff != "" {
		t.Errorf("Fleet after a second save (-saved +loaded):\n%s", diff)
	}
}

// sampleFleet uses every field of a cluster and a catalogue.
func sampleFleet() store.Fleet {
	return store.Fleet{
		At: at(0),
		Clusters: []aksupgrade.Cluster{
			{
				ID:                clusterID("aks-test-weu-01"),
				Name:              "aks-test-weu-01",
				SubscriptionID:    "00000000-0000-0000-0000-000000000001",
				ResourceGroup:     "rg-fleet",
				Location:          "westeurope",
				KubernetesVersion: "1.30.9",
				NodePools: []aksupgrade.NodePool{
					{Name: "system", Mode: "System", OSType: "Linux", Count: 3, KubernetesVersion: "1.30.9",
						NodeImageVersion:       "AKSUbuntu-2204gen2containerd-202501.12.0",
						LatestNodeImageVersion: "AKSUbuntu-2204gen2containerd-202502.03.0", ProvisioningState: "Succeeded"},
					{Name: "user1", Mode: "User", OSType: "Linux", Count: 5, KubernetesVersion: "1.30.9"},
				},
				Tags:                 map[string]string{"env": "test", "team": "platform"},
				ProvisioningState:    "Succeeded",
				PowerState:           "Running",
				SupportPlan:          aksupgrade.SupportPlanOfficial,
				AutoUpgradeChannel:   "none",
				NodeOSUpgradeChannel: "NodeImage",
				AutoUpgradeWindow: &aksupgrade.Window{
					Schedule:        aksupgrade.Schedule{Weekly: &aksupgrade.WeeklySchedule{IntervalWeeks: 1, DayOfWeek: "Tuesday"}},
					DurationHours:   4,
					StartTime:       "01:00",
					TimeZone:        "Europe/Oslo",
					StartDate:       "2026-01-06",
					NotAllowedDates: []aksupgrade.DateSpan{{Start: "2026-12-20", End: "2027-01-03"}},
				},
			},
			{
				ID:                clusterID("aks-prod-neu-01"),
				Name:              "aks-prod-neu-01",
				Location:          "northeurope",
				KubernetesVersion: "1.30.9",
				NodePools:         []aksupgrade.NodePool{{Name: "system", Count: 3, KubernetesVersion: "1.30.9"}},
			},
		},
		Catalogs: map[string]aksupgrade.KubernetesVersionList{
			"westeurope": {Values: []aksupgrade.KubernetesVersion{
				{Version: "1.31", IsDefault: true,
					Capabilities:  aksupgrade.KubernetesCapabilities{SupportPlan: []string{aksupgrade.SupportPlanOfficial}},
					PatchVersions: map[string]aksupgrade.PatchVersion{"1.31.4": {Upgrades: []string{"1.31.5"}}, "1.31.5": {Upgrades: []string{}}}},
				{Version: "1.32", IsPreview: true,
					Capabilities:  aksupgrade.KubernetesCapabilities{SupportPlan: []string{aksupgrade.SupportPlanOfficial, aksupgrade.SupportPlanLTS}},
					PatchVersions: map[string]aksupgrade.PatchVersion{"1.32.0": {Upgrades: []string{}}}},
			}},
			"northeurope": {Values: []aksupgrade.KubernetesVersion{}},
		},
		Announced: map[string][]string{"westeurope": {"1.31.4", "1.32.0 preview"}, "northeurope": {}},
	}
}
