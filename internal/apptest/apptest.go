// Package apptest starts the whole application for tests: the simulator
// (the demo's world) on a manual clock behind loopback HTTP, the app wired
// as `serve` wires it, and its API on a test server. The engine is stepped
// by hand.
package apptest

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/demo"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// Env is a started application.
type Env struct {
	App   *app.App
	Clock *clock.Manual
	Sim   *simulator.Simulator
	// API serves the app's HTTP API; ARM the simulator.
	API, ARM *httptest.Server
	// DB is the app's database file.
	DB string
}

// Start builds and wires everything; t's cleanup stops it. opts may change
// the application's options before it is built.
func Start(t testing.TB, opts ...func(*app.Options)) *Env {
	t.Helper()
	sc, err := simulator.ParseScenario("demo", demo.Scenario())
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(sc.Start)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	arm := httptest.NewServer(sim.Handler())
	t.Cleanup(arm.Close)
	pol, err := policy.Parse("demo", demo.PolicyFor(arm.URL), notify.Vocabulary())
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "state.db")
	o := app.Options{Policy: pol, DBPath: db, ARMEndpoint: arm.URL, Clock: clk}
	for _, opt := range opts {
		opt(&o)
	}
	a, err := app.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Errorf("stop the app: %v", err)
		}
	})
	api := httptest.NewServer(a.Handler())
	t.Cleanup(api.Close)
	return &Env{App: a, Clock: clk, Sim: sim, API: api, ARM: arm, DB: db}
}

// Run steps the engine for d of simulated time, moving the clock to each
// due time.
func (e *Env) Run(t testing.TB, d time.Duration) {
	t.Helper()
	until := e.Clock.Now().Add(d)
	for e.Clock.Now().Before(until) {
		next, err := e.App.Engine.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if next.After(until) {
			next = until
		}
		if next.After(e.Clock.Now()) {
			e.Clock.Set(next)
		}
	}
}
