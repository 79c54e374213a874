// Package demo is `aksupgrade demo`: the whole product on a laptop. It
// starts the simulated Azure in-process on a loopback port, SQLite in a
// temporary directory, and the service (engine, notifier, API and
// dashboard, Event Grid webhook) on a simulated clock, then plays a
// story: a patch flows sandbox → dev → test → prod through windows and
// soak; after its upgrade an application in dev stops answering its
// probe, which halts dev before the patch goes further, and the demo
// fixes it and retries; a new minor is kept from a test cluster that
// still uses an API the minor removes, until the demo moves it off; the
// minor waits for approval before prod, which the demo gives after a
// pause. A live view (or plain lines) shows it; a summary ends it; the
// service and the simulator then keep running until interrupted.
//
// The demo steps the engine, the notifier and Event Grid's deliveries
// itself, on a clock that stands still while they work (see story.go),
// so that a seed plays the same story at any speed.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade/examples"
	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/console"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

//go:embed policy.yaml
var policyYAML []byte

// Options configure a demo run. The zero value plays the story at the
// default speed, prints plain lines to nowhere, and returns after the
// summary.
type Options struct {
	// Speed is simulated seconds per real second, while nothing works.
	Speed float64
	// Out receives the live view (Live) or plain lines, then the summary.
	Out  io.Writer
	Live bool
	// Size reports the terminal's columns and rows, for the live view;
	// nil: 120 by 40.
	Size func() (cols, rows int, err error)
	// Pause is how long (simulated time) the person in the story takes
	// to act on a prompt: a halt, a gate, an approval. Default 4h.
	Pause time.Duration
	// Limit is how much simulated time the story may take before the demo
	// gives up.
	Limit time.Duration
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
	// Listen is the address of the service's API and dashboard, a
	// loopback address; when it is taken, a free port on the same host.
	// Empty: a free port on 127.0.0.1.
	Listen string
	// DB is the SQLite file the service keeps its state in; it must not
	// exist yet. Empty: a file in a temporary directory, removed at the
	// end.
	DB string
	// Keep keeps the service and the simulator running after the
	// summary, until ctx ends.
	Keep bool
}

// DefaultSpeed plays the story (about five simulated days) in about
// eighty seconds.
const DefaultSpeed = 5400

// DefaultPause is how long the person in the story takes to act.
const DefaultPause = 4 * time.Hour

// Scenario and Policy are the demo's built-in files, for people who want
// to run the same story by hand. The policy probes the simulator at
// SimulatorURL, where `aksupgrade simulator` listens by default.
func Scenario() []byte { return examples.Scenario }
func Policy() []byte   { return policyYAML }

// SimulatorURL is the simulator's address in Policy.
const SimulatorURL = "http://127.0.0.1:8090"

// PolicyFor is Policy with its probes pointed at the simulator at url.
func PolicyFor(url string) []byte {
	return bytes.ReplaceAll(policyYAML, []byte(SimulatorURL+"/"), []byte(strings.TrimSuffix(url, "/")+"/"))
}

// Run plays the demo and returns its summary, once written to Out; with
// Keep, once ctx ends after that.
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.Speed <= 0 {
		o.Speed = DefaultSpeed
	}
	if o.Pause <= 0 {
		o.Pause = DefaultPause
	}
	if o.Limit <= 0 {
		o.Limit = 10 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	sc, err := simulator.ParseScenario("examples/scenario.yaml", examples.Scenario)
	if err != nil {
		return nil, err
	}
	clk := newStoryClock(sc.Start, o.Speed)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the simulator: %w", err)
	}
	// The teardown below drops its errors: the simulator, the service and
	// the database in a temporary directory are the demo's own and thrown
	// away, and by then the story has been told or has failed with its
	// own error.
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		// Serve ends with http.ErrServerClosed when the demo closes it.
		// Any other end (the loopback listener failing) leaves the engine
		// unable to reach the simulator: the story stalls and ends with
		// errLimit.
		_ = srv.Serve(l)
	}()
	defer func() { _ = srv.Close() }()
	pol, err := policy.Parse("demo policy", PolicyFor("http://"+l.Addr().String()), notify.Vocabulary())
	if err != nil {
		return nil, err
	}
	db, err := database(o.DB)
	if err != nil {
		return nil, err
	}
	defer db.remove()
	api, err := listen(o.Listen)
	if err != nil {
		return nil, err
	}
	// Notifications go to a console receiver whose lines join the story.
	sink := &lineSink{}
	terminal, err := console.New("terminal", console.Config{Out: sink})
	if err != nil {
		_ = api.Close() // the demo fails with the receiver's error
		return nil, err
	}
	a, err := app.New(ctx, app.Options{Policy: pol, DBPath: db.path, ARMEndpoint: "http://" + l.Addr().String(),
		Clock: clk, Logger: o.Logger, PollInterval: pollEvery, ObserveInterval: observeEvery, WebhookAnonymous: true,
		Receivers: map[string]notify.Receiver{"terminal": terminal}, NotifyInterval: notifyEvery})
	if err != nil {
		_ = api.Close() // the demo fails with the service's error
		return nil, err
	}
	defer func() { _ = a.Stop(context.Background()) }()
	// The service's API, dashboard and webhook, served here rather than by
	// a.Start: the story steps the engine and the notifier itself.
	wake := make(chan struct{}, 1)
	web := serveApp(a.Handler(), wake)
	go func() {
		// Serve ends with http.ErrServerClosed when the demo closes it;
		// any other end leaves the webhook unreachable, which the story
		// tells as failed deliveries.
		_ = web.Serve(api)
	}()
	defer func() { _ = web.Close() }()
	at := linksOf(api.Addr().String())
	if !o.Live {
		if _, err := io.WriteString(o.Out, at.String()); err != nil {
			return nil, fmt.Errorf("write the demo's output: %w", err)
		}
	}
	// The simulator acts as Event Grid too: what it publishes reaches the
	// service's webhook, handshake first, as from Azure.
	if _, err := sim.SubscribeContext(ctx, simulator.EventSubscription{Name: "aksupgrade-demo", Endpoint: "http://" + api.Addr().String() + webhookPath,
		Schema: simulator.SchemaEventGrid, MaxEventsPerBatch: 10}); err != nil {
		return nil, fmt.Errorf("subscribe the webhook to the simulator's events: %w", err)
	}

	t := &teller{clock: clk, start: sc.Start}
	if !o.Live {
		t.out = o.Out
	}
	d := newDirector(o, a, sim, clk, pol, sc.Start, t)
	d.links = at
	sink.set(d.notified)
	d.say("aksupgrade demo: %d clusters in %d stages, simulated Azure at %g× real time (one simulated hour every %.1fs).",
		len(sim.Fleet().Clusters), len(pol.Stages), o.Speed, 3600/o.Speed)
	return d.play(ctx, wake)
}

// errLimit is returned when the story does not end within Options.Limit.
var errLimit = errors.New("the demo did not finish within its simulated time limit")

// lineSink hands each line written to it to a function, set once the
// story's director exists.
type lineSink struct {
	mu   sync.Mutex
	buf  []byte
	line func(string)
}

func (s *lineSink) set(f func(string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.line = f
}

func (s *lineSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if l := strings.TrimRight(string(s.buf[:i]), " "); l != "" && s.line != nil {
			s.line(l)
		}
		s.buf = s.buf[i+1:]
	}
}
