package simulator

import (
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// aksWorld is one cluster on 1.30.9 whose pools run an older node image
// than westeurope offers, with a node OS window 01:00-05:00 UTC daily.
func aksWorld(t *testing.T, change func(*Cluster), timeline ...TimelineEntry) *env {
	t.Helper()
	sc, err := ParseScenario("s.yaml", []byte(`start: 2025-03-03T08:00:00Z
subscriptions:
  - id: 11111111-1111-4111-8111-111111111111
    clusters:
      - name: aks-a
        resourceGroup: rg
        location: westeurope
        kubernetesVersion: 1.30.9
        maintenance:
          nodeOSUpgradeSchedule: {schedule: {daily: {intervalDays: 1}}, durationHours: 4, startTime: "01:00"}
        nodePools:
          - {name: system, count: 3, nodeImageVersion: AKSUbuntu-2204gen2containerd-202501.12.0}
          - {name: apps, count: 2, nodeImageVersion: AKSUbuntu-2204gen2containerd-202501.12.0}
regions:
  - name: westeurope
    kubernetesVersions:
      - {version: "1.29", patches: [1.29.14]}
      - {version: "1.30", patches: [1.30.9, 1.30.10]}
      - {version: "1.31", patches: [1.31.4]}
      - {version: "1.32", patches: [1.32.1]}
    nodeImages: [AKSUbuntu-2204gen2containerd-202501.12.0, AKSUbuntu-2204gen2containerd-202502.10.0]
`))
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(&sc.Subscriptions[0].Clusters[0])
	}
	sc.Timeline = timeline
	return newEnvFrom(t, sc)
}

// cluster is the world's only cluster as the fleet shows it.
func (e *env) only() aksupgrade.Cluster { return e.sim.Fleet().Clusters[0] }

func images(c aksupgrade.Cluster) string {
	var out []string
	for _, p := range c.NodePools {
		out = append(out, p.Name+"="+strings.TrimPrefix(p.NodeImageVersion, "AKSUbuntu-2204gen2containerd-"))
	}
	return strings.Join(out, " ")
}

// With the default node OS channel (NodeImage) AKS reimages every pool by
// itself, inside aksManagedNodeOSUpgradeSchedule and not before; with
// None it never does.
func TestAKSReimagesNodesOnTheNodeImageChannel(t *testing.T) {
	e := aksWorld(t, nil)
	if ch := e.only().NodeOSUpgradeChannel; ch != "NodeImage" {
		t.Fatalf("default node OS channel %q, want NodeImage", ch)
	}
	e.clock.Advance(16 * time.Hour) // 00:00, the window still shut
	if got := images(e.only()); got != "system=202501.12.0 apps=202501.12.0" {
		t.Fatalf("before the window: %s", got)
	}
	e.clock.Advance(4 * time.Hour) // 04:00: inside it
	got := e.only()
	if images(got) != "system=202502.10.0 apps=202502.10.0" {
		t.Errorf("after the window: %s, want every pool on 202502.10.0", images(got))
	}
	var ops, rolled []string
	for _, op := range e.sim.State(true).Operations {
		ops = append(ops, op.StartTime.Format("15:04")+" "+op.Kind+" "+op.Pool)
	}
	if strings.Join(ops, ", ") != "01:00 nodeImage system, 02:00 nodeImage apps" {
		t.Errorf("operations %v, want the system pool's node image at 01:00, then apps", ops)
	}
	for _, ev := range e.sim.Events() {
		if ev.Type == EventNodePoolRollingStarted || ev.Type == EventNodePoolRollingSucceeded {
			rolled = append(rolled, ev.Time.Format("15:04"))
		}
	}
	if len(rolled) != 4 {
		t.Errorf("rolling events at %v, want a start and an end per pool", rolled)
	}

	none := aksWorld(t, func(c *Cluster) { c.NodeOSUpgradeChannel = "None" })
	none.clock.Advance(10 * 24 * time.Hour)
	if got := images(none.only()); got != "system=202501.12.0 apps=202501.12.0" {
		t.Errorf("channel None: %s, want the pools untouched", got)
	}
}

// The cluster auto-upgrade channel moves the control plane and every pool
// in one operation; patch stays within the cluster's minor.
func TestAKSAutoUpgradeChannels(t *testing.T) {
	for _, tt := range []struct{ channel, first, want string }{
		{"patch", "1.30.10", "1.30.10"},
		{"stable", "1.31.4", "1.31.4"}, // N-1 of 1.32
		{"rapid", "1.31.4", "1.32.1"},  // one minor per hop
	} {
		t.Run(tt.channel, func(t *testing.T) {
			e := aksWorld(t, func(c *Cluster) { c.AutoUpgradeChannel, c.NodeOSUpgradeChannel = tt.channel, "None" })
			e.clock.Advance(6 * time.Hour)
			if ops := e.sim.State(true).Operations; len(ops) == 0 || ops[0].Kind != string(opCluster) || ops[0].To != tt.first {
				t.Errorf("operations %+v, want a whole-cluster upgrade to %s first", ops, tt.first)
			}
			c := e.only()
			if c.KubernetesVersion != tt.want {
				t.Errorf("control plane %s, want %s", c.KubernetesVersion, tt.want)
			}
			for _, p := range c.NodePools {
				if p.KubernetesVersion != tt.want {
					t.Errorf("pool %s on %s, want %s", p.Name, p.KubernetesVersion, tt.want)
				}
			}
		})
	}
}

// When the timeline removes a cluster's minor, AKS upgrades it by force
// after the 60-day grace period, into the oldest supported minor,
// whatever its channels.
func TestAKSForcesAnUpgradeOutOfTheSupportWindow(t *testing.T) {
	e := aksWorld(t, func(c *Cluster) { c.KubernetesVersion, c.NodeOSUpgradeChannel = "1.29.14", "None" },
		TimelineEntry{After: Duration(24 * time.Hour), Region: "westeurope", Remove: "1.29"})
	e.clock.Advance(24*time.Hour + 59*24*time.Hour)
	if v := e.only().KubernetesVersion; v != "1.29.14" {
		t.Fatalf("59 days after 1.29 left: %s, want no forced upgrade yet", v)
	}
	e.clock.Advance(2 * 24 * time.Hour)
	c := e.only()
	if c.KubernetesVersion != "1.30.10" || c.NodePools[0].KubernetesVersion != "1.30.10" {
		t.Errorf("after 60 days: control plane %s, system pool %s; want both forced to 1.30.10", c.KubernetesVersion, c.NodePools[0].KubernetesVersion)
	}
}

// When the community support of 1.30 ends, an LTS cluster on 1.30 (which
// LTS still covers) is not told its support is ending; others are.
func TestSupportEndingSkipsLTSClusters(t *testing.T) {
	e := newEnv(t, "small.yaml", func(sc *Scenario) {
		a := &sc.Subscriptions[0].Clusters[0] // aks-a, 1.30.9 in westeurope, which offers 1.30 on LTS
		a.Tier, a.SupportPlan = "Premium", "AKSLongTermSupport"
		sc.Timeline = append(sc.Timeline, TimelineEntry{After: Duration(time.Hour), Region: "westeurope", SupportEnding: "1.30"})
	})
	e.clock.Advance(2 * time.Hour)
	var told []string
	for _, ev := range e.sim.Events() {
		if ev.Type == EventClusterSupportEnding {
			told = append(told, ev.Subject)
		}
	}
	if strings.Join(told, " ") != "aks-stopped" {
		t.Errorf("ClusterSupportEnding for %v, want aks-stopped only (aks-a is on LTS)", told)
	}
}
