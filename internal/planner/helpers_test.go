package planner

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// t0 is Monday 2026-03-02 09:00 UTC.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const sub = "00000000-0000-0000-0000-000000000001"

// fourStages is a policy with stages selected by the environment tag, each
// with a daily 24h window unless overridden.
func fourStages(t *testing.T, extra string) *policy.Policy {
	t.Helper()
	return mustPolicy(t, `
kubernetes:
  channel: stable
  minorUpgrades: auto
stages:
`+stageYAML("sandbox", "")+stageYAML("dev", "")+stageYAML("test", "")+stageYAML("prod", "")+extra)
}

// sandboxOnly is a policy of one stage, sandbox, with maxParallel n.
func sandboxOnly(t *testing.T, n int) *policy.Policy {
	t.Helper()
	return mustPolicy(t, `
kubernetes: {channel: stable, minorUpgrades: auto}
stages:
`+strings.Replace(stageYAML("sandbox", ""), "maxParallel: 10", fmt.Sprintf("maxParallel: %d", n), 1))
}

func stageYAML(name, settings string) string {
	return fmt.Sprintf(`  - name: %s
    selector: {tags: {environment: %s}}
    maxParallel: 10
    soak: 1d
    window: {schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}
%s`, name, name, settings)
}

func mustPolicy(t *testing.T, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("test.yaml", []byte("apiVersion: aksupgrade/v1\n"+doc))
	if err != nil {
		t.Fatalf("policy: %v\n%s", err, doc)
	}
	return p
}

// catalogList builds a region catalogue: each patch upgrades to every newer
// patch of its minor and every patch of the next minor. Minors and patches
// are listed newest first, as ARM does not promise any order.
func catalogList(patches ...string) aksupgrade.KubernetesVersionList {
	byMinor := map[string][]version.Version{}
	var minors []version.Version
	for _, p := range patches {
		v := version.MustParse(p)
		if _, ok := byMinor[v.MinorString()]; !ok {
			minors = append(minors, v.MinorOf())
		}
		byMinor[v.MinorString()] = append(byMinor[v.MinorString()], v)
	}
	slices.SortFunc(minors, func(a, b version.Version) int { return b.Compare(a) })
	var l aksupgrade.KubernetesVersionList
	for _, m := range minors {
		kv := aksupgrade.KubernetesVersion{Version: m.MinorString(), PatchVersions: map[string]aksupgrade.PatchVersion{},
			Capabilities: aksupgrade.KubernetesCapabilities{SupportPlan: []string{aksupgrade.SupportPlanOfficial}}}
		for _, p := range byMinor[m.MinorString()] {
			var up []string
			for _, q := range patches {
				qv := version.MustParse(q)
				if p.Less(qv) && qv.Minor <= p.Minor+1 {
					up = append(up, q)
				}
			}
			kv.PatchVersions[p.String()] = aksupgrade.PatchVersion{Upgrades: up}
		}
		l.Values = append(l.Values, kv)
	}
	return l
}

func catalogs(t *testing.T, byRegion map[string][]string) map[string]*version.Catalog {
	t.Helper()
	out := map[string]*version.Catalog{}
	for r, ps := range byRegion {
		c, err := version.NewCatalog(catalogList(ps...))
		if err != nil {
			t.Fatal(err)
		}
		out[NormalizeLocation(r)] = c
	}
	return out
}

// cl makes a cluster of stage env in location with the control plane and
// every pool at v, two pools of 3 nodes.
func cl(name, env, loc, v string) aksupgrade.Cluster {
	return aksupgrade.Cluster{
		ID:                fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-%s/providers/Microsoft.ContainerService/managedClusters/%s", sub, env, name),
		Name:              name,
		SubscriptionID:    sub,
		ResourceGroup:     "rg-" + env,
		Location:          loc,
		KubernetesVersion: v,
		Tags:              map[string]string{"environment": env},
		ProvisioningState: "Succeeded",
		PowerState:        "Running",
		NodePools: []aksupgrade.NodePool{
			{Name: "system", Mode: "System", Count: 3, KubernetesVersion: v, NodeImageVersion: "AKSUbuntu-2204gen2containerd-202501.12.0", LatestNodeImageVersion: "AKSUbuntu-2204gen2containerd-202501.12.0"},
			{Name: "user", Mode: "User", Count: 3, KubernetesVersion: v, NodeImageVersion: "AKSUbuntu-2204gen2containerd-202501.12.0", LatestNodeImageVersion: "AKSUbuntu-2204gen2containerd-202501.12.0"},
		},
	}
}

func k8s(v string) aksupgrade.Target {
	return aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: v}
}

func at(t time.Time) *time.Time { return &t }

// proven returns history in which target was proven in each named stage.
func provenIn(target aksupgrade.Target, when time.Time, stages ...string) aksupgrade.Rollout {
	r := aksupgrade.Rollout{Target: target}
	for _, s := range stages {
		r.Stages = append(r.Stages, aksupgrade.StageProgress{Stage: s, StartedAt: at(when.Add(-72 * time.Hour)), ReachedAt: at(when.Add(-48 * time.Hour)), ProvenAt: at(when)})
	}
	return r
}

// baseImage is the node image release every test cluster starts on.
const baseImage = "AKSUbuntu-2204gen2containerd-202501.12.0"

// actionsOf lists the plan's actions as short strings, for comparison,
// leaving out the records of baseImage, which every stage runs from the
// start and proves in turn.
func actionsOf(res *Result) []string {
	out := []string{}
	for _, a := range res.Actions {
		if a.Target.Kind == aksupgrade.TargetNodeImage && a.Target.Version == baseImage && a.Cluster == "" {
			continue
		}
		s := string(a.Kind) + " " + a.Stage
		if a.Cluster != "" {
			s += " " + aksupgrade.ClusterName(a.Cluster)
		}
		if a.Pool != "" {
			s += "/" + a.Pool
		}
		if a.To != "" {
			s += " " + a.From + "->" + a.To
		} else {
			s += " " + a.Target.Version
		}
		out = append(out, s)
	}
	return out
}

func clusterPlan(t *testing.T, res *Result, name string) ClusterPlan {
	t.Helper()
	for _, st := range res.Stages {
		for _, c := range st.Clusters {
			if c.Name == name {
				return c
			}
		}
	}
	t.Fatalf("cluster %s not in plan", name)
	return ClusterPlan{}
}

func mustContain(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("reason %q does not say %q", got, want)
	}
}
