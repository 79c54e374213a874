package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/lease"
	"github.com/aksupgrade/aksupgrade/internal/metrics"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/console"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/server"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// What the server says instead of an error not meant for the caller.
const (
	hiddenInternal    = "internal error; the server log says why"
	hiddenUnavailable = "the database cannot be reached now; retry later"
	hiddenAuth        = "Azure refused aksupgrade's identity; the server log says why"
)

// Setups of an env: the state the engine and store are in before a
// request.
var (
	fresh    = func(*testing.T, *env) {}
	planned  = func(t *testing.T, e *env) { e.run(t, time.Minute) }
	awaiting = func(t *testing.T, e *env) { e.awaitingApproval(t) }
	halted   = func(t *testing.T, e *env) { e.halted(t) }
	closed   = func(t *testing.T, e *env) { e.awaitingApproval(t); e.closeStore(t) }
)

// withEngine puts eng in front of the real store, in place of the real
// engine.
func withLease(st lease.Status) func(*env, *server.Options) {
	return func(_ *env, o *server.Options) { o.Lease = func() lease.Status { return st } }
}

func withEngine(eng server.Engine) func(*env, *server.Options) {
	return func(_ *env, o *server.Options) { o.Engine = eng }
}

// failingEngine fails every call with err: it provokes the errors the
// real engine cannot be made to return (busy, throttled, a failed plan).
type failingEngine struct{ err error }

func (f failingEngine) LastPlan() (*planner.Result, error) { return nil, f.err }
func (f failingEngine) Approve(context.Context, string, aksupgrade.Target, string) error {
	return f.err
}
func (f failingEngine) Retry(context.Context, string, string) error { return f.err }
func (f failingEngine) Pause(context.Context, aksupgrade.Target, string, string) error {
	return f.err
}
func (f failingEngine) Resume(context.Context, aksupgrade.Target, string) error { return f.err }
func (f failingEngine) Abort(context.Context, aksupgrade.Target, string, string) error {
	return f.err
}
func (f failingEngine) AzureMaintenance(time.Time) []engine.Maintenance { return nil }
func (f failingEngine) LastError() (time.Time, error)                   { return time.Time{}, f.err }

// wantHidden checks that a answers status with the fixed line msg, and
// that the server logged what it did not show.
func wantHidden(t *testing.T, e *env, a answer, status int, msg, logged string) {
	t.Helper()
	wantStatus(t, a, status)
	if got := a.problem(t); got != msg {
		t.Errorf("error %q, want %q", got, msg)
	}
	if log := e.log.String(); !strings.Contains(log, logged) {
		t.Errorf("the log does not have %q:\n%s", logged, log)
	}
}

func TestHealthz(t *testing.T) {
	for name, setup := range map[string]func(*testing.T, *env){"fresh": fresh, "store closed": closed} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			setup(t, e)
			a := call(t, e.h, "GET", "/healthz", "")
			wantStatus(t, a, http.StatusOK)
			if string(a.body) != "ok\n" || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
				t.Errorf("healthz: %q (%s)", a.body, a.header.Get("Content-Type"))
			}
		})
	}
}

func TestReadyz(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []func(*env, *server.Options)
		setup  func(*testing.T, *env)
		status int
		// body is the answer when ready, msg the error otherwise.
		body, msg string
		logged    string
	}{
		{name: "planned", setup: planned, status: http.StatusOK, body: "ready\n"},
		{name: "no plan yet", setup: fresh, status: http.StatusServiceUnavailable, msg: "no plan yet: the engine has not finished its first step"},
		{name: "store closed", setup: closed, status: http.StatusServiceUnavailable, msg: hiddenUnavailable, logged: "store unavailable"},
		{name: "plan failed", opts: []func(*env, *server.Options){withEngine(failingEngine{errors.New("catalogue of westeurope: bad version")})},
			setup: fresh, status: http.StatusInternalServerError, msg: hiddenInternal, logged: "readiness: catalogue of westeurope: bad version"},
		{name: "leading", opts: []func(*env, *server.Options){withLease(lease.Status{Self: "pod-a/1/x", Leading: true, Lease: store.Lease{Holder: "pod-a/1/x", Epoch: 3}})},
			setup: planned, status: http.StatusOK, body: "ready\nleader: this replica (pod-a/1/x, epoch 3)\n"},
		{name: "following", opts: []func(*env, *server.Options){withLease(lease.Status{Self: "pod-b/2/y", Lease: store.Lease{Holder: "pod-a/1/x", Epoch: 3}})},
			setup: planned, status: http.StatusOK, body: "ready\nleader: pod-a/1/x (epoch 3); this replica (pod-b/2/y) follows\n"},
		{name: "lease unreachable", opts: []func(*env, *server.Options){withLease(lease.Status{Self: "pod-b/2/y", Err: errors.New("connection refused")})},
			setup: planned, status: http.StatusServiceUnavailable, msg: hiddenUnavailable, logged: "the lease cannot be taken or renewed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.opts...)
			tc.setup(t, e)
			a := call(t, e.h, "GET", "/readyz", "")
			wantStatus(t, a, tc.status)
			if tc.status == http.StatusOK {
				if string(a.body) != tc.body {
					t.Errorf("body %q, want %q", a.body, tc.body)
				}
				return
			}
			if got := a.problem(t); got != tc.msg {
				t.Errorf("error %q, want %q", got, tc.msg)
			}
			if !strings.Contains(e.log.String(), tc.logged) {
				t.Errorf("the log does not have %q:\n%s", tc.logged, e.log)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	t.Run("awaiting approval", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.awaitingApproval(t)
		a := call(t, e.h, "GET", "/api/v1/status", "")
		wantStatus(t, a, http.StatusOK)
		var st server.Status
		a.decode(t, &st)
		if !st.Now.Equal(e.clk.Now()) {
			t.Errorf("now %s, want the clock's %s", st.Now, e.clk.Now())
		}
		if st.PlanErr != "" || !awaits(st.Plan, "prod", v1315) {
			t.Errorf("plan error %q; the plan does not show 1.31.5 awaiting approval in prod:\n%s", st.PlanErr, describePlan(st.Plan))
		}
		if diff := cmp.Diff([]aksupgrade.Target{v1314, v1315}, targetsOf(st.Rollouts)); diff != "" {
			t.Errorf("rollouts (-want +got):\n%s", diff)
		}
		runs := map[string]store.RunState{}
		for _, r := range st.Runs {
			runs[nameOf(r.ClusterID)] = r.State
		}
		if diff := cmp.Diff(map[string]store.RunState{"sbx-01": store.RunDone}, runs); diff != "" {
			t.Errorf("runs (-want +got):\n%s", diff)
		}
		if st.FleetAt == nil || st.FleetAt.After(e.clk.Now()) {
			t.Errorf("fleet observed at %v, want a time before now", st.FleetAt)
		}
		// Lists are [] when empty, never null.
		var raw map[string]json.RawMessage
		a.decode(t, &raw)
		for _, k := range []string{"activeSteps", "azureMaintenance", "notices"} {
			if string(raw[k]) != "[]" {
				t.Errorf("%s: %s, want []", k, raw[k])
			}
		}
	})
	t.Run("no observation yet", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		a := call(t, e.h, "GET", "/api/v1/status", "")
		wantStatus(t, a, http.StatusOK)
		var raw map[string]json.RawMessage
		a.decode(t, &raw)
		for k, want := range map[string]string{"plan": "null", "runs": "[]", "rollouts": "[]", "activeSteps": "[]"} {
			if string(raw[k]) != want {
				t.Errorf("%s: %s, want %s", k, raw[k], want)
			}
		}
		if _, ok := raw["fleetObservedAt"]; ok {
			t.Errorf("fleetObservedAt %s before the first observation", raw["fleetObservedAt"])
		}
	})
	t.Run("plan failed", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			err  error
			want string
		}{
			// An internal error is named as one, not shown.
			{errors.New("catalogue of westeurope: bad version 1.x"), hiddenInternal},
			// A domain error is meant for people.
			{&aksupgrade.Error{Code: aksupgrade.ErrInvalid, Message: "stage prod selects no cluster"}, "stage prod selects no cluster"},
		} {
			e := newEnv(t, withEngine(failingEngine{tc.err}))
			a := call(t, e.h, "GET", "/api/v1/status", "")
			wantStatus(t, a, http.StatusOK)
			var st server.Status
			a.decode(t, &st)
			if st.PlanErr != tc.want || st.Plan != nil {
				t.Errorf("%v: plan %v, planError %q, want %q", tc.err, st.Plan, st.PlanErr, tc.want)
			}
		}
	})
	t.Run("store closed", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		closed(t, e)
		wantHidden(t, e, call(t, e.h, "GET", "/api/v1/status", ""), http.StatusServiceUnavailable, hiddenUnavailable, "store unavailable")
	})
}

func TestPlan(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []func(*env, *server.Options)
		setup  func(*testing.T, *env)
		status int
		msg    string
		logged string
	}{
		{name: "awaiting approval", setup: awaiting, status: http.StatusOK},
		{name: "no plan yet", setup: fresh, status: http.StatusServiceUnavailable, msg: "no plan yet: the engine has not finished its first step"},
		// The plan is the engine's, in memory: a closed store does not
		// hide it.
		{name: "store closed", setup: closed, status: http.StatusOK},
		{name: "plan failed", opts: []func(*env, *server.Options){withEngine(failingEngine{errors.New("catalogue of westeurope: bad version")})},
			setup: fresh, status: http.StatusInternalServerError, msg: hiddenInternal, logged: "catalogue of westeurope: bad version"},
		{name: "plan failed on the store", opts: []func(*env, *server.Options){withEngine(failingEngine{fmt.Errorf("history: %w", store.ErrUnavailable)})},
			setup: fresh, status: http.StatusServiceUnavailable, msg: hiddenUnavailable, logged: "history: store unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.opts...)
			tc.setup(t, e)
			a := call(t, e.h, "GET", "/api/v1/plan", "")
			wantStatus(t, a, tc.status)
			if tc.status != http.StatusOK {
				if got := a.problem(t); got != tc.msg {
					t.Errorf("error %q, want %q", got, tc.msg)
				}
				if !strings.Contains(e.log.String(), tc.logged) {
					t.Errorf("the log does not have %q:\n%s", tc.logged, e.log)
				}
				return
			}
			var res planner.Result
			a.decode(t, &res)
			var stages []string
			for _, st := range res.Stages {
				stages = append(stages, st.Name)
			}
			if diff := cmp.Diff([]string{"sandbox", "prod"}, stages); diff != "" {
				t.Errorf("stages (-want +got):\n%s", diff)
			}
			if !awaits(&res, "prod", v1315) {
				t.Errorf("the plan does not show 1.31.5 awaiting approval in prod:\n%s", describePlan(&res))
			}
		})
	}
}

func TestRollouts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(*testing.T, *env)
		status int
		want   []aksupgrade.Target
	}{
		{name: "none yet", setup: fresh, status: http.StatusOK, want: []aksupgrade.Target{}},
		{name: "awaiting approval", setup: awaiting, status: http.StatusOK, want: []aksupgrade.Target{v1314, v1315}},
		{name: "store closed", setup: closed, status: http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tc.setup(t, e)
			a := call(t, e.h, "GET", "/api/v1/rollouts", "")
			if tc.status != http.StatusOK {
				wantHidden(t, e, a, tc.status, hiddenUnavailable, "store unavailable")
				return
			}
			wantStatus(t, a, tc.status)
			var got []aksupgrade.Rollout
			a.decode(t, &got)
			if diff := cmp.Diff(tc.want, targetsOf(got)); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
			hist, err := e.st.History(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(hist.Rollouts, got, cmp.Comparer(time.Time.Equal)); len(got) > 0 && diff != "" {
				t.Errorf("rollouts differ from the store's (-store +got):\n%s", diff)
			}
		})
	}
}

func TestRollout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.awaitingApproval(t)
	for _, tc := range []struct {
		name, target string
		status       int
		msg          string
	}{
		{name: "known", target: "1.31.5", status: http.StatusOK},
		{name: "known, with a v", target: "v1.31.5", status: http.StatusOK},
		{name: "unknown", target: "1.30.9", status: http.StatusNotFound, msg: "no rollout of 1.30.9 (GET /api/v1/rollouts lists them)"},
		{name: "unknown node image", target: "nodeImage:202502.10.0", status: http.StatusNotFound, msg: "no rollout of node image 202502.10.0 (GET /api/v1/rollouts lists them)"},
		{name: "bad target", target: "banana", status: http.StatusBadRequest, msg: `target "banana": want a Kubernetes version such as 1.31.4 or a node image release such as nodeImage:202502.03.0`},
		{name: "bad target, two numbers", target: "1.31", status: http.StatusBadRequest, msg: `target "1.31": want a Kubernetes version such as 1.31.4 or a node image release such as nodeImage:202502.03.0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, e.h, "GET", "/api/v1/rollouts/"+tc.target, "")
			wantStatus(t, a, tc.status)
			if tc.status != http.StatusOK {
				if got := a.problem(t); got != tc.msg {
					t.Errorf("error %q, want %q", got, tc.msg)
				}
				return
			}
			var d server.RolloutDetail
			a.decode(t, &d)
			if d.Rollout.Target != v1315 || len(d.Rollout.Stages) != 1 || d.Rollout.Stages[0].ProvenAt == nil {
				t.Errorf("rollout %+v, want 1.31.5 proven in sandbox", d.Rollout)
			}
			// The audit of the rollout, newest first: the engine's
			// transitions in sandbox.
			var got []auditLine
			for _, a := range d.Audit {
				if a.Target != v1315 {
					t.Errorf("audit entry of another target: %+v", a)
				}
				if a.Kind != store.AuditKindRun && a.Kind != store.AuditKindStep {
					got = append(got, auditLine{a.Kind, a.Stage, a.Actor})
				}
			}
			want := []auditLine{
				{"proven", "sandbox", "engine"},
				{"reached", "sandbox", "engine"},
				{"started", "sandbox", "engine"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("audit transitions (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("store closed", func(t *testing.T) {
		e := newEnv(t)
		closed(t, e)
		wantHidden(t, e, call(t, e.h, "GET", "/api/v1/rollouts/1.31.5", ""), http.StatusServiceUnavailable, hiddenUnavailable, "store unavailable")
	})
}

// auditLine is what an audit entry says happened, without its time.
type auditLine struct{ Kind, Stage, Actor string }

func targetsOf(rs []aksupgrade.Rollout) []aksupgrade.Target {
	out := []aksupgrade.Target{}
	for _, r := range rs {
		out = append(out, r.Target)
	}
	return out
}

// nameOf returns the name of a cluster from its resource ID.
func nameOf(id string) string { return id[strings.LastIndexByte(id, '/')+1:] }

// TestActions runs each operator action on the real engine: what it
// answers, what it records (the transition, with who acted, and its audit
// entry), and that a refused action records nothing. Each accepted action
// has an env of its own; the refused ones of a state share one, which
// they must leave as they found it.
func TestActions(t *testing.T) {
	states := map[string]func(*testing.T, *env){
		"awaiting": awaiting,
		"halted":   halted,
		"paused": func(t *testing.T, e *env) {
			awaiting(t, e)
			if err := e.eng.Pause(t.Context(), v1315, "dave", "change freeze"); err != nil {
				t.Fatal(err)
			}
		},
		"aborted": func(t *testing.T, e *env) {
			awaiting(t, e)
			if err := e.eng.Abort(t.Context(), v1315, "dave", "bad release"); err != nil {
				t.Fatal(err)
			}
		},
	}
	shared := map[string]*env{}
	for name, setup := range states {
		shared[name] = newEnv(t)
		setup(t, shared[name])
	}
	for _, tc := range []struct {
		name string
		// state is the one the env is in before the request (see
		// states).
		state      string
		path, body string
		status     int
		// msg is the error of a refused action; says the sentence an
		// accepted one answers, audit the entry it adds; check looks at
		// what it recorded.
		msg   string
		says  string
		audit auditLine
		check func(*testing.T, aksupgrade.Rollout)
	}{
		{name: "approve", state: "awaiting", path: "/api/v1/rollouts/1.31.5/approve", body: `{"stage": "prod", "by": "alice"}`,
			status: http.StatusOK, says: "Approved 1.31.5 for prod (by alice).", audit: auditLine{"approved", "prod", "alice"},
			check: func(t *testing.T, r aksupgrade.Rollout) {
				if p := progress(r, "prod"); p == nil || p.Approval == nil || p.Approval.By != "alice" {
					t.Errorf("prod progress %+v, want approved by alice", p)
				}
			}},
		{name: "approve without a stage", state: "awaiting", path: "/api/v1/rollouts/1.31.5/approve", body: `{"by": "alice"}`,
			status: http.StatusBadRequest, msg: `say which stage to approve the target for ("stage")`},
		{name: "approve in an unknown stage", state: "awaiting", path: "/api/v1/rollouts/1.31.5/approve", body: `{"stage": "qa", "by": "alice"}`,
			status: http.StatusNotFound, msg: `no stage "qa"; the stages are sandbox, prod`},
		{name: "approve what does not await approval", state: "awaiting", path: "/api/v1/rollouts/1.31.4/approve", body: `{"stage": "prod", "by": "alice"}`,
			status: http.StatusConflict, msg: "1.31.4 does not await approval in stage prod; what does: 1.31.5"},
		{name: "approve where nothing awaits", state: "awaiting", path: "/api/v1/rollouts/1.31.5/approve", body: `{"stage": "sandbox", "by": "alice"}`,
			status: http.StatusConflict, msg: "nothing in stage sandbox awaits approval now"},
		{name: "approve a bad target", state: "awaiting", path: "/api/v1/rollouts/latest/approve", body: `{"stage": "prod", "by": "alice"}`,
			status: http.StatusBadRequest, msg: `target "latest": want a Kubernetes version such as 1.31.4 or a node image release such as nodeImage:202502.03.0`},
		{name: "approve with a body that is not JSON", state: "awaiting", path: "/api/v1/rollouts/1.31.5/approve", body: `{"stage": "prod", "by": `,
			status: http.StatusBadRequest, msg: "the body must be a JSON object with stage or reason where they apply: unexpected EOF"},
		{name: "approve with an unknown field", state: "awaiting", path: "/api/v1/rollouts/1.31.5/approve", body: `{"stage": "prod", "by": "alice", "force": true}`,
			status: http.StatusBadRequest, msg: `the body must be a JSON object with stage or reason where they apply: json: unknown field "force"`},
		{name: "approve with a list for a body", state: "awaiting", path: "/api/v1/rollouts/1.31.5/approve", body: `["prod"]`,
			status: http.StatusBadRequest, msg: "the body must be a JSON object with stage or reason where they apply: json: cannot unmarshal array into Go value of type server.ActionRequest"},

		{name: "pause", state: "awaiting", path: "/api/v1/rollouts/1.31.5/pause", body: `{"by": "alice", "reason": "change freeze"}`,
			status: http.StatusOK, says: `Paused the rollout of 1.31.5 (by alice): "change freeze".`, audit: auditLine{"paused", "", "alice"},
			check: func(t *testing.T, r aksupgrade.Rollout) {
				if r.Paused == nil || r.Paused.By != "alice" || r.Paused.Reason != "change freeze" {
					t.Errorf("paused %+v, want by alice for the change freeze", r.Paused)
				}
			}},
		{name: "pause an aborted rollout", state: "aborted", path: "/api/v1/rollouts/1.31.5/pause", body: `{"by": "alice"}`,
			status: http.StatusConflict, msg: "the rollout of 1.31.5 was aborted by dave; it cannot be paused"},
		{name: "pause an unknown rollout", state: "awaiting", path: "/api/v1/rollouts/9.9.9/pause", body: `{"by": "alice"}`,
			status: http.StatusNotFound, msg: "no rollout of 9.9.9; rollouts: 1.31.4, 1.31.5"},

		{name: "resume", state: "paused", path: "/api/v1/rollouts/1.31.5/resume", body: `{"by": "bob"}`,
			status: http.StatusOK, says: "Resumed the rollout of 1.31.5 (by bob).", audit: auditLine{"resumed", "", "bob"},
			check: func(t *testing.T, r aksupgrade.Rollout) {
				if r.Paused != nil {
					t.Errorf("still paused: %+v", r.Paused)
				}
			}},
		{name: "resume a rollout not paused", state: "awaiting", path: "/api/v1/rollouts/1.31.5/resume", body: `{"by": "bob"}`,
			status: http.StatusConflict, msg: "the rollout of 1.31.5 is not paused: there is nothing to resume"},
		{name: "resume an aborted rollout", state: "aborted", path: "/api/v1/rollouts/1.31.5/resume", body: `{"by": "bob"}`,
			status: http.StatusConflict, msg: `the rollout of 1.31.5 was aborted by dave at Mon 2 Jun 04:00 UTC ("bad release"); an aborted rollout cannot be resumed: no stage receives 1.31.5 any more, and a newer version gets a rollout of its own`},
		{name: "resume an unknown rollout", state: "awaiting", path: "/api/v1/rollouts/1.30.9/resume", body: `{"by": "bob"}`,
			status: http.StatusNotFound, msg: "no rollout of 1.30.9; rollouts: 1.31.4, 1.31.5"},

		{name: "abort", state: "awaiting", path: "/api/v1/rollouts/1.31.5/abort", body: `{"by": "alice", "reason": "bad release"}`,
			status: http.StatusOK, says: `Aborted the rollout of 1.31.5 (by alice): "bad release".`, audit: auditLine{"aborted", "", "alice"},
			check: func(t *testing.T, r aksupgrade.Rollout) {
				if r.Aborted == nil || r.Aborted.By != "alice" || r.Aborted.Reason != "bad release" {
					t.Errorf("aborted %+v, want by alice for the bad release", r.Aborted)
				}
			}},
		{name: "abort an unknown rollout", state: "awaiting", path: "/api/v1/rollouts/9.9.9/abort", body: `{"by": "alice"}`,
			status: http.StatusNotFound, msg: "no rollout of 9.9.9; rollouts: 1.31.4, 1.31.5"},
		{name: "abort a bad target", state: "awaiting", path: "/api/v1/rollouts/1.31.x/abort", body: `{"by": "alice"}`,
			status: http.StatusBadRequest, msg: `target "1.31.x": want a Kubernetes version such as 1.31.4 or a node image release such as nodeImage:202502.03.0`},

		{name: "retry", state: "halted", path: "/api/v1/stages/prod/retry", body: `{"by": "alice"}`,
			status: http.StatusOK, says: "Retried stage prod (by alice): its halt is lifted.", audit: auditLine{"retried", "prod", "alice"},
			check: func(t *testing.T, r aksupgrade.Rollout) {
				if p := progress(r, "prod"); p == nil || p.Halt != nil {
					t.Errorf("prod progress %+v, want its halt lifted", p)
				}
			}},
		{name: "retry a stage not halted", state: "awaiting", path: "/api/v1/stages/sandbox/retry", body: `{"by": "alice"}`,
			status: http.StatusConflict, msg: "stage sandbox is not halted: there is nothing to retry"},
		{name: "retry an unknown stage", state: "halted", path: "/api/v1/stages/qa/retry", body: `{"by": "alice"}`,
			status: http.StatusNotFound, msg: `no stage "qa"; the stages are sandbox, prod`},
		{name: "retry with a body that is not JSON", state: "halted", path: "/api/v1/stages/prod/retry", body: `by=alice`,
			status: http.StatusBadRequest, msg: "the body must be a JSON object with stage or reason where they apply: invalid character 'b' looking for beginning of value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := shared[tc.state]
			if tc.status == http.StatusOK {
				t.Parallel()
				e = newEnv(t)
				states[tc.state](t, e)
			}
			before := auditOf(t, e)
			a := call(t, e.h, "POST", tc.path, tc.body)
			wantStatus(t, a, tc.status)
			after := auditOf(t, e)
			added := after[:len(after)-len(before)]
			if tc.status != http.StatusOK {
				if got := a.problem(t); got != tc.msg {
					t.Errorf("error %q, want %q", got, tc.msg)
				}
				if len(added) > 0 {
					t.Errorf("a refused action recorded %+v", added)
				}
				return
			}
			var ok server.ActionResult
			a.decode(t, &ok)
			if diff := cmp.Diff(server.ActionResult{Result: "ok", Actor: tc.audit.Actor, Message: tc.says}, ok); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if len(added) != 1 {
				t.Fatalf("the action added %d audit entries, want 1: %+v", len(added), added)
			}
			if got := (auditLine{added[0].Kind, added[0].Stage, added[0].Actor}); got != tc.audit {
				t.Errorf("audit entry %+v, want %+v", got, tc.audit)
			}
			if !added[0].At.Equal(e.clk.Now()) || added[0].Target != v1315 {
				t.Errorf("audit entry at %s of %s, want now (%s) and 1.31.5", added[0].At, added[0].Target, e.clk.Now())
			}
			// GET the rollout: the action shows there, audit included.
			var d server.RolloutDetail
			got := call(t, e.h, "GET", "/api/v1/rollouts/1.31.5", "")
			wantStatus(t, got, http.StatusOK)
			got.decode(t, &d)
			tc.check(t, d.Rollout)
			if len(d.Audit) == 0 || d.Audit[0].ID != added[0].ID {
				t.Errorf("the rollout's audit does not start with the action's entry %+v", added[0])
			}
		})
	}
}

// TestActionsStoreClosed: every action needs the store, and says so with
// 503 when it cannot be reached.
func TestActionsStoreClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	closed(t, e)
	for _, path := range []string{
		"/api/v1/rollouts/1.31.5/approve",
		"/api/v1/rollouts/1.31.5/pause",
		"/api/v1/rollouts/1.31.5/resume",
		"/api/v1/rollouts/1.31.5/abort",
		"/api/v1/stages/prod/retry",
	} {
		t.Run(path, func(t *testing.T) {
			wantHidden(t, e, call(t, e.h, "POST", path, `{"stage": "prod", "by": "alice"}`), http.StatusServiceUnavailable, hiddenUnavailable, "store unavailable")
		})
	}
}

// TestErrorStatus maps every kind of error to its status, the same for
// every route that can meet it. The engine fails on purpose here: the
// real one cannot be made to be busy or throttled on an operator action.
func TestErrorStatus(t *testing.T) {
	t.Parallel()
	routes := []struct{ method, path string }{
		{"GET", "/api/v1/plan"},
		{"POST", "/api/v1/rollouts/1.31.5/approve"},
		{"POST", "/api/v1/rollouts/1.31.5/pause"},
		{"POST", "/api/v1/rollouts/1.31.5/resume"},
		{"POST", "/api/v1/rollouts/1.31.5/abort"},
		{"POST", "/api/v1/stages/prod/retry"},
	}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		msg    string
		// retryAfter is the Retry-After header; logged what the log
		// must have (an error not shown).
		retryAfter, logged string
	}{
		{name: "not found", err: &aksupgrade.Error{Code: aksupgrade.ErrNotFound, Message: "no rollout of 1.31.5"},
			status: http.StatusNotFound, msg: "no rollout of 1.31.5"},
		{name: "store not found", err: fmt.Errorf("update step 7: %w", store.ErrNotFound),
			status: http.StatusNotFound, msg: "update step 7: not found"},
		{name: "invalid", err: &aksupgrade.Error{Code: aksupgrade.ErrInvalid, Message: "nothing to retry"},
			status: http.StatusBadRequest, msg: "nothing to retry"},
		{name: "store invalid", err: fmt.Errorf("apply: %w: a transition needs its stage", store.ErrInvalid),
			status: http.StatusBadRequest, msg: "apply: invalid input: a transition needs its stage"},
		{name: "busy", err: &aksupgrade.Error{Code: aksupgrade.ErrBusy, AzureCode: "OperationNotAllowed", Message: "an upgrade is in progress"},
			status: http.StatusConflict, msg: "an upgrade is in progress"},
		{name: "conflict", err: fmt.Errorf("approve: %w", &aksupgrade.Error{Code: aksupgrade.ErrConflict, Message: "the cluster changed"}),
			status: http.StatusConflict, msg: "the cluster changed"},
		{name: "active step", err: fmt.Errorf("record: %w: step 3", store.ErrActiveStep),
			status: http.StatusConflict, msg: "record: the cluster already has an operation in flight: step 3"},
		{name: "throttled", err: &aksupgrade.Error{Code: aksupgrade.ErrThrottled, Message: "too many requests", RetryAfter: 90 * time.Second},
			status: http.StatusTooManyRequests, msg: "too many requests", retryAfter: "90"},
		{name: "throttled, part of a second", err: &aksupgrade.Error{Code: aksupgrade.ErrThrottled, Message: "too many requests", RetryAfter: 1500 * time.Millisecond},
			status: http.StatusTooManyRequests, msg: "too many requests", retryAfter: "2"},
		{name: "throttled, no wait known", err: &aksupgrade.Error{Code: aksupgrade.ErrThrottled, Message: "too many requests"},
			status: http.StatusTooManyRequests, msg: "too many requests"},
		{name: "store unavailable", err: fmt.Errorf("history: %w: disk I/O error", store.ErrUnavailable),
			status: http.StatusServiceUnavailable, msg: hiddenUnavailable, logged: "history: store unavailable: disk I/O error"},
		{name: "auth", err: &aksupgrade.Error{Code: aksupgrade.ErrAuth, AzureCode: "AuthorizationFailed", Message: "client 1234 lacks Microsoft.ContainerService/managedClusters/read"},
			status: http.StatusBadGateway, msg: hiddenAuth, logged: "client 1234 lacks"},
		{name: "other domain code", err: &aksupgrade.Error{Code: aksupgrade.ErrQuotaExceeded, Message: "no quota in subscription 42"},
			status: http.StatusInternalServerError, msg: hiddenInternal, logged: "no quota in subscription 42"},
		{name: "internal", err: errors.New("sql: database schema is corrupt at page 9"),
			status: http.StatusInternalServerError, msg: hiddenInternal, logged: "sql: database schema is corrupt at page 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withEngine(failingEngine{tc.err}))
			for _, r := range routes {
				a := call(t, e.h, r.method, r.path, `{"stage": "prod", "by": "alice"}`)
				if a.status != tc.status {
					t.Errorf("%s %s: status %d, want %d: %s", r.method, r.path, a.status, tc.status, a.body)
					continue
				}
				if got := a.problem(t); got != tc.msg {
					t.Errorf("%s %s: error %q, want %q", r.method, r.path, got, tc.msg)
				}
				if got := a.header.Get("Retry-After"); got != tc.retryAfter {
					t.Errorf("%s %s: Retry-After %q, want %q", r.method, r.path, got, tc.retryAfter)
				}
			}
			log := e.log.String()
			if tc.logged == "" && log != "" {
				t.Errorf("an error shown to the caller was logged too:\n%s", log)
			}
			if n := strings.Count(log, tc.logged); tc.logged != "" && n != len(routes) {
				t.Errorf("the log has %q %d times, want once a request:\n%s", tc.logged, n, log)
			}
		})
	}
}

func TestAudit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.awaitingApproval(t)
	wantStatus(t, call(t, e.h, "POST", "/api/v1/rollouts/1.31.5/approve", `{"stage": "prod", "by": "alice"}`), http.StatusOK)
	runs, err := e.st.Runs(t.Context())
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	sbx := runs[0].ClusterID
	for _, tc := range []struct {
		name, query string
		want        store.AuditQuery
		// each must hold of every entry answered.
		each func(store.AuditEntry) bool
	}{
		{name: "all", query: "", want: store.AuditQuery{Limit: 100}},
		{name: "stage", query: "?stage=prod", want: store.AuditQuery{Stage: "prod", Limit: 100},
			each: func(a store.AuditEntry) bool { return a.Stage == "prod" }},
		{name: "target", query: "?target=1.31.4", want: store.AuditQuery{Target: v1314, Limit: 100},
			each: func(a store.AuditEntry) bool { return a.Target == v1314 }},
		{name: "cluster, in another case", query: "?cluster=" + strings.ToUpper(sbx), want: store.AuditQuery{Cluster: sbx, Limit: 100},
			each: func(a store.AuditEntry) bool { return aksupgrade.SameID(a.Cluster, sbx) }},
		{name: "limit", query: "?limit=2", want: store.AuditQuery{Limit: 2}},
		{name: "everything", query: "?stage=prod&target=1.31.5&limit=1", want: store.AuditQuery{Stage: "prod", Target: v1315, Limit: 1},
			each: func(a store.AuditEntry) bool { return a.Kind == "approved" && a.Actor == "alice" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, e.h, "GET", "/api/v1/audit"+tc.query, "")
			wantStatus(t, a, http.StatusOK)
			var got []store.AuditEntry
			a.decode(t, &got)
			want, err := e.st.Audit(t.Context(), tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatalf("the store has no entries for %+v: the test proves nothing", tc.want)
			}
			if diff := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
				t.Errorf("entries (-store +got):\n%s", diff)
			}
			for _, a := range got {
				if tc.each != nil && !tc.each(a) {
					t.Errorf("entry %+v does not match %s", a, tc.query)
				}
			}
			if !slices.IsSortedFunc(got, func(a, b store.AuditEntry) int { return b.At.Compare(a.At) }) {
				t.Error("entries are not newest first")
			}
		})
	}
	for _, tc := range []struct{ query, msg string }{
		{"?limit=0", "limit must be a whole number from 1 to 1000"},
		{"?limit=-3", "limit must be a whole number from 1 to 1000"},
		{"?limit=ten", "limit must be a whole number from 1 to 1000"},
		{"?limit=1001", "limit must be a whole number from 1 to 1000"},
		{"?target=1.31", `target "1.31": want a Kubernetes version such as 1.31.4 or a node image release such as nodeImage:202502.03.0`},
	} {
		t.Run(tc.query, func(t *testing.T) {
			a := call(t, e.h, "GET", "/api/v1/audit"+tc.query, "")
			wantStatus(t, a, http.StatusBadRequest)
			if got := a.problem(t); got != tc.msg {
				t.Errorf("error %q, want %q", got, tc.msg)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		e := newEnv(t)
		a := call(t, e.h, "GET", "/api/v1/audit", "")
		wantStatus(t, a, http.StatusOK)
		if got := strings.TrimSpace(string(a.body)); got != "[]" {
			t.Errorf("body %s, want []", got)
		}
	})
	t.Run("store closed", func(t *testing.T) {
		e := newEnv(t)
		closed(t, e)
		wantHidden(t, e, call(t, e.h, "GET", "/api/v1/audit", ""), http.StatusServiceUnavailable, hiddenUnavailable, "store unavailable")
	})
}

// TestEvents checks what GET /api/v1/events lists and how many; not how
// each event is described.
func TestEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.awaitingApproval(t)
	stored, err := e.st.Events(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) < 5 {
		t.Fatalf("the store has %d events; the test needs more", len(stored))
	}
	keys := func(evs []server.EventView) []store.EventKey {
		var out []store.EventKey
		for _, e := range evs {
			out = append(out, e.Key)
		}
		return out
	}
	var all []store.EventKey
	for _, e := range stored {
		all = append(all, e.Key)
	}
	for _, tc := range []struct {
		name, query string
		want        []store.EventKey
	}{
		{name: "all", query: "", want: all},
		{name: "limit", query: "?limit=3", want: all[:3]},
		{name: "limit above the count", query: "?limit=1000", want: all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, e.h, "GET", "/api/v1/events"+tc.query, "")
			wantStatus(t, a, http.StatusOK)
			var got []server.EventView
			a.decode(t, &got)
			if diff := cmp.Diff(tc.want, keys(got)); diff != "" {
				t.Errorf("events, newest first (-want +got):\n%s", diff)
			}
			for _, ev := range got {
				if ev.Type == "" || ev.Summary == "" {
					t.Errorf("event %s: type %q, summary %q; want both", ev.Key, ev.Type, ev.Summary)
				}
			}
		})
	}
	t.Run("what happened is there", func(t *testing.T) {
		a := call(t, e.h, "GET", "/api/v1/events", "")
		var got []server.EventView
		a.decode(t, &got)
		types := map[aksupgrade.EventType]bool{}
		for _, ev := range got {
			types[ev.Type] = true
		}
		for _, want := range []aksupgrade.EventType{aksupgrade.EventStageStarted, aksupgrade.EventStageProven, aksupgrade.EventApprovalNeeded} {
			if !types[want] {
				t.Errorf("no %s event among %v", want, slices.Collect(maps.Keys(types)))
			}
		}
	})
	t.Run("the default limit is 100", func(t *testing.T) {
		e := newEnv(t)
		for i := range 120 {
			at := e.clk.Now().Add(time.Duration(i) * time.Second)
			if _, err := e.st.PutEvent(t.Context(), store.Event{Key: store.EventKey{Source: "test", ID: fmt.Sprint(i)}, Type: "test.event", Time: at, ReceivedAt: at, ProcessedAt: &at}); err != nil {
				t.Fatal(err)
			}
		}
		a := call(t, e.h, "GET", "/api/v1/events", "")
		wantStatus(t, a, http.StatusOK)
		var got []server.EventView
		a.decode(t, &got)
		if len(got) != 100 || got[0].Key.ID != "119" || got[99].Key.ID != "20" {
			t.Errorf("%d events, from %v to %v; want the newest 100, 119 to 20", len(got), got[0].Key, got[len(got)-1].Key)
		}
	})
	for _, q := range []string{"?limit=0", "?limit=-1", "?limit=all", "?limit=100000"} {
		t.Run(q, func(t *testing.T) {
			a := call(t, e.h, "GET", "/api/v1/events"+q, "")
			wantStatus(t, a, http.StatusBadRequest)
			if got := a.problem(t); got != "limit must be a whole number from 1 to 1000" {
				t.Errorf("error %q", got)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		e := newEnv(t)
		a := call(t, e.h, "GET", "/api/v1/events", "")
		wantStatus(t, a, http.StatusOK)
		if got := strings.TrimSpace(string(a.body)); got != "[]" {
			t.Errorf("body %s, want []", got)
		}
	})
	t.Run("store closed", func(t *testing.T) {
		e := newEnv(t)
		closed(t, e)
		wantHidden(t, e, call(t, e.h, "GET", "/api/v1/events", ""), http.StatusServiceUnavailable, hiddenUnavailable, "store unavailable")
	})
}

// TestNotifications: delivery counters of a real dispatcher and the
// outbox it worked through.
func TestNotifications(t *testing.T) {
	t.Parallel()
	t.Run("off", func(t *testing.T) {
		e := newEnv(t)
		a := call(t, e.h, "GET", "/api/v1/notifications", "")
		wantStatus(t, a, http.StatusOK)
		if diff := cmp.Diff(`{"receivers":{},"recent":[]}`, compact(t, a.body)); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
	})
	t.Run("delivered", func(t *testing.T) {
		var out bytes.Buffer
		var d *notify.Dispatcher
		e := newEnv(t, func(e *env, o *server.Options) {
			term, err := console.New("terminal", console.Config{Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			d, err = notify.NewDispatcher(notify.DispatcherOptions{Store: e.st, Clock: e.clk, Receivers: map[string]notify.Receiver{"terminal": term}})
			if err != nil {
				t.Fatal(err)
			}
			o.NotifyStats = d.Stats
		})
		now := e.clk.Now()
		msg := notify.Message{Key: "k1", Kind: "stageHalted", Severity: notify.SeverityCritical, Summary: "Stage prod halted", Time: now}
		// "pager" is no receiver of this dispatcher: its message fails.
		if err := e.st.EnqueueNotifications(t.Context(), []store.Outgoing{
			notify.NewOutgoing("terminal", msg, now, now),
			notify.NewOutgoing("pager", msg, now, now),
		}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.DeliverDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "Stage prod halted") {
			t.Fatalf("the console receiver got %q", out.String())
		}
		a := call(t, e.h, "GET", "/api/v1/notifications", "")
		wantStatus(t, a, http.StatusOK)
		var got server.Notifications
		a.decode(t, &got)
		want := map[string]notify.ReceiverStats{"terminal": {Sent: 1}, "pager": {Failed: 1}}
		if diff := cmp.Diff(want, got.Receivers); diff != "" {
			t.Errorf("receivers (-want +got):\n%s", diff)
		}
		type line struct {
			Receiver string
			State    store.OutgoingState
		}
		var recent []line
		for _, o := range got.Recent {
			recent = append(recent, line{o.Receiver, o.State})
		}
		if diff := cmp.Diff([]line{{"pager", store.OutgoingFailed}, {"terminal", store.OutgoingSent}}, recent); diff != "" {
			t.Errorf("recent, newest first (-want +got):\n%s", diff)
		}
	})
	t.Run("store closed", func(t *testing.T) {
		e := newEnv(t)
		closed(t, e)
		wantHidden(t, e, call(t, e.h, "GET", "/api/v1/notifications", ""), http.StatusServiceUnavailable, hiddenUnavailable, "store unavailable")
	})
}

func compact(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestWebhook: the simulator, acting as Event Grid, shakes hands with the
// webhook (OPTIONS) and delivers (POST) through the server's routes; what
// it delivered is in the events and the status's notices.
func TestWebhook(t *testing.T) {
	t.Parallel()
	t.Run("configured", func(t *testing.T) {
		e := newEnv(t, func(e *env, o *server.Options) {
			o.Webhook = eventgrid.NewHandler(eventgrid.HandlerOptions{Store: e.st, Clock: e.clk, Secrets: []string{"s3cret"}})
		})
		api := httptest.NewServer(e.h)
		t.Cleanup(api.Close)
		if _, err := e.sim.SubscribeContext(t.Context(), simulator.EventSubscription{Name: "aks", Endpoint: api.URL + "/webhooks/eventgrid", Schema: simulator.SchemaCloudEvents,
			MaxEventsPerBatch: 10, Headers: map[string]string{eventgrid.HeaderSecret: "s3cret"}}); err != nil {
			t.Fatalf("handshake: %v", err)
		}
		e.clk.Set(e.sim.Start().Add(2*time.Hour + time.Minute)) // support for 1.31 ends at +2h
		if n := e.sim.DeliverDue(t.Context()); n == 0 {
			t.Fatal("the simulator delivered nothing")
		}
		for _, d := range e.sim.Deliveries() {
			if d.Status != http.StatusOK {
				t.Errorf("delivery answered %d: %+v", d.Status, d)
			}
		}
		a := call(t, e.h, "GET", "/api/v1/events", "")
		wantStatus(t, a, http.StatusOK)
		var evs []server.EventView
		a.decode(t, &evs)
		ending := map[string]bool{}
		for _, ev := range evs {
			if ev.Type == aksupgrade.EventClusterSupportEnding {
				ending[ev.Subject] = true
			}
		}
		if diff := cmp.Diff(map[string]bool{"sbx-01": true, "prod-01": true}, ending); diff != "" {
			t.Errorf("ClusterSupportEnding events by subject (-want +got):\n%s", diff)
		}
		a = call(t, e.h, "GET", "/api/v1/status", "")
		wantStatus(t, a, http.StatusOK)
		var st server.Status
		a.decode(t, &st)
		notices := map[string]string{}
		for _, n := range st.Notices {
			notices[n.Cluster] = n.Type
		}
		if diff := cmp.Diff(map[string]string{"sbx-01": string(aksupgrade.EventClusterSupportEnding), "prod-01": string(aksupgrade.EventClusterSupportEnding)}, notices); diff != "" {
			t.Errorf("notices (-want +got):\n%s", diff)
		}
		// The webhook answers for itself: a wrong secret is its 401.
		if a := call(t, e.h, "POST", "/webhooks/eventgrid", `[]`); a.status != http.StatusUnauthorized {
			t.Errorf("a delivery without the secret: %d, want 401: %s", a.status, a.body)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		e := newEnv(t)
		for _, m := range []string{"POST", "OPTIONS"} {
			if a := call(t, e.h, m, "/webhooks/eventgrid", `[]`); a.status != http.StatusNotFound {
				t.Errorf("%s without a webhook: %d, want 404", m, a.status)
			}
		}
	})
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	t.Run("configured", func(t *testing.T) {
		e := newEnv(t, func(e *env, o *server.Options) { o.Metrics = metrics.Handler(metrics.Sources{Plan: e.eng.LastPlan}) })
		e.awaitingApproval(t)
		a := call(t, e.h, "GET", "/metrics", "")
		wantStatus(t, a, http.StatusOK)
		for _, want := range []string{"aksupgrade_plan_ok 1", `aksupgrade_clusters{stage="prod",state="awaitingApproval"} 1`, "go_goroutines"} {
			if !strings.Contains(string(a.body), want) {
				t.Errorf("metrics do not have %q", want)
			}
		}
	})
	t.Run("not configured", func(t *testing.T) {
		e := newEnv(t)
		if a := call(t, e.h, "GET", "/metrics", ""); a.status != http.StatusNotFound {
			t.Errorf("GET /metrics without metrics: %d, want 404", a.status)
		}
	})
}

// TestMethods: a route answers its own method only.
func TestMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, r := range []struct{ method, path string }{
		{"POST", "/api/v1/status"},
		{"DELETE", "/api/v1/rollouts/1.31.5"},
		{"GET", "/api/v1/rollouts/1.31.5/approve"},
		{"GET", "/api/v1/stages/prod/retry"},
	} {
		if a := call(t, e.h, r.method, r.path, ""); a.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d, want 405", r.method, r.path, a.status)
		}
	}
}

func progress(r aksupgrade.Rollout, stage string) *aksupgrade.StageProgress {
	for i := range r.Stages {
		if r.Stages[i].Stage == stage {
			return &r.Stages[i]
		}
	}
	return nil
}

// auditOf returns the whole audit log, newest first.
func auditOf(t *testing.T, e *env) []store.AuditEntry {
	t.Helper()
	entries, err := e.st.Audit(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
