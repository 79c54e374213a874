package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// errCrash is what a crash point panics with: the engine's process "dies"
// there, between two instructions, and a new one starts on the same
// database.
var errCrash = errors.New("simulated crash")

// crashPlan decides, at every crash point, whether the process dies there.
type crashPlan struct {
	r       *rand.Rand
	chance  int // one in chance
	crashes map[string]int
}

func (c *crashPlan) point(name string) {
	if c.r.IntN(c.chance) == 0 {
		c.crashes[name]++
		panic(errCrash)
	}
}

// crashStore dies before or after each write to the store.
type crashStore struct {
	store.Store
	c *crashPlan
}

func (s crashStore) Apply(ctx context.Context, t store.Transition) error {
	s.c.point("before " + string(t.Kind))
	err := s.Store.Apply(ctx, t)
	s.c.point("after " + string(t.Kind))
	return err
}

func (s crashStore) BeginStep(ctx context.Context, r store.StepRecord) (store.StepRecord, error) {
	s.c.point("before begin step")
	out, err := s.Store.BeginStep(ctx, r)
	s.c.point("after begin step")
	return out, err
}

func (s crashStore) UpdateStep(ctx context.Context, r store.StepRecord) error {
	s.c.point("before step " + string(r.State))
	err := s.Store.UpdateStep(ctx, r)
	s.c.point("after step " + string(r.State))
	return err
}

func (s crashStore) SetRun(ctx context.Context, r store.Run) error {
	s.c.point("before run " + string(r.State))
	err := s.Store.SetRun(ctx, r)
	s.c.point("after run " + string(r.State))
	return err
}

func (s crashStore) SaveFleet(ctx context.Context, f store.Fleet) error {
	err := s.Store.SaveFleet(ctx, f)
	s.c.point("after save fleet")
	return err
}

// crashProvider dies just after ARM accepted an operation, before the
// engine learns its answer, and in the middle of polling.
type crashProvider struct {
	aksupgrade.Provider
	c *crashPlan
}

func (p crashProvider) Start(ctx context.Context, s aksupgrade.Step) (aksupgrade.Operation, error) {
	op, err := p.Provider.Start(ctx, s)
	if err == nil {
		p.c.point("after ARM accepted " + string(s.Kind))
	}
	return op, err
}

func (p crashProvider) Poll(ctx context.Context, op aksupgrade.Operation) (aksupgrade.OperationStatus, error) {
	st, err := p.Provider.Poll(ctx, op)
	if err == nil && st.Done() {
		p.c.point("after operation ended")
	}
	return st, err
}

// outcome is what a run ends with: every cluster's versions, and every
// target proven per stage.
type outcome struct {
	Versions map[string]string
	Proven   []string
}

func outcomeOf(t *testing.T, h *harness) outcome {
	t.Helper()
	o := outcome{Versions: map[string]string{}}
	for _, c := range h.sim.Fleet().Clusters {
		v := c.KubernetesVersion
		for _, p := range c.NodePools {
			v += fmt.Sprintf(" %s=%s/%s", p.Name, p.KubernetesVersion, p.NodeImageVersion)
		}
		o.Versions[c.Name] = v
	}
	hist, err := h.st.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range hist.Rollouts {
		for _, sp := range r.Stages {
			if sp.ProvenAt != nil {
				o.Proven = append(o.Proven, sp.Stage+" "+r.Target.String())
			}
		}
	}
	slices.Sort(o.Proven)
	return o
}

// TestCrashSafety runs the full rollout again and again, the process
// dying at seeded points (before and after every kind of store write,
// after ARM accepted an operation, after an operation ended) and a new
// one taking over the same database each time. Each run must end where
// the uninterrupted run ends, with every invariant held and no operation
// issued twice.
func TestCrashSafety(t *testing.T) {
	const days = 10
	clean := newHarness(t, "testdata/scenario.yaml", "testdata/policy.yaml")
	clean.run(clean.clk.Now().Add(days*24*time.Hour), clean.approver("alice"), nil)
	want := outcomeOf(t, clean)

	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	total := map[string]int{}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			plan := &crashPlan{r: rand.New(rand.NewPCG(uint64(seed), 99)), chance: 25, crashes: map[string]int{}}
			h := newHarness(t, "testdata/scenario.yaml", "testdata/policy.yaml")
			initial := h.sim.Fleet().Clusters
			h.wrap = func(s store.Store, p aksupgrade.Provider) (store.Store, aksupgrade.Provider) {
				return crashStore{s, plan}, crashProvider{p, plan}
			}
			h.restart()
			h.runCrashing(h.clk.Now().Add(days*24*time.Hour), h.approver("alice"))
			t.Logf("%d crashes: %v", sum(plan.crashes), plan.crashes)
			if err := checkInvariants(context.Background(), h.st, h.pol, h.sim, initial); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, outcomeOf(t, h)); d != "" {
				t.Errorf("outcome after %d crashes differs from the uninterrupted run (-want +got):\n%s", sum(plan.crashes), d)
			}
			for k, n := range plan.crashes {
				total[k] += n
			}
		})
	}
	for _, k := range []string{"after ARM accepted controlPlane", "before step running", "after begin step", "after proven"} {
		if total[k] == 0 && !testing.Short() {
			t.Errorf("no crash at %q in any seed: the test does not exercise it", k)
		}
	}
}

// runCrashing is run with every crash recovered by starting a new engine.
func (h *harness) runCrashing(until time.Time, person func(*planner.Result)) {
	h.t.Helper()
	for h.clk.Now().Before(until) {
		crashed := func() (crashed bool) {
			defer func() {
				if r := recover(); r != nil {
					if r != errCrash {
						panic(r)
					}
					crashed = true
				}
			}()
			h.run(until, person, nil)
			return false
		}()
		if crashed {
			h.restart()
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
