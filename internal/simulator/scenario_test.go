package simulator

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const minimal = `start: 2025-03-03T08:00:00Z
subscriptions:
  - id: 11111111-1111-4111-8111-111111111111
    clusters:
      - name: aks-a
        resourceGroup: rg
        location: westeurope
        kubernetesVersion: 1.31.4
        nodePools:
          - name: system
            count: 3
regions:
  - name: westeurope
    kubernetesVersions:
      - {version: "1.31", patches: [1.31.4]}
    nodeImages: [AKSUbuntu-2204gen2containerd-202501.12.0]
`

func TestParseScenarioErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // every line of the error
	}{{
		name: "unknown key",
		yaml: minimal + "colour: blue\n",
		want: []string{`s.yaml:17:1: unknown field "colour"`},
	}, {
		name: "unknown key in a cluster",
		yaml: strings.Replace(minimal, "        location:", "        zone: 1\n        location:", 1),
		want: []string{`s.yaml:7:9: unknown field "zone"`},
	}, {
		name: "wrong type",
		yaml: minimal + "pageSize: many\n",
		want: []string{`s.yaml:17:11: cannot unmarshal string into Go struct field Scenario.PageSize of type int`},
	}, {
		name: "bad duration",
		yaml: minimal + "timeline:\n  - after: 2x\n    region: westeurope\n    addPatch: 1.31.5\n",
		want: []string{`s.yaml:18:12: invalid duration "2x": want Go duration text such as 90m, 48h or 2d12h`},
	}, {
		name: "bad start",
		yaml: strings.Replace(minimal, "2025-03-03T08:00:00Z", "yesterday", 1),
		want: []string{`s.yaml:1:8: start: found "yesterday", want an RFC 3339 time such as 2025-03-03T08:00:00Z`},
	}, {
		name: "empty",
		yaml: "  \n",
		want: []string{`s.yaml:1:1: the scenario is empty`},
	}, {
		name: "timeline patch of a minor not offered",
		yaml: minimal + "timeline:\n  - after: 2d\n    region: westeurope\n    addPatch: 1.32.1\n",
		want: []string{`s.yaml:20:15: timeline[0].addPatch: minor 1.32 is not in westeurope's catalogue then; add it with addMinor`},
	}, {
		name: "timeline entry with two changes",
		yaml: minimal + "timeline:\n  - after: 2d\n    region: westeurope\n    addPatch: 1.31.5\n    remove: 1.31.4\n",
		want: []string{`s.yaml:18:5: timeline[0]: an entry makes exactly one change (addPatch, addMinor, remove, ga, setDefault, nodeImage or supportEnding), found 2`},
	}, {
		name: "LTS without the Premium tier",
		yaml: strings.Replace(minimal, "        location: westeurope", "        location: westeurope\n        supportPlan: AKSLongTermSupport", 1),
		want: []string{`s.yaml:8:22: subscriptions[0].clusters[0].supportPlan: found AKSLongTermSupport on tier "Free", want tier Premium: AKS offers long-term support only on the Premium tier`},
	}, {
		name: "fleet member and update run state",
		yaml: strings.Replace(minimal, "    clusters:\n", "    fleets:\n      - {name: f, resourceGroup: rg, location: westeurope, members: [aks-z], updateRuns: [{name: r, state: Busy}]}\n    clusters:\n", 1),
		want: []string{
			`s.yaml:5:70: subscriptions[0].fleets[0].members[0]: found "aks-z", want a cluster of the scenario`,
			`s.yaml:5:108: subscriptions[0].fleets[0].updateRuns[0].state: found "Busy", want one of NotStarted, Running, Stopping, Stopped, Skipped, Failed, Pending, Completed`,
		},
	}, {
		name: "fault target",
		yaml: minimal + "faults:\n  - kind: drainFailure\n    cluster: aks-z\n",
		want: []string{`s.yaml:19:14: faults[0].cluster: no cluster of the scenario matches the fault's target`},
	}, {
		name: "fault kind",
		yaml: minimal + "faults:\n  - kind: meteor\n",
		want: []string{`s.yaml:18:11: faults[0].kind: found "meteor", want one of throttle, slow, drainFailure, quota, deprecatedAPI, stopped, conflict, random, pdbBlocksDrain, nodeNotReady, systemPodCrashLoop, appUnavailable, metricBreach`},
	}, {
		name: "many problems, in file order",
		yaml: `subscriptions:
  - id: not-a-guid
    clusters:
      - name: aks-a
        resourceGroup: rg
        location: eastus
        kubernetesVersion: 1.31.4
        maintenance:
          autoUpgradeSchedule:
            schedule: {weekly: {dayOfWeek: Caturday}}
            durationHours: 2
            startTime: "02:00"
        nodePools:
          - name: System
            count: 3
            kubernetesVersion: 1.32.0
regions:
  - name: westeurope
    kubernetesVersions:
      - {version: "1.31", patches: [1.31.4, 1.30.2]}
`,
		want: []string{
			`s.yaml:2:9: subscriptions[0].id: found "not-a-guid", want a subscription GUID such as 6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f`,
			`s.yaml:6:19: subscriptions[0].clusters[0].location: found "eastus", want one of the scenario's regions`,
			`s.yaml:10:44: subscriptions[0].clusters[0].maintenance.autoUpgradeSchedule.schedule.weekly.dayOfWeek: found "Caturday", allowed Sunday, Monday, Tuesday, Wednesday, Thursday, Friday or Saturday`,
			`s.yaml:11:28: subscriptions[0].clusters[0].maintenance.autoUpgradeSchedule.durationHours: found 2, allowed 4 to 24`,
			`s.yaml:14:19: subscriptions[0].clusters[0].nodePools[0].name: found "System", want 1 to 12 lowercase letters and digits, starting with a letter`,
			`s.yaml:16:32: subscriptions[0].clusters[0].nodePools[0].kubernetesVersion: pool version 1.32.0 is newer than the control plane's 1.31.4`,
			`s.yaml:20:45: regions[0].kubernetesVersions[0].patches[1]: patch 1.30.2 is not of minor 1.31`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario("s.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseScenarioDefaults(t *testing.T) {
	sc, err := ParseScenario("s.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := New(Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	c := sim.Fleet().Clusters[0]
	p := c.NodePools[0]
	got := []string{c.ID, c.PowerState, c.SupportPlan, c.AutoUpgradeChannel, c.NodeOSUpgradeChannel, p.Mode, p.OSType, p.KubernetesVersion, p.NodeImageVersion}
	want := []string{
		"/subscriptions/11111111-1111-4111-8111-111111111111/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-a",
		// NodeImage: the node OS channel's default since API 2023-06-01
		// (learn.microsoft.com/azure/aks/auto-upgrade-node-os-image).
		"Running", "KubernetesOfficial", "none", "NodeImage", "System", "Linux", "1.31.4", "AKSUbuntu-2204gen2containerd-202501.12.0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if !sim.Start().Equal(time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("start = %v", sim.Start())
	}
}

func TestNewChecksProgrammaticScenarios(t *testing.T) {
	sc, err := ParseScenario("s.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	sc.Subscriptions[0].Clusters[0].Location = "mars"
	if _, err := New(Options{Scenario: sc}); err == nil || !strings.Contains(err.Error(), "subscriptions[0].clusters[0].location") {
		t.Errorf("New = %v, want the location problem", err)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without a scenario succeeded")
	}
}

func TestDurationText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"2d", 48 * time.Hour, "2d"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{"90m", 90 * time.Minute, "1h30m"},
		{"0", 0, "0s"},
		{"45s", 45 * time.Second, "45s"},
	} {
		d, err := ParseDuration(tt.in)
		if err != nil || d.D() != tt.want || d.String() != tt.out {
			t.Errorf("ParseDuration(%q) = %v (%s), %v; want %v (%s)", tt.in, d.D(), d, err, tt.want, tt.out)
		}
	}
	for _, bad := range []string{"-1h", "2x", "d", "1.5d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
}
