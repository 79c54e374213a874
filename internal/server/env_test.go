package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/server"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// The targets of testdata/scenario.yaml: the clusters start on 1.31.4,
// and 1.31.5 comes an hour in.
var (
	v1314 = aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.4"}
	v1315 = aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.5"}
)

// env is the server in front of real parts: the engine, stepped by hand,
// runs against the simulator (testdata/scenario.yaml) over loopback HTTP
// through the Azure provider, with its state in a SQLite file and time on
// a manual clock.
type env struct {
	clk *clock.Manual
	sim *simulator.Simulator
	st  *sqlite.Store
	eng *engine.Engine
	h   http.Handler
	// log holds what the server logged.
	log *syncBuffer
}

// newEnv starts everything; opts may change the server's options (the
// engine and store are set already).
func newEnv(t *testing.T, opts ...func(*env, *server.Options)) *env {
	t.Helper()
	sc, err := simulator.LoadScenario(filepath.Join("testdata", "scenario.yaml"))
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
	pol, err := policy.Load(filepath.Join("testdata", "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	prov, err := azure.New(azure.Options{Endpoint: arm.URL, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Policy: pol, Provider: prov, Store: st, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{clk: clk, sim: sim, st: st, eng: eng, log: &syncBuffer{}}
	o := server.Options{Engine: eng, Store: st, Clock: clk, Logger: slog.New(slog.NewTextHandler(e.log, nil)), Auth: testTokens(t)}
	for _, opt := range opts {
		opt(e, &o)
	}
	e.h = server.New(o)
	return e
}

// run steps the engine for d of simulated time, moving the clock to each
// due time.
func (e *env) run(t *testing.T, d time.Duration) {
	t.Helper()
	until := e.clk.Now().Add(d)
	for steps := 0; e.clk.Now().Before(until); steps++ {
		if steps > 2000 {
			t.Fatalf("no end in sight after %d steps at %s", steps, e.clk.Now())
		}
		next, err := e.eng.Step(context.Background())
		if err != nil {
			t.Fatalf("step at %s: %v", e.clk.Now(), err)
		}
		if next.After(until) {
			next = until
		}
		if next.After(e.clk.Now()) {
			e.clk.Set(next)
		}
	}
}

// awaitingApproval runs the engine until 1.31.5 is proven in sandbox and
// waits for approval in prod.
func (e *env) awaitingApproval(t *testing.T) {
	t.Helper()
	e.run(t, 4*time.Hour)
	res, err := e.eng.LastPlan()
	if err != nil {
		t.Fatal(err)
	}
	if !awaits(res, "prod", v1315) {
		t.Fatalf("1.31.5 does not await approval in prod after 4h:\n%s", describePlan(res))
	}
}

// halted approves 1.31.5 into prod (as engine.Approve, not through the
// server) and runs the engine until the drain failure halts prod.
func (e *env) halted(t *testing.T) {
	t.Helper()
	e.awaitingApproval(t)
	if err := e.eng.Approve(context.Background(), "prod", v1315, "carol"); err != nil {
		t.Fatal(err)
	}
	e.run(t, 2*time.Hour)
	hist, err := e.st.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p := hist.Progress("prod", v1315); p == nil || p.Halt == nil {
		t.Fatalf("prod is not halted 2h after the approval: %+v", p)
	}
}

func awaits(res *planner.Result, stage string, tg aksupgrade.Target) bool {
	if res == nil {
		return false
	}
	for _, st := range res.Stages {
		for _, c := range st.Clusters {
			if st.Name == stage && c.State == planner.ClusterApproval && c.Target != nil && *c.Target == tg {
				return true
			}
		}
	}
	return false
}

func describePlan(res *planner.Result) string {
	b, _ := json.MarshalIndent(res, "", "  ")
	return string(b)
}

// answer is a response, read.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// problem returns the error message of an error answer.
func (a answer) problem(t *testing.T) string {
	t.Helper()
	var p server.Problem
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("answer %d is not a Problem: %v: %s", a.status, err, a.body)
	}
	return p.Error
}

// decode reads the JSON body into v.
func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, a.body)
	}
}

// people are the test's API tokens: operators alice, bob, carol and
// dave, and a viewer, victor; each one's secret is "secret-" and the name.
var people = map[string]auth.Role{"alice": auth.Operator, "bob": auth.Operator, "carol": auth.Operator, "dave": auth.Operator, "victor": auth.Viewer}

func testTokens(t *testing.T) auth.Tokens {
	t.Helper()
	var lines []string
	for name, role := range people {
		lines = append(lines, fmt.Sprintf("%s %s %s", name, role, auth.Hash("secret-"+name)))
	}
	ts, err := auth.ParseTokens("test tokens", []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// call serves one request as the person the body's "by" names (alice
// when it names none): the server takes who acts from the token, so the
// tests of actions say who acts where they always did. body, when not
// empty, is sent as JSON.
func call(t *testing.T, h http.Handler, method, path, body string) answer {
	t.Helper()
	who := "alice"
	var b struct {
		By string `json:"by"`
	}
	if json.Unmarshal([]byte(body), &b) == nil && people[b.By] != "" {
		who = b.By
	}
	return callAs(t, h, "secret-"+who, method, path, body)
}

// callAs serves one request with token as its bearer token ("" for
// none); body, when not empty, is sent as JSON.
func callAs(t *testing.T, h http.Handler, token, method, path, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

// wantStatus fails the test unless a has status.
func wantStatus(t *testing.T, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
}

// closeStore closes the store: it answers store.ErrUnavailable from now
// on, as a database that cannot be reached does.
func (e *env) closeStore(t *testing.T) {
	t.Helper()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Runs(context.Background()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("a closed store answers %v, want store.ErrUnavailable", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
