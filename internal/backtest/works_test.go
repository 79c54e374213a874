package backtest

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

const twoStages = `apiVersion: aksupgrade/v1
kubernetes: {channel: stable}
nodeImage: {channel: none}
stages:
  - name: dev
    selector: {tags: {environment: dev}}
    window: {name: tuesdays, schedule: {weekly: {intervalWeeks: 1, dayOfWeek: Tuesday}}, durationHours: 4, startTime: "21:00", utcOffset: "+00:00"}
    soak: 4h
  - name: prod
    selector: {tags: {environment: prod}}
    window: {name: thursdays, schedule: {weekly: {intervalWeeks: 1, dayOfWeek: Thursday}}, durationHours: 4, startTime: "22:00", utcOffset: "+00:00"}
    soak: 48h
`

func cluster(name, env, cp string, pools ...aksupgrade.NodePool) aksupgrade.Cluster {
	return aksupgrade.Cluster{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/" + name,
		Name: name, Location: "westeurope", KubernetesVersion: cp, NodePools: pools, Tags: map[string]string{"environment": env}}
}

// TestWorksByHand: each stage's clusters below the release, with the
// duration model's estimate (10m for the control plane, 8m per surge
// batch: maxSurge defaults to 10%, at least one node) and the stage's
// window and soak; a cluster that has the release already needs nothing.
func TestWorksByHand(t *testing.T) {
	pol, err := policy.Parse("two stages", []byte(twoStages))
	if err != nil {
		t.Fatal(err)
	}
	clusters := []aksupgrade.Cluster{
		cluster("dev-1", "dev", "1.31.4", aksupgrade.NodePool{Name: "system", Count: 3, KubernetesVersion: "1.31.4"}),
		cluster("prod-1", "prod", "1.31.4", aksupgrade.NodePool{Name: "system", Count: 3, KubernetesVersion: "1.31.4"},
			aksupgrade.NodePool{Name: "apps", Count: 20, KubernetesVersion: "1.31.4"}),
		cluster("prod-2", "prod", "1.31.5", aksupgrade.NodePool{Name: "system", Count: 3, KubernetesVersion: "1.31.5"}),
	}
	works, err := Works(pol, clusters, version.MustParse("1.31.5"))
	if err != nil {
		t.Fatal(err)
	}
	// dev-1: 10m + 3 batches of 1 node (8m each) = 34m. prod-1: 10m + 3
	// batches + 10 batches of 2 nodes = 10m + 24m + 80m = 1h 54m.
	if len(works) != 2 || len(works[0].Clusters) != 1 || works[0].Clusters[0].Duration != 34*time.Minute {
		t.Fatalf("dev: %+v", works)
	}
	if len(works[1].Clusters) != 1 || works[1].Clusters[0].Name != "prod-1" || works[1].Clusters[0].Duration != 114*time.Minute || works[1].Soak != 48*time.Hour {
		t.Fatalf("prod: %+v", works[1])
	}
	ms, err := LowerBound(at("2026-03-09T10:00:00Z"), works)
	if err != nil {
		t.Fatal(err)
	}
	// dev: Tue 21:00 + 34m, proven 4h later: Wed 01:34. prod: Thu 22:00 +
	// 1h 54m = Thu 23:54, proven Sat 23:54.
	if !ms[0].Proven.Equal(at("2026-03-11T01:34:00Z")) || !ms[1].Reached.Equal(at("2026-03-12T23:54:00Z")) || !ms[1].Proven.Equal(at("2026-03-14T23:54:00Z")) {
		t.Fatalf("milestones: %+v", ms)
	}
}
