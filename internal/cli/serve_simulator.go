package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// inProcessSimulator is the simulated Azure that serve --simulator runs
// beside the engine: on a loopback port of its own, on the clock the
// engine runs on, delivering its events to the service's webhook as
// Event Grid does.
type inProcessSimulator struct {
	sim   *simulator.Simulator
	clock *clock.Scaled
	start time.Time
	url   string

	srv    *http.Server
	served chan struct{} // closed when srv.Serve has returned
	// cancel ends the event delivery; delivered is closed when it has.
	cancel    context.CancelFunc
	delivered <-chan struct{}
}

// startSimulator loads the scenario and serves its simulated Azure on
// 127.0.0.1 (any free port), on a clock that shows the scenario's start
// now and runs speed times faster than real time.
func startSimulator(scenario string, speed float64, log *slog.Logger) (*inProcessSimulator, error) {
	sc, err := simulator.LoadScenario(scenario)
	if err != nil {
		return nil, fmt.Errorf("--simulator: %w", err)
	}
	clk := clock.NewScaled(sc.Start, speed)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("--simulator %s: %w", scenario, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("--simulator: listen on a loopback port: %w", err)
	}
	p := &inProcessSimulator{sim: sim, clock: clk, start: sc.Start, url: "http://" + l.Addr().String(),
		srv: &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}, served: make(chan struct{})}
	go func() {
		defer close(p.served)
		if err := p.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			// The engine cannot reach Azure any more: its steps fail and
			// say so in the status; the log says why.
			log.Error("the simulator stopped serving", "err", err)
		}
	}()
	return p, nil
}

// deliver starts delivering the simulator's events to the webhook at
// endpoint, with the first of secrets if there are any, until stop. The
// webhook must be listening: the subscription's handshake runs now.
func (p *inProcessSimulator) deliver(ctx context.Context, endpoint string, secrets []string) error {
	ctx, p.cancel = context.WithCancel(ctx)
	p.delivered = p.sim.StartDelivery(ctx)
	sub := simulator.EventSubscription{Name: "aksupgrade", Endpoint: endpoint, Schema: simulator.SchemaEventGrid, MaxEventsPerBatch: 10}
	if len(secrets) > 0 {
		sub.Headers = map[string]string{"X-Aksupgrade-Secret": secrets[0]}
	}
	if _, err := p.sim.SubscribeContext(ctx, sub); err != nil {
		return fmt.Errorf("subscribe the webhook %s to the simulator's events: %w", endpoint, err)
	}
	return nil
}

// stop ends the event delivery and the simulator's server, and waits for
// both.
func (p *inProcessSimulator) stop(ctx context.Context) error {
	if p.cancel != nil {
		p.cancel()
		<-p.delivered
	}
	err := p.srv.Shutdown(ctx)
	<-p.served
	if err != nil {
		return fmt.Errorf("stop the simulator: %w", err)
	}
	return nil
}

// freshDatabase refuses a SQLite file left from an earlier run: each
// --simulator run starts its simulated world anew, at the scenario's
// start, and a database that remembers another world (rollouts proven,
// operations in flight, times still to come) would make no sense of it.
// A PostgreSQL database is not looked into.
func freshDatabase(db string) error {
	if app.IsPostgres(db) {
		return nil
	}
	fi, err := os.Stat(db)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return failure("--db %s: %v", db, err)
	}
	if fi.Size() == 0 {
		return nil
	}
	return failure("--db %s holds an earlier run: --simulator starts the simulated world anew each time, at the scenario's start, so it needs a new database. Remove it (rm %s*) or give another --db.", db, db)
}

// printServing tells the person who started serve where to look: the
// simulator, when it runs here, and the dashboard and API at base.
func printServing(e *env, base string, sim *inProcessSimulator) error {
	var b strings.Builder
	if sim != nil {
		fmt.Fprintf(&b, "Simulated Azure at %s (simulated time from %s, %gx real time: a simulated hour every %s)\n",
			sim.url, sim.start.UTC().Format("Mon 2006-01-02 15:04 MST"), sim.clock.Speed(), (time.Duration(float64(time.Hour) / sim.clock.Speed())).Round(time.Millisecond))
		fmt.Fprintf(&b, "The simulator's own view: %s/simulator/v1/state\n", sim.url)
	}
	fmt.Fprintf(&b, "Dashboard: %s/\n", base)
	fmt.Fprintf(&b, "API: %s/api/v1/status   (aksupgrade status --server %s)\n", base, base)
	_, err := io.WriteString(e.stdout, b.String())
	return err
}
