// Package dashboard is aksupgrade's web dashboard: pages rendered on the
// server with html/template from embedded files (no build step), readable
// without JavaScript, kept live by a small script that follows a
// server-sent event stream (/live) and swaps in the page's new content.
//
// Pages: the fleet matrix (/), the timeline (/timeline, its chart as SVG
// at /timeline.svg), rollouts (/rollouts, /rollouts/{target}), what waits
// on a person (/approvals) and events and notifications (/events). The
// buttons post forms to the same engine actions the JSON API calls; the
// server (package server) authenticates every page and form with the
// API's authenticator, from a session cookie the sign-in page sets, and
// Forms checks each form against cross-site requests.
package dashboard

import (
	"embed"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/operator"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Engine is what the pages read of the engine and the actions its buttons
// take: the same methods the API's routes call.
type Engine interface {
	LastPlan() (*planner.Result, error)
	AzureMaintenance(now time.Time) []engine.Maintenance
	LastError() (time.Time, error)
	operator.Engine
}

// Span is a period of time, [Start, End).
type Span struct{ Start, End time.Time }

// Options configure the dashboard.
type Options struct {
	Engine Engine
	Store  store.Store
	Clock  aksupgrade.Clock
	Logger *slog.Logger
	// Windows returns the openings of a stage's maintenance window that
	// overlap [from, to), for the timeline; nil, or nil for a stage, draws
	// none (a stage that uses each cluster's own window).
	Windows func(stage string, from, to time.Time) []Span
	// Zone is the time zone a stage's times are shown in (its window's);
	// nil, or nil for a stage: UTC.
	Zone func(stage string) *time.Location
	// NotifyStats gives delivery counters per receiver; nil when
	// notifications are off.
	NotifyStats func() map[string]notify.ReceiverStats
	// LiveEvery is how often (real time) /live looks for a change to tell
	// the open pages; zero: every two seconds.
	LiveEvery time.Duration
	// SignIn says whether people sign in with a token (false when
	// everybody is let in, as anonymous).
	SignIn bool
}

// Dashboard serves the pages.
type Dashboard struct {
	o     Options
	log   *slog.Logger
	pages map[string]*template.Template
}

// New parses the templates; it fails only on a template error, which the
// tests catch.
func New(o Options) (*Dashboard, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.LiveEvery <= 0 {
		o.LiveEvery = 2 * time.Second
	}
	d := &Dashboard{o: o, log: o.Logger}
	pages, err := parseTemplates(d.funcs())
	if err != nil {
		return nil, err
	}
	d.pages = pages
	return d, nil
}

// Route is one route of the dashboard, the role its caller needs, and
// whether it is a form that changes something (the server checks those
// against cross-site requests and limits them per caller).
type Route struct {
	Pattern string
	Role    auth.Role
	Form    bool
	Handler http.HandlerFunc
}

// Routes are the dashboard's authenticated routes. Sign-in, sign-out and
// the static files are not among them: see Public.
func (d *Dashboard) Routes() []Route {
	return []Route{
		{"GET /{$}", auth.Viewer, false, d.fleet},
		{"GET /timeline", auth.Viewer, false, d.timeline},
		{"GET /timeline.svg", auth.Viewer, false, d.timelineSVG},
		{"GET /rollouts", auth.Viewer, false, d.rollouts},
		{"GET /rollouts/{target}", auth.Viewer, false, d.rollout},
		{"GET /approvals", auth.Viewer, false, d.approvals},
		{"GET /events", auth.Viewer, false, d.events},
		{"GET /live", auth.Viewer, false, d.live},
		{"POST /rollouts/{target}/approve", auth.Operator, true, d.approve},
		{"POST /rollouts/{target}/pause", auth.Operator, true, d.pause},
		{"POST /rollouts/{target}/resume", auth.Operator, true, d.resume},
		{"POST /rollouts/{target}/abort", auth.Operator, true, d.abort},
		{"POST /stages/{stage}/retry", auth.Operator, true, d.retry},
	}
}
