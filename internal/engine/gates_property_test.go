package engine_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

var gateSeeds = flag.Int("gates.seeds", 2, "random runs of TestGateInvariants")

// gateFault is a random fault a gate should see, and until when (zero:
// until the run ends).
func gateFault(r *rand.Rand, start time.Time) (simulator.Fault, time.Time) {
	clusters := []string{"dev-1", "dev-2", "prod-1"}
	c := clusters[r.IntN(len(clusters))]
	lasts := time.Duration(6+r.IntN(30)) * time.Hour
	f := simulator.Fault{Cluster: c, For: simulator.Duration(lasts)}
	switch r.IntN(4) {
	case 0:
		f.Kind, f.Cluster, f.Namespace, f.Name = simulator.FaultPDBBlocksDrain, "dev-2", "shop", "web"
	case 1:
		f.Kind, f.Pool = simulator.FaultNodeNotReady, "system"
	case 2:
		f.Kind, f.Pod = simulator.FaultSystemPodCrashLoop, "coredns"
	default:
		f.Kind = simulator.FaultAppUnavailable
	}
	return f, start.Add(lasts)
}

// TestGateInvariants runs the gates scenario with random gate faults and
// a person who retries a halted stage two hours after it halted, and
// checks, besides every invariant of the engine:
//   - no target is proven in a stage where a postflight gate failed during
//     its soak: each such halt comes before the stage last reached the
//     target;
//   - a blocking preflight means no upgrade request: a cluster whose drain
//     a budget blocks gets none while the fault lasts.
func TestGateInvariants(t *testing.T) {
	for seed := range *gateSeeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(seed), 0x9a7e5))
			h := newGatesHarness(t)
			start := h.clk.Now()
			var pdbUntil time.Time
			var faults []string
			for range 1 + r.IntN(3) {
				f, until := gateFault(r, start)
				if f.Kind == simulator.FaultPDBBlocksDrain && until.After(pdbUntil) {
					pdbUntil = until
				}
				h.sim.AddFault(f)
				faults = append(faults, fmt.Sprintf("%s on %s for %s", f.Kind, f.Cluster, time.Duration(f.For)))
			}
			initial := h.sim.Fleet().Clusters
			h.run(start.Add(6*24*time.Hour), h.person("alice"), nil)
			if err := checkInvariants(context.Background(), h.st, h.pol, h.sim, initial); err != nil {
				t.Fatalf("faults %q: %v", faults, err)
			}
			ctx := context.Background()
			hist, err := h.st.History(ctx)
			if err != nil {
				t.Fatal(err)
			}
			audit, err := h.st.Audit(ctx, store.AuditQuery{})
			if err != nil {
				t.Fatal(err)
			}
			postflight := 0
			for _, ro := range hist.Rollouts {
				for _, sp := range ro.Stages {
					if sp.ProvenAt == nil {
						continue
					}
					for _, a := range audit {
						if a.Kind != string(store.TransitionHalted) || a.Stage != sp.Stage || a.Target != ro.Target || !strings.Contains(a.Message, "postflight") {
							continue
						}
						postflight++
						if sp.ReachedAt == nil || !a.At.Before(*sp.ReachedAt) {
							t.Errorf("faults %q: %s proven in %s (reached %v) after a postflight halt at %s in its soak", faults, ro.Target, sp.Stage, sp.ReachedAt, a.At)
						}
					}
				}
			}
			if !pdbUntil.IsZero() {
				for _, req := range h.sim.Requests() {
					if isWrite(req) && strings.Contains(strings.ToLower(req.Path), "/managedclusters/dev-2") &&
						!strings.Contains(strings.ToLower(req.Path), "credential") && req.Time.Before(pdbUntil) {
						t.Errorf("faults %q: %s %s at %s while dev-2's budget blocked its drain (until %s)", faults, req.Method, req.Path, req.Time, pdbUntil)
					}
				}
			}
			t.Logf("faults %q: %d halts, %d of them by postflight gates in a stage that proved later; %s", faults, countHalts(audit), postflight, provenList(hist))
		})
	}
}

func countHalts(audit []store.AuditEntry) int {
	n := 0
	for _, a := range audit {
		if a.Kind == string(store.TransitionHalted) {
			n++
		}
	}
	return n
}

func provenList(h aksupgrade.History) string {
	var out []string
	for _, ro := range h.Rollouts {
		for _, sp := range ro.Stages {
			if sp.ProvenAt != nil {
				out = append(out, ro.Target.String()+" in "+sp.Stage)
			}
		}
	}
	return "proven: " + strings.Join(out, ", ")
}
