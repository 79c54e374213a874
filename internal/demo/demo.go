// Package demo is `aksupgrade demo`: the whole product on a laptop. It
// starts the simulated Azure in-process on a loopback port, SQLite in a
// temporary directory, and the engine on a scaled clock, then plays a
// story: a patch flows sandbox → dev → test → prod through windows and
// soak; after its upgrade an application in dev stops answering its
// probe, which halts dev before the patch goes further, and the demo
// fixes it and retries; a new minor is kept from a test cluster that
// still uses an API the minor removes, until the demo moves it off; the
// minor waits for approval before prod, which the demo gives after a
// pause. A live view shows it; a summary ends it.
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
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade/examples"
	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/console"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

//go:embed policy.yaml
var policyYAML []byte

// Options configure a demo run.
type Options struct {
	// Speed is simulated seconds per real second.
	Speed float64
	// Out receives the live view (Live) or plain lines.
	Out  io.Writer
	Live bool
	// Size reports the terminal's columns and rows, for the live view;
	// nil: 120 by 40.
	Size func() (cols, rows int, err error)
	// Pause is how long (real time) the demo lets a prompt stand before it
	// acts on it itself.
	Pause time.Duration
	// Limit is how much simulated time the story may take before the demo
	// gives up.
	Limit time.Duration
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
}

// DefaultSpeed plays the story (about four simulated days) in well under
// two minutes.
const DefaultSpeed = 5400

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

// Run plays the demo and returns its summary.
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.Speed <= 0 {
		o.Speed = DefaultSpeed
	}
	if o.Pause <= 0 {
		o.Pause = 3 * time.Second
	}
	if o.Limit <= 0 {
		o.Limit = 10 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	sc, err := simulator.ParseScenario("examples/scenario.yaml", examples.Scenario)
	if err != nil {
		return nil, err
	}
	clk := clock.NewScaled(sc.Start, o.Speed)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	pol, err := policy.Parse("demo policy", PolicyFor("http://"+l.Addr().String()), notify.Vocabulary())
	if err != nil {
		_ = l.Close() // the demo fails with the policy's error
		return nil, err
	}
	// The teardown below drops its errors: the simulator, the engine and
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

	dir, err := os.MkdirTemp("", "aksupgrade-demo-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	// Notifications go to a console receiver whose lines join the story.
	sink := &lineSink{}
	terminal, err := console.New("terminal", console.Config{Out: sink})
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, app.Options{Policy: pol, DBPath: filepath.Join(dir, "state.db"), ARMEndpoint: "http://" + l.Addr().String(),
		Clock: clk, Logger: o.Logger, PollInterval: 2 * time.Minute, ObserveInterval: 30 * time.Minute,
		Listen: "127.0.0.1:0", WebhookAnonymous: true,
		Receivers: map[string]notify.Receiver{"terminal": terminal}, NotifyInterval: 5 * time.Minute})
	if err != nil {
		return nil, err
	}
	defer func() { _ = a.Stop(context.Background()) }()
	if err := a.Start(ctx); err != nil {
		return nil, err
	}
	// The simulator acts as Event Grid too: what it publishes reaches the
	// service's webhook, handshake first, as from Azure.
	delivering, cancel := context.WithCancel(ctx)
	defer cancel()
	sim.StartDelivery(delivering)
	if _, err := sim.SubscribeContext(ctx, simulator.EventSubscription{Name: "aksupgrade-demo", Endpoint: "http://" + a.Addr() + "/webhooks/eventgrid",
		Schema: simulator.SchemaEventGrid, MaxEventsPerBatch: 10}); err != nil {
		return nil, fmt.Errorf("subscribe the webhook to the simulator's events: %w", err)
	}

	d := &director{o: o, app: a, sim: sim, clk: clk, pol: pol, start: sc.Start, prompts: map[string]time.Time{}, projected: map[string]time.Time{}}
	sink.set(func(line string) { d.notified(line) })
	return d.play(ctx)
}

// errLimit is returned when the story does not end within Options.Limit.
var errLimit = errors.New("the demo did not finish within its simulated time limit")

func fmtSim(t time.Time) string { return t.UTC().Format("Mon 01-02 15:04") }

func elapsed(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	return fmt.Sprintf("day %d %02d:%02d", days, int(d/time.Hour)%24, int(d/time.Minute)%60)
}

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
