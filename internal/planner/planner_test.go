package planner

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

var twoRegions = map[string][]string{
	"westeurope": {"1.29.9", "1.30.5", "1.30.7", "1.31.2", "1.31.4", "1.32.1"},
	"eastus":     {"1.29.9", "1.30.5", "1.30.7", "1.31.2", "1.31.4", "1.32.1"},
}

func TestFirstStageFollowsChannel(t *testing.T) {
	// stable = newest patch of minor N-1: 1.31.4 while 1.32 is newest.
	pol := fourStages(t, "")
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions),
		Clusters: []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.31.2"), cl("dev-1", "dev", "westeurope", "1.31.2")}})
	want := []string{
		"recordStarted sandbox 1.31.4",
		"upgradeControlPlane sandbox sbx-1 1.31.2->1.31.4",
	}
	if d := cmp.Diff(want, actionsOf(res)); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	dev := clusterPlan(t, res, "dev-1")
	if dev.State != ClusterWaiting || dev.Target == nil || dev.Target.Version != "1.31.4" {
		t.Errorf("dev-1 = %+v, want waiting for 1.31.4", dev)
	}
	mustContain(t, dev.Reason, "1.31.4 not yet proven in sandbox")
	if dev.EarliestStart == nil || !dev.EarliestStart.After(t0) {
		t.Errorf("dev-1 earliest start %v, want a projection after now", dev.EarliestStart)
	}
}

func TestControlPlaneFirstThenPoolsNeverPastIt(t *testing.T) {
	pol := fourStages(t, "")
	c := cl("sbx-1", "sandbox", "westeurope", "1.31.4")
	c.NodePools[0].KubernetesVersion = "1.31.2" // system pool behind
	c.NodePools[1].KubernetesVersion = "1.31.2"
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions), Clusters: []aksupgrade.Cluster{c},
		History: aksupgrade.History{Rollouts: []aksupgrade.Rollout{{Target: k8s("1.31.4"), Stages: []aksupgrade.StageProgress{{Stage: "sandbox", StartedAt: at(t0.Add(-time.Hour))}}}}}})
	want := []string{"upgradeNodePool sandbox sbx-1/system 1.31.2->1.31.4"}
	if d := cmp.Diff(want, actionsOf(res)); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	if !res.Actions[0].Continues {
		t.Error("a pool step after the control plane should continue the cluster's upgrade")
	}

	// Control plane behind a pool's target: the control plane goes first.
	c = cl("sbx-1", "sandbox", "westeurope", "1.31.2")
	res = Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions), Clusters: []aksupgrade.Cluster{c}})
	if got := actionsOf(res); len(got) != 2 || !strings.HasPrefix(got[1], "upgradeControlPlane") {
		t.Errorf("actions = %v, want the control plane first", got)
	}
}

func TestLaterStageOnlyGetsWhatThePreviousStageProved(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, twoRegions)
	clusters := []aksupgrade.Cluster{
		cl("sbx-1", "sandbox", "westeurope", "1.31.4"),
		cl("dev-1", "dev", "westeurope", "1.31.2"),
		cl("test-1", "test", "westeurope", "1.31.2"),
		cl("prod-1", "prod", "westeurope", "1.31.2"),
	}
	for _, tc := range []struct {
		name    string
		history []aksupgrade.Rollout
		want    []string
	}{
		{"nothing proven: sandbox records its reach, nobody else moves", nil,
			[]string{"recordReached sandbox 1.31.4"}},
		{"proven in sandbox: dev only", []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "sandbox")},
			[]string{"recordStarted dev 1.31.4", "upgradeControlPlane dev dev-1 1.31.2->1.31.4"}},
		{"proven in sandbox and dev: test only, never prod", []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "sandbox", "dev")},
			[]string{"upgradeControlPlane dev dev-1 1.31.2->1.31.4", "recordStarted test 1.31.4", "upgradeControlPlane test test-1 1.31.2->1.31.4"}},
		// Seed bug: one global "tested version" row let every stage take it.
		{"proven in dev only (no sandbox record): test may take it, dev may not", []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "dev")},
			[]string{"recordReached sandbox 1.31.4", "recordStarted test 1.31.4", "upgradeControlPlane test test-1 1.31.2->1.31.4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters, History: aksupgrade.History{Rollouts: tc.history}})
			got := actionsOf(res)
			// Records of already-current versions are not what this test is about.
			got = dropRecords(got, "1.31.2")
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("actions (-want +got):\n%s", d)
			}
		})
	}
}

func dropRecords(actions []string, version string) []string {
	out := []string{}
	for _, a := range actions {
		if strings.HasPrefix(a, "record") && strings.HasSuffix(a, " "+version) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// Seed bug: the tested version was recorded when the sandbox upgrade
// started, and the upgrade was never awaited.
func TestStartedUpgradeProvesNothing(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, twoRegions)
	started := aksupgrade.History{Rollouts: []aksupgrade.Rollout{{Target: k8s("1.31.4"), Stages: []aksupgrade.StageProgress{{Stage: "sandbox", StartedAt: at(t0.Add(-time.Minute))}}}}}
	for _, tc := range []struct {
		name string
		sbx  func(c *aksupgrade.Cluster)
	}{
		{"operation running", func(c *aksupgrade.Cluster) { c.ProvisioningState = "Upgrading" }},
		{"control plane done, pools not", func(c *aksupgrade.Cluster) {
			c.KubernetesVersion = "1.31.4"
		}},
		{"one pool done, one not", func(c *aksupgrade.Cluster) {
			c.KubernetesVersion = "1.31.4"
			c.NodePools[0].KubernetesVersion = "1.31.4"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sbx := cl("sbx-1", "sandbox", "westeurope", "1.31.2")
			tc.sbx(&sbx)
			res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, History: started,
				Clusters: []aksupgrade.Cluster{sbx, cl("dev-1", "dev", "westeurope", "1.31.2")}})
			for _, a := range res.Actions {
				if a.Stage == "dev" || (a.Kind == ActionRecordReached || a.Kind == ActionRecordProven) && a.Target.Version == "1.31.4" {
					t.Errorf("unexpected action %+v while sandbox is still upgrading", a)
				}
			}
		})
	}
}

func TestReachSoakProve(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, twoRegions)
	clusters := []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.31.4"), cl("sbx-2", "sandbox", "eastus", "1.31.4")}
	reached := t0.Add(-12 * time.Hour)
	hist := func(h *aksupgrade.Halt) aksupgrade.History {
		return aksupgrade.History{Rollouts: []aksupgrade.Rollout{{Target: k8s("1.31.4"), Stages: []aksupgrade.StageProgress{
			{Stage: "sandbox", StartedAt: at(reached.Add(-time.Hour)), ReachedAt: at(reached), Halt: h}}}}}
	}
	for _, tc := range []struct {
		name string
		now  time.Time
		halt *aksupgrade.Halt
		want []string
	}{
		{"soaking", t0, nil, []string{}},
		{"soak over", reached.Add(24 * time.Hour), nil, []string{"recordProven sandbox 1.31.4"}},
		{"soak over but halted", reached.Add(24 * time.Hour), &aksupgrade.Halt{Reason: "postflight failed", At: t0}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Plan(Input{Now: tc.now, Policy: pol, Catalogs: cats, Clusters: clusters, History: hist(tc.halt)})
			if d := cmp.Diff(tc.want, actionsOf(res)); d != "" {
				t.Errorf("actions (-want +got):\n%s", d)
			}
		})
	}
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters, History: hist(nil)})
	tp := res.Stages[0].Targets[0]
	if tp.State != TargetSoaking || tp.ProvenAt == nil || !tp.ProvenAt.Equal(reached.Add(24*time.Hour)) {
		t.Errorf("sandbox target = %+v, want soaking until %v", tp, reached.Add(24*time.Hour))
	}
	if got := actionsOf(res); len(got) != 0 {
		t.Errorf("no action expected while soaking, got %v", got)
	}
}

func TestMultiMinorGapGoesThroughEachMinorAndSoaks(t *testing.T) {
	pol := mustPolicy(t, `
kubernetes: {channel: rapid, minorUpgrades: auto}
stages:
`+stageYAML("sandbox", ""))
	cats := catalogs(t, map[string][]string{"westeurope": {"1.29.9", "1.30.5", "1.30.7", "1.31.4"}})
	c := cl("sbx-1", "sandbox", "westeurope", "1.29.9")
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{c}})
	if d := cmp.Diff([]string{"recordStarted sandbox 1.30.7", "upgradeControlPlane sandbox sbx-1 1.29.9->1.30.7"}, actionsOf(res)); d != "" {
		t.Errorf("first hop (-want +got):\n%s", d)
	}
	if cp := clusterPlan(t, res, "sbx-1"); cp.Goal != "1.31.4" {
		t.Errorf("goal = %q, want 1.31.4", cp.Goal)
	}
	// At 1.30.7, reached but soaking: the next hop waits for the soak.
	c = cl("sbx-1", "sandbox", "westeurope", "1.30.7")
	hist := aksupgrade.History{Rollouts: []aksupgrade.Rollout{{Target: k8s("1.30.7"), Stages: []aksupgrade.StageProgress{{Stage: "sandbox", StartedAt: at(t0.Add(-2 * time.Hour)), ReachedAt: at(t0.Add(-time.Hour))}}}}}
	res = Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{c}, History: hist})
	if got := actionsOf(res); len(got) != 0 {
		t.Errorf("actions %v while 1.30.7 soaks", got)
	}
	cp := clusterPlan(t, res, "sbx-1")
	mustContain(t, cp.Reason, "1.30.7 is soaking in sandbox until")
	if cp.EarliestStart == nil || !cp.EarliestStart.Equal(t0.Add(23*time.Hour)) {
		t.Errorf("earliest start %v, want the end of the soak %v", cp.EarliestStart, t0.Add(23*time.Hour))
	}
}

func TestNoMinorSkipInLaterStage(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, twoRegions)
	// sandbox proved only 1.31.4; dev is on 1.29: it may not jump to 1.31.
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats,
		Clusters: []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.31.4"), cl("dev-1", "dev", "westeurope", "1.29.9")},
		History:  aksupgrade.History{Rollouts: []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "sandbox")}}})
	for _, a := range res.Actions {
		if a.Stage == "dev" && a.Kind != ActionRecordReached {
			t.Errorf("dev action %+v skips a minor", a)
		}
	}
	dev := clusterPlan(t, res, "dev-1")
	if dev.State != ClusterBlocked {
		t.Errorf("dev-1 state %s, want blocked", dev.State)
	}
	mustContain(t, dev.Reason, "no 1.30 version is proven in sandbox")
}

func TestApprovalForMinor(t *testing.T) {
	pol := mustPolicy(t, `
kubernetes: {channel: stable, minorUpgrades: approval}
stages:
`+stageYAML("sandbox", "    approval: {minor: false}\n")+stageYAML("prod", ""))
	cats := catalogs(t, twoRegions)
	clusters := []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.31.4"), cl("prod-1", "prod", "westeurope", "1.30.7")}
	rollout := provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "sandbox")
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters, History: aksupgrade.History{Rollouts: []aksupgrade.Rollout{rollout}}})
	prod := clusterPlan(t, res, "prod-1")
	if prod.State != ClusterApproval {
		t.Fatalf("prod-1 = %+v, want awaiting approval", prod)
	}
	mustContain(t, prod.Reason, "awaiting approval for minor upgrade 1.30 → 1.31 (1.31.4) in prod")
	if got := dropRecords(actionsOf(res), "1.30.7"); len(got) != 0 {
		t.Errorf("actions %v before approval", got)
	}
	rollout.Stages = append(rollout.Stages, aksupgrade.StageProgress{Stage: "prod", Approval: &aksupgrade.Approval{By: "alice", At: t0}})
	res = Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters, History: aksupgrade.History{Rollouts: []aksupgrade.Rollout{rollout}}})
	if d := cmp.Diff([]string{"recordStarted prod 1.31.4", "upgradeControlPlane prod prod-1 1.30.7->1.31.4"}, dropRecords(actionsOf(res), "1.30.7")); d != "" {
		t.Errorf("after approval (-want +got):\n%s", d)
	}
}

func TestTargetNotYetInRegion(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, map[string][]string{
		"eastus":     {"1.30.7", "1.31.2", "1.31.4", "1.32.1"},
		"westeurope": {"1.30.7", "1.31.2", "1.32.1"},
	})
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats,
		Clusters: []aksupgrade.Cluster{cl("sbx-1", "sandbox", "eastus", "1.31.4"), cl("dev-weu", "dev", "West Europe", "1.31.2"), cl("dev-eus", "dev", "eastus", "1.31.2")},
		History:  aksupgrade.History{Rollouts: []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "sandbox")}}})
	weu := clusterPlan(t, res, "dev-weu")
	if weu.State != ClusterWaiting {
		t.Errorf("dev-weu state %s, want waiting", weu.State)
	}
	mustContain(t, weu.Reason, "1.31.4 is not yet available in West Europe")
	if got := dropRecords(actionsOf(res), "1.31.2"); !cmp.Equal(got, []string{"recordStarted dev 1.31.4", "upgradeControlPlane dev dev-eus 1.31.2->1.31.4"}) {
		t.Errorf("actions = %v, want dev-eus only", got)
	}
}

func TestWindows(t *testing.T) {
	// prod-nights: Tuesdays 02:00 Europe/Oslo for 4 hours.
	pol := mustPolicy(t, `
kubernetes: {channel: stable, minorUpgrades: auto}
stages:
  - name: sandbox
    selector: {tags: {environment: sandbox}}
    window:
      name: prod-nights
      schedule: {weekly: {dayOfWeek: Tuesday, intervalWeeks: 1}}
      durationHours: 4
      startTime: "02:00"
      timeZone: Europe/Oslo
      notAllowedDates: [{start: "2026-03-10", end: "2026-03-10"}]
`)
	cats := catalogs(t, twoRegions)
	small := cl("sbx-1", "sandbox", "westeurope", "1.31.2")
	big := cl("sbx-big", "sandbox", "westeurope", "1.31.2")
	big.NodePools[1].Count = 60 // 60 nodes, 10% surge: 10 batches of 8 minutes
	for _, tc := range []struct {
		name      string
		now       time.Time
		c         aksupgrade.Cluster
		act       bool
		reason    string
		wantStart time.Time
	}{
		{"Monday: waits for Tuesday", t0, small, false, "waiting for window 'prod-nights' Tue 2026-03-03 02:00 +01:00",
			time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)},
		{"inside the window", time.Date(2026, 3, 3, 1, 30, 0, 0, time.UTC), small, true, "in window 'prod-nights' until Tue 2026-03-03 06:00 +01:00",
			time.Date(2026, 3, 3, 1, 30, 0, 0, time.UTC)},
		{"too little time left: next week is a not-allowed date, so the week after", time.Date(2026, 3, 3, 4, 30, 0, 0, time.UTC), small, false,
			"waiting for window 'prod-nights' Tue 2026-03-17 02:00 +01:00", time.Date(2026, 3, 17, 1, 0, 0, 0, time.UTC)},
		{"small enough for the time left", time.Date(2026, 3, 3, 3, 15, 0, 0, time.UTC), small, true,
			"in window 'prod-nights' until Tue 2026-03-03 06:00 +01:00", time.Date(2026, 3, 3, 3, 15, 0, 0, time.UTC)},
		{"too big for the time left", time.Date(2026, 3, 3, 3, 15, 0, 0, time.UTC), big, false,
			"waiting for window 'prod-nights' Tue 2026-03-17 02:00 +01:00", time.Date(2026, 3, 17, 1, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Plan(Input{Now: tc.now, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{tc.c}})
			if got := len(actionsOf(res)) > 0; got != tc.act {
				t.Errorf("acts = %v, want %v (%v)", got, tc.act, actionsOf(res))
			}
			cp := clusterPlan(t, res, tc.c.Name)
			mustContain(t, cp.Reason, tc.reason)
			if cp.EarliestStart == nil || !cp.EarliestStart.Equal(tc.wantStart) {
				t.Errorf("earliest start %v, want %v", cp.EarliestStart, tc.wantStart)
			}
			if cp.ExpectedFinish == nil || cp.ExpectedFinish.Sub(*cp.EarliestStart) <= 0 {
				t.Errorf("expected finish %v not after start", cp.ExpectedFinish)
			}
		})
	}
}

func TestFromClusterWindow(t *testing.T) {
	pol := mustPolicy(t, `
kubernetes: {channel: stable, minorUpgrades: auto}
stages:
  - name: sandbox
    selector: {tags: {environment: sandbox}}
    window: {fromCluster: true}
`)
	own := cl("sbx-1", "sandbox", "westeurope", "1.31.2")
	own.AutoUpgradeWindow = &aksupgrade.Window{Schedule: aksupgrade.Schedule{Daily: &aksupgrade.DailySchedule{IntervalDays: 1}}, DurationHours: 4, StartTime: "08:00"}
	none := cl("sbx-2", "sandbox", "westeurope", "1.31.2")
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions), Clusters: []aksupgrade.Cluster{own, none}})
	if got := actionsOf(res); !cmp.Equal(got, []string{"recordStarted sandbox 1.31.4", "upgradeControlPlane sandbox sbx-1 1.31.2->1.31.4"}) {
		t.Errorf("actions = %v", got)
	}
	cp := clusterPlan(t, res, "sbx-2")
	if cp.State != ClusterBlocked {
		t.Errorf("sbx-2 state %s, want blocked", cp.State)
	}
	mustContain(t, cp.Reason, "has none")
}

func TestMaxParallelAndBusyClusters(t *testing.T) {
	pol := sandboxOnly(t, 2)
	cats := catalogs(t, twoRegions)
	var clusters []aksupgrade.Cluster
	for _, n := range []string{"a", "b", "c", "d"} {
		clusters = append(clusters, cl("sbx-"+n, "sandbox", "westeurope", "1.31.2"))
	}
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters})
	if got := actionsOf(res); !cmp.Equal(got, []string{"recordStarted sandbox 1.31.4", "upgradeControlPlane sandbox sbx-a 1.31.2->1.31.4", "upgradeControlPlane sandbox sbx-b 1.31.2->1.31.4"}) {
		t.Errorf("actions = %v, want two starts", got)
	}
	c := clusterPlan(t, res, "sbx-c")
	mustContain(t, c.Reason, "waiting for a free slot (maxParallel 2)")

	// One busy cluster holds a slot, and gets no second operation.
	clusters[0].ProvisioningState = "Upgrading"
	res = Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters})
	if got := actionsOf(res); !cmp.Equal(got, []string{"recordStarted sandbox 1.31.4", "upgradeControlPlane sandbox sbx-b 1.31.2->1.31.4"}) {
		t.Errorf("actions = %v, want one start beside the busy cluster", got)
	}
}

func TestHaltedStageStartsNothing(t *testing.T) {
	pol := fourStages(t, "")
	hist := aksupgrade.History{Rollouts: []aksupgrade.Rollout{{Target: k8s("1.31.4"), Stages: []aksupgrade.StageProgress{
		{Stage: "sandbox", StartedAt: at(t0.Add(-time.Hour)), Halt: &aksupgrade.Halt{Cluster: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/sbx-1", Reason: "node pool user failed to drain: PodDisruptionBudget allows 0 disruptions", At: t0.Add(-time.Minute)}}}}}}
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions), History: hist,
		Clusters: []aksupgrade.Cluster{cl("sbx-2", "sandbox", "westeurope", "1.31.2")}})
	if len(res.Actions) != 0 {
		t.Errorf("actions %v in a halted stage", actionsOf(res))
	}
	cp := clusterPlan(t, res, "sbx-2")
	if cp.State != ClusterHalted {
		t.Errorf("state %s, want halted", cp.State)
	}
	mustContain(t, cp.Reason, "PodDisruptionBudget allows 0 disruptions (cluster sbx-1)")
	mustContain(t, res.Stages[0].Halted, "failed to drain")
}

func TestClustersOutsideTheStages(t *testing.T) {
	pol := fourStages(t, `  - name: everything-prod
    selector: {resourceGroups: [rg-prod]}
    window: {schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}
`)
	auto := cl("sbx-auto", "sandbox", "westeurope", "1.31.2")
	auto.AutoUpgradeChannel = "patch"
	nonprod := cl("np-1", "nonprod", "westeurope", "1.31.2") // "prod" must not match "nonprod"
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions),
		Clusters: []aksupgrade.Cluster{auto, nonprod, cl("prod-1", "prod", "westeurope", "1.31.2")}})
	if len(res.Unmanaged) != 1 || res.Unmanaged[0].Name != "np-1" {
		t.Errorf("unmanaged = %+v, want np-1", res.Unmanaged)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].Name != "sbx-auto" {
		t.Errorf("conflicts = %+v, want sbx-auto", res.Conflicts)
	}
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Reason, `"prod" and "everything-prod"`) {
		t.Errorf("errors = %+v, want prod-1 in two stages", res.Errors)
	}
	if len(res.Actions) != 0 {
		t.Errorf("actions %v for clusters the policy does not manage", actionsOf(res))
	}
}

func TestNodeImagesFollowStages(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, twoRegions)
	newImage := func(c aksupgrade.Cluster) aksupgrade.Cluster {
		for i := range c.NodePools {
			c.NodePools[i].LatestNodeImageVersion = "AKSUbuntu-2204gen2containerd-202502.03.0"
		}
		return c
	}
	clusters := []aksupgrade.Cluster{newImage(cl("sbx-1", "sandbox", "westeurope", "1.31.4")), newImage(cl("dev-1", "dev", "westeurope", "1.31.4"))}
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters,
		History: aksupgrade.History{Rollouts: []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-48*time.Hour), "sandbox", "dev", "test", "prod")}}})
	got := actionsOf(res)
	want := []string{"recordStarted sandbox AKSUbuntu-2204gen2containerd-202502.03.0", "upgradeNodeImage sandbox sbx-1/system AKSUbuntu-2204gen2containerd-202501.12.0->AKSUbuntu-2204gen2containerd-202502.03.0"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	dev := clusterPlan(t, res, "dev-1")
	mustContain(t, dev.Reason, "node image 202502.03.0 (Ubuntu-2204gen2) not yet proven in sandbox")
}

// A node image is proven per OS family: the Ubuntu image of a weekly
// release proven in sandbox does not let dev's Azure Linux pools take the
// Azure Linux image of the same release.
func TestNodeImagesAreProvenPerOSFamily(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, twoRegions)
	const ubuntu, azl = "AKSUbuntu-2204gen2containerd-202502.03.0", "AKSAzureLinux-V2gen2-202502.03.0"
	dev := cl("dev-1", "dev", "westeurope", "1.31.4")
	for i := range dev.NodePools {
		dev.NodePools[i].NodeImageVersion, dev.NodePools[i].LatestNodeImageVersion = "AKSAzureLinux-V2gen2-202501.12.0", azl
	}
	history := aksupgrade.History{Rollouts: []aksupgrade.Rollout{
		provenIn(k8s("1.31.4"), t0.Add(-48*time.Hour), "sandbox", "dev", "test", "prod"),
		provenIn(aksupgrade.Target{Kind: aksupgrade.TargetNodeImage, Version: ubuntu}, t0.Add(-time.Hour), "sandbox"),
	}}
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{dev}, History: history})
	for _, a := range res.Actions {
		if a.Kind == ActionUpgradeNodeImage {
			t.Errorf("%s %s/%s to %s: only the Ubuntu image is proven in sandbox", a.Kind, aksupgrade.ClusterName(a.Cluster), a.Pool, a.To)
		}
	}
	mustContain(t, clusterPlan(t, res, "dev-1").Reason, "node image 202502.03.0 (AzureLinux-V2gen2) is not proven in sandbox")
}

func TestPlanIsPureAndOrderIndependent(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, twoRegions)
	clusters := []aksupgrade.Cluster{
		cl("sbx-2", "sandbox", "eastus", "1.30.7"), cl("sbx-1", "sandbox", "westeurope", "1.31.2"),
		cl("dev-1", "dev", "westeurope", "1.31.2"), cl("prod-1", "prod", "eastus", "1.30.7"),
	}
	a := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters})
	reversed := []aksupgrade.Cluster{clusters[3], clusters[2], clusters[1], clusters[0]}
	b := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: reversed})
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("plan depends on the order of clusters (-first +second):\n%s", d)
	}
	if reversed[0].Name != "prod-1" || clusters[0].Name != "sbx-2" {
		t.Error("Plan changed its input")
	}
}

func TestPausedAndAbortedRollouts(t *testing.T) {
	pol := fourStages(t, "")
	cats := catalogs(t, twoRegions)
	clusters := []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.31.2"), cl("dev-1", "dev", "westeurope", "1.31.2")}
	for _, tc := range []struct {
		name   string
		r      aksupgrade.Rollout
		state  ClusterState
		reason string
	}{
		{"paused", aksupgrade.Rollout{Target: k8s("1.31.4"), Paused: &aksupgrade.Mark{By: "alice", At: t0, Reason: "CVE triage"}},
			ClusterWaiting, "the rollout of 1.31.4 is paused by alice (CVE triage)"},
		{"aborted", aksupgrade.Rollout{Target: k8s("1.31.4"), Aborted: &aksupgrade.Mark{By: "bob", At: t0}},
			ClusterBlocked, "the rollout of 1.31.4 was aborted by bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters, History: aksupgrade.History{Rollouts: []aksupgrade.Rollout{tc.r}}})
			if got := dropRecords(actionsOf(res), "1.31.2"); len(got) != 0 {
				t.Errorf("actions %v for a %s rollout", got, tc.name)
			}
			sbx := clusterPlan(t, res, "sbx-1")
			if sbx.State != tc.state {
				t.Errorf("state %s, want %s", sbx.State, tc.state)
			}
			mustContain(t, sbx.Reason, tc.reason)
		})
	}
}

func TestFailedOperationCanBeRetried(t *testing.T) {
	// A pool whose upgrade failed (provisioningState Failed) is no longer
	// busy: once the stage is not halted, the step is issued again.
	pol := fourStages(t, "")
	c := cl("sbx-1", "sandbox", "westeurope", "1.31.4")
	c.NodePools[1].KubernetesVersion = "1.31.2"
	c.NodePools[1].ProvisioningState = "Failed"
	c.ProvisioningState = "Failed"
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions), Clusters: []aksupgrade.Cluster{c},
		History: aksupgrade.History{Rollouts: []aksupgrade.Rollout{{Target: k8s("1.31.4"), Stages: []aksupgrade.StageProgress{{Stage: "sandbox", StartedAt: at(t0.Add(-time.Hour))}}}}}})
	if got := actionsOf(res); !cmp.Equal(got, []string{"upgradeNodePool sandbox sbx-1/user 1.31.2->1.31.4"}) {
		t.Errorf("actions = %v, want the failed pool's step again", got)
	}
}

func TestChannelNoneRecordsNothing(t *testing.T) {
	// Versions and images the policy does not roll out are never proven.
	pol := mustPolicy(t, "kubernetes: {channel: none}\nnodeImage: {channel: none}\nstages:\n"+stageYAML("sandbox", ""))
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions), Clusters: []aksupgrade.Cluster{cl("sbx-1", "sandbox", "westeurope", "1.31.2")}})
	if len(res.Actions) != 0 {
		t.Errorf("actions %v with both channels none", res.Actions)
	}
	if cp := clusterPlan(t, res, "sbx-1"); cp.State != ClusterUpToDate {
		t.Errorf("state %s, want upToDate", cp.State)
	}
}

func TestUnavailableForSupportPlan(t *testing.T) {
	pol := fourStages(t, "")
	l := catalogList("1.31.2", "1.31.4", "1.32.1")
	for i := range l.Values { // 1.31 offered on KubernetesOfficial only
		if l.Values[i].Version == "1.31" {
			l.Values[i].Capabilities.SupportPlan = []string{aksupgrade.SupportPlanOfficial}
		} else {
			l.Values[i].Capabilities.SupportPlan = []string{aksupgrade.SupportPlanOfficial, aksupgrade.SupportPlanLTS}
		}
	}
	c, err := version.NewCatalog(l)
	if err != nil {
		t.Fatal(err)
	}
	lts := cl("dev-1", "dev", "westeurope", "1.31.2")
	lts.SupportPlan = aksupgrade.SupportPlanLTS
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: map[string]*version.Catalog{"westeurope": c}, Clusters: []aksupgrade.Cluster{lts},
		History: aksupgrade.History{Rollouts: []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "sandbox")}}})
	mustContain(t, clusterPlan(t, res, "dev-1").Reason, "held: 1.31.4 is not offered on support plan AKSLongTermSupport in westeurope")
}

func TestAzureMaintenanceIsAvoided(t *testing.T) {
	pol := fourStages(t, "")
	c := cl("sbx-1", "sandbox", "westeurope", "1.31.2")
	azure := map[string][]Span{aksupgrade.NormalizeID(c.ID): {{Start: t0.Add(-time.Hour), End: t0.Add(3 * time.Hour)}}}
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions), Clusters: []aksupgrade.Cluster{c}, AzureMaintenance: azure})
	if got := actionsOf(res); len(got) != 0 {
		t.Errorf("actions %v during Azure's maintenance", got)
	}
	cp := clusterPlan(t, res, "sbx-1")
	mustContain(t, cp.Reason, "waiting for Azure's planned maintenance of the cluster")
	if cp.EarliestStart == nil || !cp.EarliestStart.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("earliest start %v, want the end of the maintenance", cp.EarliestStart)
	}
	// Maintenance later today that the upgrade would run into: it still
	// fits before it (the upgrade needs under an hour).
	azure[aksupgrade.NormalizeID(c.ID)] = []Span{{Start: t0.Add(2 * time.Hour), End: t0.Add(4 * time.Hour)}}
	res = Plan(Input{Now: t0, Policy: pol, Catalogs: catalogs(t, twoRegions), Clusters: []aksupgrade.Cluster{c}, AzureMaintenance: azure})
	if got := actionsOf(res); len(got) != 2 {
		t.Errorf("actions %v: the upgrade fits before the maintenance", got)
	}
}

// TestGatedClusterGivesWayAndSaysWhy: a cluster its preflight gates keep
// from its target shows as gated with what they saw and no projected
// start; the stage's slot goes to a cluster that can use it, and the
// gated one is asked again only when a slot is free.
func TestGatedClusterGivesWayAndSaysWhy(t *testing.T) {
	pol := sandboxOnly(t, 1)
	cats := catalogs(t, twoRegions)
	clusters := []aksupgrade.Cluster{cl("sbx-a", "sandbox", "westeurope", "1.31.2"), cl("sbx-b", "sandbox", "westeurope", "1.31.2")}
	gated := map[string]Gated{aksupgrade.NormalizeID(clusters[0].ID): {Target: k8s("1.31.4"), Reason: "waiting for preflight gates: drainBlockers: shop/web allows no disruption"}}
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters, Gated: gated})
	if got := actionsOf(res); !cmp.Equal(got, []string{"recordStarted sandbox 1.31.4", "upgradeControlPlane sandbox sbx-b 1.31.2->1.31.4"}) {
		t.Errorf("actions = %v, want sbx-b to take the only slot", got)
	}
	a := clusterPlan(t, res, "sbx-a")
	if a.State != ClusterGated || a.EarliestStart != nil {
		t.Errorf("sbx-a: state %s, start %v; want gated, no projected start", a.State, a.EarliestStart)
	}
	mustContain(t, a.Reason, "shop/web allows no disruption; the gates look again every 5m")
	if r := res.Stages[0].Targets[0]; r.ReachedAt != nil {
		t.Errorf("1.31.4 projected to be reached at %v with sbx-a gated", r.ReachedAt)
	}

	// Alone in the stage, the gated cluster keeps its action: the engine
	// asks its gates again when they are due.
	res = Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters[:1], Gated: gated})
	if got := actionsOf(res); !cmp.Equal(got, []string{"recordStarted sandbox 1.31.4", "upgradeControlPlane sandbox sbx-a 1.31.2->1.31.4"}) {
		t.Errorf("actions = %v, want the gated cluster's action kept", got)
	}
	// Gated for another target: not this one's concern.
	gated[aksupgrade.NormalizeID(clusters[0].ID)] = Gated{Target: k8s("1.32.3"), Reason: "old"}
	res = Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: clusters[:1], Gated: gated})
	if a := clusterPlan(t, res, "sbx-a"); a.State != ClusterStarting {
		t.Errorf("sbx-a gated for another target: state %s, want starting", a.State)
	}
}

// A pool still on an older node image is not counted out while its cluster
// upgrades Kubernetes first: the stage has not reached the newer image, and
// the older image it runs for now is no target of its own. (Seen as a new
// user: "every cluster of sandbox runs node image 202502.24.0" while a
// system pool was still on 202502.17.0, and a rollout of 202502.17.0 began.)
func TestPoolBehindOnImageDuringKubernetesUpgrade(t *testing.T) {
	pol := sandboxOnly(t, 2)
	cats := catalogs(t, map[string][]string{"westeurope": {"1.31.4", "1.31.5"}})
	const old, latest = "AKSUbuntu-2204gen2containerd-202502.17.0", "AKSUbuntu-2204gen2containerd-202502.24.0"
	done := cl("sbx-1", "sandbox", "westeurope", "1.31.5")
	behind := cl("sbx-2", "sandbox", "westeurope", "1.31.4")
	for i := range done.NodePools {
		done.NodePools[i].NodeImageVersion, done.NodePools[i].LatestNodeImageVersion = latest, latest
		behind.NodePools[i].NodeImageVersion, behind.NodePools[i].LatestNodeImageVersion = latest, latest
	}
	behind.NodePools[0].NodeImageVersion = old
	res := Plan(Input{Now: t0, Policy: pol, Catalogs: cats, Clusters: []aksupgrade.Cluster{done, behind}})
	for _, a := range res.Actions {
		if a.Target.Kind == aksupgrade.TargetNodeImage && (a.Kind == ActionRecordReached || a.Kind == ActionRecordProven || a.Kind == ActionRecordStarted) {
			t.Errorf("%s %s in %s while sbx-2/system runs %s (evidence %v)", a.Kind, a.Target, a.Stage, old, a.Evidence)
		}
	}
	if sbx := clusterPlan(t, res, "sbx-2"); sbx.Target == nil || sbx.Target.Kind != aksupgrade.TargetKubernetes {
		t.Errorf("sbx-2 heads to %v, want Kubernetes 1.31.5 first", sbx.Target)
	}
}
