// Package server is aksupgrade's HTTP face: a small JSON API for status
// and operator actions (/api/v1/...), health endpoints for probes, and
// Prometheus metrics (/metrics, when Options.Metrics is set).
// Routes use net/http's ServeMux patterns; every error answer goes
// through fail, and statusOf maps store and domain errors to HTTP status
// in that one place.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/dashboard"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/lease"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/operator"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Engine is what the server needs of the engine.
type Engine interface {
	LastPlan() (*planner.Result, error)
	// The operator actions (see package operator).
	operator.Engine
	AzureMaintenance(now time.Time) []engine.Maintenance
	LastError() (time.Time, error)
}

// Options configure the handler.
type Options struct {
	Engine Engine
	Store  store.Store
	Clock  aksupgrade.Clock
	Logger *slog.Logger
	// Webhook receives Event Grid deliveries at /webhooks/eventgrid.
	Webhook http.Handler
	// NotifyStats gives delivery counters per receiver; nil when
	// notifications are off.
	NotifyStats func() map[string]notify.ReceiverStats
	// Metrics serves Prometheus metrics at GET /metrics; nil leaves the
	// route out.
	Metrics http.Handler
	// Auth says who calls /api/v1: a viewer may read, an operator also
	// act. Nil lets nobody in (auth.Anonymous lets everybody in).
	Auth auth.Authenticator
	// AuthFailures limits failed authentications per client address;
	// nil: 10 a minute on Clock.
	AuthFailures *auth.Limit
	// Actions limits the actions (approve, pause, ...) of each caller;
	// nil: 30 a minute on Clock.
	Actions *auth.Limit
	// Lease says which replica leads (lease.Elector.Status); nil: one
	// replica, which leads.
	Lease func() lease.Status
	// Dashboard, when set, serves the web dashboard at / (see pages.go).
	Dashboard *dashboard.Dashboard
}

type server struct {
	o        Options
	log      *slog.Logger
	auth     auth.Authenticator
	failures *auth.Limit
	actions  *auth.Limit
}

// New returns the HTTP handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &server{o: o, log: o.Logger, auth: o.Auth, failures: o.AuthFailures}
	if s.auth == nil {
		s.auth = denyAll{}
	}
	if s.failures == nil {
		s.failures = &auth.Limit{Clock: o.Clock}
	}
	if s.actions = o.Actions; s.actions == nil {
		s.actions = &auth.Limit{Clock: o.Clock, Max: 30, Window: time.Minute}
	}
	mux := http.NewServeMux()
	// Probes and metrics keep their own access rules (the network's):
	// they show no rollout data.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	for _, rt := range routes(s) {
		mux.HandleFunc(rt.pattern, s.guard(rt.role, rt.handler))
	}
	if o.Webhook != nil {
		mux.Handle("POST /webhooks/eventgrid", o.Webhook)
		mux.Handle("OPTIONS /webhooks/eventgrid", o.Webhook)
	}
	if o.Metrics != nil {
		mux.Handle("GET /metrics", o.Metrics)
	}
	if o.Dashboard != nil {
		s.pages(mux, o.Dashboard)
	}
	return mux
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// A client that hung up gets nothing either way.
	_, _ = io.WriteString(w, "ok\n")
}

// readyz is ready once the store takes writes, the lease could be asked
// for, and the engine (leading or following) has planned. It says which
// replica leads.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.o.Store.Writable(r.Context()); err != nil {
		s.fail(w, r, fmt.Errorf("readiness: the store takes no writes: %w: %w", store.ErrUnavailable, err))
		return
	}
	var who string
	if s.o.Lease != nil {
		ls := s.o.Lease()
		if ls.Err != nil {
			s.fail(w, r, fmt.Errorf("readiness: the lease cannot be taken or renewed: %w: %w", store.ErrUnavailable, ls.Err))
			return
		}
		who = leaderLine(ls)
	}
	switch res, err := s.o.Engine.LastPlan(); {
	case err != nil:
		s.fail(w, r, fmt.Errorf("readiness: %w", err))
		return
	case res == nil:
		s.fail(w, r, errNoPlan)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// A client that hung up gets nothing either way.
	_, _ = io.WriteString(w, "ready\n"+who)
}

// leaderLine says who leads, for readyz.
func leaderLine(ls lease.Status) string {
	switch {
	case ls.Leading:
		return fmt.Sprintf("leader: this replica (%s, epoch %d)\n", ls.Self, ls.Lease.Epoch)
	case ls.Lease.Holder == "":
		return fmt.Sprintf("leader: none yet; this replica is %s\n", ls.Self)
	}
	return fmt.Sprintf("leader: %s (epoch %d); this replica (%s) follows\n", ls.Lease.Holder, ls.Lease.Epoch, ls.Self)
}

// Status is the answer of GET /api/v1/status. PlanErr says why the
// engine's last step could not plan, as far as the caller is to know (an
// internal error is only named as one; the engine logs it).
type Status struct {
	Now     time.Time       `json:"now"`
	Plan    *planner.Result `json:"plan"`
	PlanErr string          `json:"planError,omitempty"`
	// EngineErr is why the engine's last step failed (Azure throttling
	// it, the database unreachable, ...), at EngineErrAt; empty when it
	// succeeded.
	EngineErr   string               `json:"engineError,omitempty"`
	EngineErrAt *time.Time           `json:"engineErrorAt,omitempty"`
	Runs        []store.Run          `json:"runs"`
	Steps       []store.StepRecord   `json:"activeSteps"`
	Rollouts    []aksupgrade.Rollout `json:"rollouts"`
	FleetAt     *time.Time           `json:"fleetObservedAt,omitempty"`
	// Maintenance is Azure's own planned maintenance still to come or
	// under way, from ScheduledEventEmitted events.
	Maintenance []engine.Maintenance `json:"azureMaintenance"`
	// Notices are support warnings about clusters, from
	// ClusterSupportEnding and ClusterSupportEnded events.
	Notices []Notice `json:"notices"`
	// Lease says which replica leads; nil with one replica.
	Lease *lease.Status `json:"lease,omitempty"`
}

// Notice is a warning about a cluster that people should act on.
type Notice struct {
	Cluster string    `json:"cluster"`
	Type    string    `json:"type"`
	Time    time.Time `json:"time"`
	Summary string    `json:"summary"`
}

func (s *server) status(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := Status{Now: s.o.Clock.Now()}
	var err error
	st.Plan, err = s.o.Engine.LastPlan()
	if err != nil {
		st.PlanErr = messageOf(err)
	}
	if at, err := s.o.Engine.LastError(); err != nil {
		st.EngineErr, st.EngineErrAt = messageOf(err), &at
	}
	if st.Runs, err = s.o.Store.Runs(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if st.Steps, err = s.o.Store.ActiveSteps(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	hist, err := s.o.Store.History(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st.Runs, st.Steps, st.Rollouts = orEmpty(st.Runs), orEmpty(st.Steps), orEmpty(hist.Rollouts)
	switch f, err := s.o.Store.Fleet(ctx); {
	case err == nil:
		st.FleetAt = &f.At
	case !errors.Is(err, store.ErrNotFound): // not observed yet: no time
		s.fail(w, r, err)
		return
	}
	st.Maintenance = orEmpty(s.o.Engine.AzureMaintenance(st.Now))
	if s.o.Lease != nil {
		ls := s.o.Lease()
		st.Lease = &ls
	}
	if st.Notices, err = s.notices(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *server) plan(w http.ResponseWriter, r *http.Request) {
	res, err := s.o.Engine.LastPlan()
	switch {
	case err != nil:
		s.fail(w, r, err)
	case res == nil:
		s.fail(w, r, errNoPlan)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

func (s *server) rollouts(w http.ResponseWriter, r *http.Request) {
	hist, err := s.o.Store.History(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, orEmpty(hist.Rollouts))
}

// orEmpty returns s, or an empty slice for nil: lists answer [], never
// null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// RolloutDetail is the answer of GET /api/v1/rollouts/{target}.
type RolloutDetail struct {
	Rollout aksupgrade.Rollout `json:"rollout"`
	Audit   []store.AuditEntry `json:"audit"`
}

func (s *server) rollout(w http.ResponseWriter, r *http.Request) {
	t, err := target(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hist, err := s.o.Store.History(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, ro := range hist.Rollouts {
		if ro.Target == t {
			audit, err := s.o.Store.Audit(r.Context(), store.AuditQuery{Target: t, Limit: 200})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, RolloutDetail{Rollout: ro, Audit: orEmpty(audit)})
			return
		}
	}
	s.fail(w, r, &aksupgrade.Error{Code: aksupgrade.ErrNotFound, Message: "no rollout of " + t.String() + " (GET /api/v1/rollouts lists them)"})
}

// route is one route of the API and the role it needs.
type route struct {
	pattern string
	role    auth.Role
	handler http.HandlerFunc
}

// routes are the API's routes: reads for viewers, actions for operators.
func routes(s *server) []route {
	return []route{
		{"GET /api/v1/status", auth.Viewer, s.status},
		{"GET /api/v1/plan", auth.Viewer, s.plan},
		{"GET /api/v1/rollouts", auth.Viewer, s.rollouts},
		{"GET /api/v1/rollouts/{target}", auth.Viewer, s.rollout},
		{"GET /api/v1/audit", auth.Viewer, s.audit},
		{"GET /api/v1/events", auth.Viewer, s.events},
		{"GET /api/v1/notifications", auth.Viewer, s.notifications},
		{"POST /api/v1/rollouts/{target}/approve", auth.Operator, s.approve},
		{"POST /api/v1/rollouts/{target}/pause", auth.Operator, s.pause},
		{"POST /api/v1/rollouts/{target}/resume", auth.Operator, s.resume},
		{"POST /api/v1/rollouts/{target}/abort", auth.Operator, s.abort},
		{"POST /api/v1/stages/{stage}/retry", auth.Operator, s.retry},
	}
}

// ActionRequest is the body of the operator actions. Who acts is the
// authenticated caller, never a name in the body: By is accepted from
// older clients and ignored.
type ActionRequest struct {
	Stage  string `json:"stage,omitempty"`
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (s *server) approve(w http.ResponseWriter, r *http.Request) { s.act(w, r, operator.Approve) }
func (s *server) pause(w http.ResponseWriter, r *http.Request)   { s.act(w, r, operator.Pause) }
func (s *server) resume(w http.ResponseWriter, r *http.Request)  { s.act(w, r, operator.Resume) }
func (s *server) abort(w http.ResponseWriter, r *http.Request)   { s.act(w, r, operator.Abort) }
func (s *server) retry(w http.ResponseWriter, r *http.Request)   { s.act(w, r, operator.Retry) }

// ActionResult is the answer (200) to an action that was recorded, or
// that had been done already. The field names are part of the API.
type ActionResult struct {
	// Result is "ok" for both: an action repeated is no failure.
	Result string `json:"result"`
	// Actor is who the audit records as acting: the caller.
	Actor string `json:"actor"`
	// Message says for people, in a sentence, what happened: `Paused the
	// rollout of 1.31.4 (by alice): "CVE triage".`, or, for an action done
	// already, who did it and when: "Already approved by alice at Tue 10
	// Mar 21:00 CET: 1.32.3 may enter stage prod."
	Message string `json:"message"`
	// Already is true when the action had been done before (approving an
	// approved target, pausing a paused rollout, aborting an aborted one):
	// nothing was recorded again.
	Already bool `json:"already,omitempty"`
}

// act decodes an action request and has package operator do it: it
// answers 200 with an ActionResult once the action is recorded or when it
// had been done already, or the error (see statusOf). GET the rollout or
// the status to see what changed.
func (s *server) act(w http.ResponseWriter, r *http.Request, kind operator.Kind) {
	req := operator.Request{Kind: kind, By: actor(r.Context()), Stage: r.PathValue("stage")}
	if kind != operator.Retry {
		t, err := target(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		req.Target = t
	}
	var body ActionRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		s.fail(w, r, badRequest("the body must be a JSON object with stage or reason where they apply: %v", err))
		return
	}
	if kind != operator.Retry {
		req.Stage = body.Stage
	}
	req.Reason = body.Reason
	out, err := operator.Do(r.Context(), s.o.Engine, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ActionResult{Result: "ok", Actor: req.By, Message: out.Message, Already: out.Already})
}

// Limits of a list's length (?limit=): the default, and the most one
// answer holds, so that no request makes the server build megabytes.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// limitOf reads ?limit=.
func limitOf(r *http.Request) (int, error) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > maxLimit {
		return 0, badRequest("limit must be a whole number from 1 to %d", maxLimit)
	}
	return n, nil
}

// actor is who the audit records as acting: the authenticated caller.
func actor(ctx context.Context) string {
	if id, ok := auth.From(ctx); ok {
		return id.Name
	}
	return "" // cannot happen behind guard; the engine then records "unknown"
}

func (s *server) audit(w http.ResponseWriter, r *http.Request) {
	q := store.AuditQuery{Stage: r.URL.Query().Get("stage"), Cluster: r.URL.Query().Get("cluster")}
	var err error
	if q.Limit, err = limitOf(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if ts := r.URL.Query().Get("target"); ts != "" {
		t, err := aksupgrade.ParseTarget(ts)
		if err != nil {
			s.fail(w, r, badRequest("%v", err))
			return
		}
		q.Target = t
	}
	entries, err := s.o.Store.Audit(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, orEmpty(entries))
}

// target reads the {target} of the path.
func target(r *http.Request) (aksupgrade.Target, error) {
	t, err := aksupgrade.ParseTarget(r.PathValue("target"))
	if err != nil {
		return t, badRequest("%v", err)
	}
	return t, nil
}

// EventView is an event as GET /api/v1/events shows it.
type EventView struct {
	store.Event
	// Summary says what the event means, in a line.
	Summary string `json:"summary"`
}

func (s *server) events(w http.ResponseWriter, r *http.Request) {
	limit, err := limitOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	evs, err := s.o.Store.Events(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]EventView, 0, len(evs))
	for _, e := range evs {
		out = append(out, EventView{Event: e, Summary: summarize(e)})
	}
	writeJSON(w, http.StatusOK, out)
}

// notices keeps, per cluster, its latest support event, as far as it
// still holds for what the cluster runs now (see current): a cluster
// upgraded past the minor an event named has no notice.
func (s *server) notices(ctx context.Context) ([]Notice, error) {
	evs, err := s.o.Store.Events(ctx, 2000)
	if err != nil {
		return nil, err
	}
	fleet, err := s.fleetNow(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := []Notice{}
	for _, e := range evs { // newest first
		if e.Type != aksupgrade.EventClusterSupportEnding && e.Type != aksupgrade.EventClusterSupportEnded {
			continue
		}
		key := strings.ToLower(e.Subject)
		if seen[key] {
			continue
		}
		seen[key] = true
		ev, _ := eventlog.Decode(e) // on error ev has no payload: it holds as it was, described by its type
		if ev, ok := current(ev, fleet); ok {
			out = append(out, Notice{Cluster: e.Subject, Type: string(e.Type), Time: e.Time, Summary: ev.Describe()})
		}
	}
	return out, nil
}

// Notifications is the answer of GET /api/v1/notifications: delivery
// counters per receiver since the process started, and the newest
// messages of the outbox with their state.
type Notifications struct {
	Receivers map[string]notify.ReceiverStats `json:"receivers"`
	Recent    []store.Outgoing                `json:"recent"`
}

func (s *server) notifications(w http.ResponseWriter, r *http.Request) {
	out := Notifications{Receivers: map[string]notify.ReceiverStats{}, Recent: []store.Outgoing{}}
	if s.o.NotifyStats != nil {
		out.Receivers = s.o.NotifyStats()
	}
	recent, err := s.o.Store.Notifications(r.Context(), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if recent != nil {
		out.Recent = recent
	}
	writeJSON(w, http.StatusOK, out)
}

// Webhook returns a handler that serves only the Event Grid webhook (and
// /healthz), for a listener of its own that Event Grid may reach without
// reaching the API.
func Webhook(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/eventgrid", h)
	mux.Handle("OPTIONS /webhooks/eventgrid", h)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		// A client that hung up gets nothing either way.
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}
