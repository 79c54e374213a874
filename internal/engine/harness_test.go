package engine_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/gates"
	"github.com/aksupgrade/aksupgrade/internal/kube"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// harness runs the engine for real against the simulator, over loopback
// HTTP through the Azure provider, with its state in a SQLite file and
// time on a manual clock.
type harness struct {
	t      *testing.T
	clk    *clock.Manual
	sim    *simulator.Simulator
	srv    *httptest.Server
	pol    *policy.Policy
	dbPath string

	st  store.Store
	eng *engine.Engine
	// wrap, when set, decorates the store and provider of each new engine
	// (crash tests).
	wrap func(store.Store, aksupgrade.Provider) (store.Store, aksupgrade.Provider)
	// gates, when set, runs the stages' gates through each cluster's
	// simulated API (client-go, credentials from the simulated ARM).
	gates bool
	// observe, when set, is the engine's ObserveInterval (set it, then
	// restart).
	observe time.Duration
}

func newHarness(t *testing.T, scenarioFile, policyFile string) *harness {
	t.Helper()
	return newHarnessOn(t, scenarioFile, policyFile, filepath.Join(t.TempDir(), "state.db"))
}

// newHarnessOn is newHarness with the store db names: a SQLite file, or a
// postgres:// DSN.
func newHarnessOn(t *testing.T, scenarioFile, policyFile, db string) *harness {
	t.Helper()
	sc, err := simulator.LoadScenario(scenarioFile)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(sc.Start)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	pol, err := policy.Load(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clk: clk, sim: sim, srv: srv, pol: pol, dbPath: db}
	h.open()
	t.Cleanup(func() { h.st.Close() })
	return h
}

// open starts a fresh engine (a new process, as far as the engine can
// tell) on the same database.
func (h *harness) open() {
	h.t.Helper()
	var st store.Store
	var err error
	if strings.HasPrefix(h.dbPath, "postgres://") {
		st, err = postgres.Open(context.Background(), h.dbPath)
	} else {
		st, err = sqlite.Open(context.Background(), h.dbPath)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	prov, err := azure.New(azure.Options{Endpoint: h.srv.URL, Clock: jumpClock{h.clk}})
	if err != nil {
		h.t.Fatal(err)
	}
	var s store.Store = st
	var p aksupgrade.Provider = prov
	if h.wrap != nil {
		s, p = h.wrap(s, p)
	}
	o := engine.Options{Policy: h.pol, Provider: p, Store: s, Clock: h.clk, ObserveInterval: h.observe}
	if h.gates {
		api, err := kube.New(kube.Options{Kubeconfig: prov.Kubeconfig, Credential: prov.Credential(), Clock: h.clk})
		if err != nil {
			h.t.Fatal(err)
		}
		o.Gates = gates.New(gates.Options{API: api, Capacity: prov, Clock: h.clk})
	}
	eng, err := engine.New(o)
	if err != nil {
		h.t.Fatal(err)
	}
	h.st, h.eng = st, eng
}

// restart drops the engine abruptly and starts a new one on the same
// database.
func (h *harness) restart() {
	h.t.Helper()
	h.st.Close()
	h.open()
}

// run steps the engine until the clock reaches until, moving the clock to
// each due time. person is called after every step to act as a person
// would (approve, fix, retry); onErr decides what a failed step means.
func (h *harness) run(until time.Time, person func(*planner.Result), onErr func(error)) {
	h.t.Helper()
	ctx := context.Background()
	for steps := 0; h.clk.Now().Before(until); steps++ {
		if steps > 20000 {
			h.t.Fatalf("no end in sight after %d steps at %s", steps, h.clk.Now())
		}
		next, err := h.eng.Step(ctx)
		if err != nil {
			if onErr == nil {
				h.t.Fatalf("step at %s: %v", h.clk.Now(), err)
			}
			onErr(err)
			continue
		}
		if person != nil {
			if res, _ := h.eng.LastPlan(); res != nil {
				person(res)
			}
		}
		if next.After(h.clk.Now()) {
			if next.After(until) {
				next = until
			}
			h.clk.Set(next)
		}
	}
}

// approver approves whatever awaits approval, as a person watching would.
func (h *harness) approver(by string) func(*planner.Result) {
	return func(res *planner.Result) {
		for _, st := range res.Stages {
			for _, c := range st.Clusters {
				if c.State == planner.ClusterApproval && c.Target != nil {
					// A second cluster waiting for the same target finds
					// it approved already.
					if err := h.eng.Approve(context.Background(), st.Name, *c.Target, by); err != nil && aksupgrade.Code(err) != aksupgrade.ErrAlreadyDone {
						h.t.Fatalf("approve %s in %s: %v", c.Target, st.Name, err)
					}
				}
			}
		}
	}
}

// subscribe delivers the simulator's events to the engine's store
// through the real Event Grid webhook, as the service receives them;
// h.sim.DeliverDue sends what is due.
func (h *harness) subscribe() {
	h.t.Helper()
	hook := httptest.NewServer(eventgrid.NewHandler(eventgrid.HandlerOptions{Store: h.st, AllowAnonymous: true, Clock: h.clk}))
	h.t.Cleanup(hook.Close)
	if _, err := h.sim.SubscribeContext(context.Background(), simulator.EventSubscription{Name: "engine", Endpoint: hook.URL,
		Schema: simulator.SchemaEventGrid, MaxEventsPerBatch: 100}); err != nil {
		h.t.Fatal(err)
	}
}

// jumpClock is the provider's clock in the harness: a wait (the backoff
// after a 429 with Retry-After) moves the manual clock on by the wait and
// ends at once, as the real process would live through it, so a test of
// throttling needs no second goroutine to move time.
type jumpClock struct{ *clock.Manual }

func (c jumpClock) After(d time.Duration) <-chan time.Time {
	if d > 0 {
		c.Set(c.Now().Add(d))
	}
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}
