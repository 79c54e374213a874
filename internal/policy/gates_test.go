package policy_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

const gateStages = `
stages:
  - name: dev
    selector: {tags: {environment: dev}}
    window: {schedule: {daily: {intervalDays: 1}}, durationHours: 4, startTime: "22:00"}
  - name: prod
    selector: {tags: {environment: prod}}
    window: {schedule: {daily: {intervalDays: 1}}, durationHours: 4, startTime: "22:00"}
    gates:
      every: 2m
      preflight: {deprecatedAPIs: warn}
      postflight:
        pods: {namespaces: [kube-system, apps], maxRestarts: 1}
        probes:
          - {name: web, url: "https://{cluster}.{location}.example.com/healthz"}
`

// TestGatesDefaults: a policy that names no gates gets the default ones
// in every stage; a stage's gates replace the policy's part by part.
func TestGatesDefaults(t *testing.T) {
	p, err := policy.Parse("p.yaml", []byte("apiVersion: aksupgrade/v1\n"+gateStages))
	if err != nil {
		t.Fatal(err)
	}
	want := policy.DefaultGates()
	want.Surge = p.Stages[0].UpgradeSettings
	if diff := cmp.Diff(want, p.Stages[0].Gates); diff != "" {
		t.Errorf("dev's gates (-defaults +got):\n%s", diff)
	}
	want = policy.DefaultGates()
	want.Surge = p.Stages[1].UpgradeSettings
	want.Every = 2 * time.Minute
	want.Preflight[aksupgrade.GateDeprecatedAPIs] = aksupgrade.GateWarn
	want.Pods = policy.PodsGate{Mode: aksupgrade.GateBlock, Namespaces: []string{"kube-system", "apps"}, MaxRestarts: 1}
	want.Probes = []policy.Probe{{Name: "web", URL: "https://{cluster}.{location}.example.com/healthz", ExpectStatus: 200, Timeout: 10 * time.Second, Mode: aksupgrade.GateBlock}}
	if diff := cmp.Diff(want, p.Stages[1].Gates); diff != "" {
		t.Errorf("prod's gates (-want +got):\n%s", diff)
	}
	if p.Stages[0].Gates.Preflight[aksupgrade.GateDeprecatedAPIs] != aksupgrade.GateBlock {
		t.Error("prod's override changed dev's gates")
	}
}

// TestGatesOff: gates the policy turns off are off, in every stage that
// does not turn them on again.
func TestGatesOff(t *testing.T) {
	doc := `apiVersion: aksupgrade/v1
gates:
  access: admin
  preflight: {drainBlockers: off, deprecatedAPIs: off, surgeCapacity: off}
  postflight: {nodes: off, pods: {mode: off}}
` + gateStages
	p, err := policy.Parse("p.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	dev := p.Stages[0].Gates
	if dev.Any() || !dev.Admin {
		t.Errorf("dev's gates %+v: want none, read as admin", dev)
	}
	prod := p.Stages[1].Gates
	if prod.Preflight[aksupgrade.GateDeprecatedAPIs] != aksupgrade.GateWarn || prod.Pods.Mode != aksupgrade.GateBlock || prod.Nodes != "" {
		t.Errorf("prod's gates %+v: want deprecated APIs warned, pods blocking, nodes off", prod)
	}
}

func TestExpand(t *testing.T) {
	c := aksupgrade.Cluster{Name: "prod-1", ResourceGroup: "rg", SubscriptionID: "sub", Location: "westeurope"}
	if got := policy.Expand("https://{cluster}.{location}/{resourceGroup}/{subscription}", c); got != "https://prod-1.westeurope/rg/sub" {
		t.Errorf("Expand = %q", got)
	}
}

// TestGatesDescribe: the line plan prints for a stage's gates names each
// check with what its failure does, blocking first.
func TestGatesDescribe(t *testing.T) {
	g := policy.DefaultGates()
	want := "before: drainBlockers, deprecatedAPIs (block), surgeCapacity (warn); after: nodes, pods in kube-system (block); every 5m"
	if got := g.Describe(); got != want {
		t.Errorf("defaults: %q\nwant       %q", got, want)
	}
	g.Probes = []policy.Probe{{Name: "web", Mode: aksupgrade.GateWarn}}
	delete(g.Preflight, aksupgrade.GateSurgeCapacity)
	want = "before: drainBlockers, deprecatedAPIs (block); after: nodes, pods in kube-system (block), probe web (warn); every 5m"
	if got := g.Describe(); got != want {
		t.Errorf("with a probe: %q\nwant          %q", got, want)
	}
	if got := (policy.Gates{}).Describe(); got != "none" {
		t.Errorf("no gates: %q", got)
	}
}
