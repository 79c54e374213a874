package engine_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres/pgtest"
)

// crashSeeds is how many seeds each crash scenario runs: one by default,
// to keep `go test ./...` quick; .ci/run runs many more
// (go test -run TestCrashSafety ./internal/engine/ -args -crash.seeds=N).
var crashSeeds = flag.Int("crash.seeds", 1, "seeds per scenario of TestCrashSafety")

// errCrash is what a crash point panics with: the engine's process "dies"
// there, between two instructions, and a new one starts on the same
// database.
var errCrash = errors.New("simulated crash")

// crashPlan decides, at every crash point, whether the process dies
// there: at random (one in chance, when r is set), or the first time a
// point named target is reached and when allows it.
type crashPlan struct {
	r       *rand.Rand
	chance  int
	target  string
	when    func() bool
	crashes map[string]int
}

func (c *crashPlan) point(name string) {
	hit := c.r != nil && c.r.IntN(c.chance) == 0
	if c.target != "" && name == c.target && (c.when == nil || c.when()) {
		hit, c.target = true, ""
	}
	if hit {
		c.crashes[name]++
		panic(errCrash)
	}
}

// crashStore dies before or after any write to the store, events
// included.
type crashStore struct {
	store.Store
	c *crashPlan
}

// factName names a fact by what it writes: "record fleet+events",
// "record step failed+halted+run failed+events".
func factName(f store.Fact) string {
	var parts []string
	if f.Fleet != nil {
		parts = append(parts, "fleet")
	}
	if f.Step != nil {
		parts = append(parts, "step "+string(f.Step.State))
	}
	for _, t := range f.Transitions {
		parts = append(parts, string(t.Kind))
	}
	if f.Run != nil {
		parts = append(parts, "run "+string(f.Run.State))
	}
	if len(f.Events) > 0 {
		parts = append(parts, "events")
	}
	return "record " + strings.Join(parts, "+")
}

func (s crashStore) Record(ctx context.Context, f store.Fact) (store.Recorded, error) {
	s.c.point("before " + factName(f))
	out, err := s.Store.Record(ctx, f)
	s.c.point("after " + factName(f))
	return out, err
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
	s.c.point("before save fleet")
	err := s.Store.SaveFleet(ctx, f)
	s.c.point("after save fleet")
	return err
}

func (s crashStore) PutEvent(ctx context.Context, e store.Event) (bool, error) {
	s.c.point("before put event")
	ok, err := s.Store.PutEvent(ctx, e)
	s.c.point("after put event")
	return ok, err
}

func (s crashStore) MarkProcessed(ctx context.Context, keys []store.EventKey, at time.Time) error {
	s.c.point("before mark processed")
	err := s.Store.MarkProcessed(ctx, keys, at)
	s.c.point("after mark processed")
	return err
}

// crashProvider dies just after ARM accepted an operation, before the
// engine learns its answer (as a process killed while the answer is on
// the wire), and in the middle of polling.
type crashProvider struct {
	aksupgrade.Provider
	c *crashPlan
}

func (p crashProvider) Start(ctx context.Context, s aksupgrade.Step) (aksupgrade.Operation, error) {
	op, err := p.Provider.Start(ctx, s)
	if err == nil {
		p.c.point("after ARM accepted " + string(s.Kind))
		p.c.point("after ARM accepted " + string(s.Kind) + " " + aksupgrade.ClusterName(s.ClusterID) + "/" + s.Pool)
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

// outcome is what a run ends with: every cluster's versions, every target
// proven per stage, every halt, and how often each operation was started.
type outcome struct {
	Versions   map[string]string
	Proven     []string
	Halts      []string
	Operations map[string]int
}

func outcomeOf(t *testing.T, h *harness) outcome {
	t.Helper()
	o := outcome{Versions: map[string]string{}, Operations: map[string]int{}}
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
	audit, err := h.st.Audit(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range audit {
		if a.Kind == string(store.TransitionHalted) {
			o.Halts = append(o.Halts, a.Stage+" "+a.Target.String()+" "+aksupgrade.ClusterName(a.Cluster))
		}
	}
	slices.Sort(o.Halts)
	for _, op := range h.sim.State(true).Operations {
		o.Operations[strings.ToLower(fmt.Sprintf("%s %s %s %s", aksupgrade.ClusterName(op.ClusterID), op.Kind, op.Pool, op.To))]++
	}
	return o
}

// checkTold checks that every halt and every proof recorded was told
// exactly once: one event each, with the stage and target it reports.
func checkTold(t *testing.T, h *harness) {
	t.Helper()
	ctx := context.Background()
	evs, err := h.st.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	told := map[string]int{}
	for _, e := range evs {
		if e.Type != aksupgrade.EventStageHalted && e.Type != aksupgrade.EventStageProven {
			continue
		}
		ev := decode(t, e)
		told[fmt.Sprintf("%s %s %s", e.Type.Short(), ev.Stage.Stage, ev.Stage.Target)]++
	}
	want := map[string]int{}
	audit, err := h.st.Audit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range audit {
		switch a.Kind {
		case string(store.TransitionHalted):
			want[fmt.Sprintf("%s %s %s", aksupgrade.EventStageHalted.Short(), a.Stage, a.Target)]++
		case string(store.TransitionProven):
			want[fmt.Sprintf("%s %s %s", aksupgrade.EventStageProven.Short(), a.Stage, a.Target)]++
		}
	}
	if d := cmp.Diff(want, told); d != "" {
		t.Errorf("halts and proofs told (-recorded +told):\n%s", d)
	}
}

// crashScenario is a fleet run with faults that a crash must not change
// the outcome of.
type crashScenario struct {
	name   string
	faults []simulator.Fault
	// throttled: the faults make ARM answer 429 (the test checks they
	// did, so the scenario tests what it says).
	throttled bool
}

var crashScenarios = []crashScenario{
	// 1.31.5 reaches northeurope a day after westeurope, a node image
	// comes on day 2 (testdata/scenario.yaml): a region gets a version
	// late in every scenario.
	{name: "plain"},
	// A node pool that fails to drain once: the test stage halts, a
	// person retries it two hours later, and the retry succeeds.
	{name: "drain failure", faults: []simulator.Fault{{Kind: simulator.FaultDrainFailure, Cluster: "test-weu", Pool: "apps", Count: 1}}},
	// Surge quota missing once in dev: fails, then succeeds on retry.
	{name: "quota once", faults: []simulator.Fault{{Kind: simulator.FaultQuota, Cluster: "dev-weu", Count: 1}}},
	// A storm of 429s while sandbox and dev upgrade.
	{name: "429 storm", throttled: true,
		faults: []simulator.Fault{{Kind: simulator.FaultThrottle, After: simulator.Duration(7 * time.Hour), For: simulator.Duration(2 * time.Hour)}}},
}

// TestCrashSafety runs each scenario again and again, the process dying
// at seeded points (before and after every store write, events included,
// after ARM accepted an operation, after an operation ended) and a new
// one taking over the same database each time. Each run must end where
// the uninterrupted run ends: the same versions, the same proofs, the
// same halts, no operation started more often; every invariant held; and
// every halt and proof told exactly once.
func TestCrashSafety(t *testing.T) {
	const days = 10
	seeds := *crashSeeds
	total := map[string]int{}
	for _, sc := range crashScenarios {
		t.Run(sc.name, func(t *testing.T) {
			clean := newFaultHarness(t, sc.faults)
			clean.run(clean.clk.Now().Add(days*24*time.Hour), clean.person("alice"), clean.onStepError)
			want := outcomeOf(t, clean)
			checkTold(t, clean)
			throttled := 0
			for _, r := range clean.sim.Requests() {
				if r.Status == http.StatusTooManyRequests {
					throttled++
				}
			}
			if sc.throttled != (throttled > 0) {
				t.Fatalf("%d requests answered 429, want some: %v", throttled, sc.throttled)
			}
			for seed := range seeds {
				t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
					plan := &crashPlan{r: rand.New(rand.NewPCG(uint64(seed), 99)), chance: 25, crashes: map[string]int{}}
					h := newFaultHarness(t, sc.faults)
					initial := h.sim.Fleet().Clusters
					h.wrap = func(s store.Store, p aksupgrade.Provider) (store.Store, aksupgrade.Provider) {
						return crashStore{s, plan}, crashProvider{p, plan}
					}
					h.restart()
					h.runCrashing(h.clk.Now().Add(days*24*time.Hour), h.person("alice"))
					t.Logf("%d crashes: %v", sum(plan.crashes), plan.crashes)
					if err := checkInvariants(context.Background(), h.st, h.pol, h.sim, initial); err != nil {
						t.Fatal(err)
					}
					if d := cmp.Diff(want, outcomeOf(t, h)); d != "" {
						t.Errorf("outcome after %d crashes differs from the uninterrupted run (-want +got):\n%s", sum(plan.crashes), d)
					}
					checkTold(t, h)
					for k, n := range plan.crashes {
						total[sc.name+": "+k] += n
					}
				})
			}
		})
	}
	// The crashes around a failed step, which a random seed seldom hits,
	// are TestHaltSurvivesCrash's.
	for _, k := range []string{
		"drain failure: after ARM accepted nodePool",
		"plain: after record proven+events",
		"plain: before record step running+run nodePools+events",
		"429 storm: before record fleet+events",
	} {
		if total[k] == 0 && seeds >= 5 {
			t.Errorf("no crash at %q in any seed: the test does not exercise it", k)
		}
	}
	for _, sc := range crashScenarios {
		n := 0
		for k, v := range total {
			if strings.HasPrefix(k, sc.name+": ") {
				n += v
			}
		}
		t.Logf("%s: %d crashes survived over %d seeds", sc.name, n, seeds)
	}
}

// newFaultHarness is the standard fleet with faults added at its start,
// its state in db (a SQLite file by default).
func newFaultHarness(t *testing.T, faults []simulator.Fault, db ...string) *harness {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	if len(db) > 0 {
		path = db[0]
	}
	h := newHarnessOn(t, "testdata/scenario.yaml", "testdata/policy.yaml", path)
	for _, f := range faults {
		h.sim.AddFault(f)
	}
	return h
}

// person approves whatever awaits approval, and retries a halted stage
// two hours after it halted, as a person who fixed the cause would.
func (h *harness) person(by string) func(*planner.Result) {
	approve := h.approver(by)
	return func(res *planner.Result) {
		approve(res)
		hist, err := h.st.History(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		for _, r := range hist.Rollouts {
			for _, sp := range r.Stages {
				if sp.Halt != nil && !h.clk.Now().Before(sp.Halt.At.Add(2*time.Hour)) {
					if err := h.eng.Retry(context.Background(), sp.Stage, by); err != nil {
						h.t.Fatalf("retry %s: %v", sp.Stage, err)
					}
				}
			}
		}
	}
}

// onStepError is what the loop does when a step fails (Azure throttled
// it, say): try again after the poll interval.
func (h *harness) onStepError(error) { h.clk.Set(h.clk.Now().Add(30 * time.Second)) }

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
			h.run(until, person, h.onStepError)
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

// decode reads a stored event of the engine's, or fails the test.
func decode(t *testing.T, e store.Event) aksupgrade.Event {
	t.Helper()
	ev, err := eventlog.Decode(e)
	if err != nil || ev.Stage == nil {
		t.Fatalf("event %s/%s (%s) does not read: %v", e.Key.Source, e.Key.ID, e.Type, err)
	}
	return ev
}

// TestCrashSafetyPostgres: the drain-failure scenario with the process
// dying at random, on PostgreSQL: the same outcome as the uninterrupted
// run on PostgreSQL, every halt and proof told once.
func TestCrashSafetyPostgres(t *testing.T) {
	faults := crashScenarios[1].faults // drain failure
	_, cleanDB := pgtest.Schema(t)
	clean := newFaultHarness(t, faults, cleanDB)
	clean.run(clean.clk.Now().Add(10*24*time.Hour), clean.person("alice"), clean.onStepError)
	want := outcomeOf(t, clean)
	checkTold(t, clean)

	_, db := pgtest.Schema(t)
	plan := &crashPlan{r: rand.New(rand.NewPCG(7, 99)), chance: 25, crashes: map[string]int{}}
	h := newFaultHarness(t, faults, db)
	initial := h.sim.Fleet().Clusters
	h.wrap = func(s store.Store, p aksupgrade.Provider) (store.Store, aksupgrade.Provider) {
		return crashStore{s, plan}, crashProvider{p, plan}
	}
	h.restart()
	h.runCrashing(h.clk.Now().Add(10*24*time.Hour), h.person("alice"))
	t.Logf("%d crashes on PostgreSQL: %v", sum(plan.crashes), plan.crashes)
	if err := checkInvariants(context.Background(), h.st, h.pol, h.sim, initial); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, outcomeOf(t, h)); d != "" {
		t.Errorf("outcome after %d crashes differs from the uninterrupted run (-want +got):\n%s", sum(plan.crashes), d)
	}
	checkTold(t, h)
}
