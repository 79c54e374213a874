package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// TestFullRollout runs the engine against the simulator for a simulated
// week: 1.31.5 appears, flows sandbox → dev → test → prod through windows
// and soak (prod after approval), and so does a new node image.
func TestFullRollout(t *testing.T) {
	h := newHarness(t, "testdata/scenario.yaml", "testdata/policy.yaml")
	initial := h.sim.Fleet().Clusters
	start := h.clk.Now()
	h.run(start.Add(10*24*time.Hour), h.approver("alice"), nil)

	ctx := context.Background()
	steps, _ := h.st.Steps(ctx, "", 0)
	t.Logf("%d steps, %d ARM requests", len(steps), len(h.sim.Requests()))
	if err := checkInvariants(ctx, h.st, h.pol, h.sim, initial); err != nil {
		t.Fatal(err)
	}
	for _, c := range h.sim.Fleet().Clusters {
		if c.KubernetesVersion != "1.31.5" {
			t.Errorf("%s control plane at %s, want 1.31.5", c.Name, c.KubernetesVersion)
		}
		for _, p := range c.NodePools {
			if p.KubernetesVersion != "1.31.5" || p.NodeImageVersion != "AKSUbuntu-2204gen2containerd-202502.24.0" {
				t.Errorf("%s/%s at %s with %s", c.Name, p.Name, p.KubernetesVersion, p.NodeImageVersion)
			}
		}
	}
	hist, err := h.st.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.5"}
	for _, r := range hist.Rollouts {
		if r.Target != want {
			continue
		}
		proven := map[string]bool{}
		for _, sp := range r.Stages {
			proven[sp.Stage] = sp.ProvenAt != nil
		}
		for _, s := range []string{"sandbox", "dev", "test", "prod"} {
			if !proven[s] {
				t.Errorf("1.31.5 not proven in %s: %+v", s, r.Stages)
			}
		}
	}
}
