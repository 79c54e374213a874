package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

func newSimulator(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "simulator", Short: "The simulated Azure: run it alone"}
	var scenario, listen, webhook, schema string
	var speed float64
	serve := &cobra.Command{
		Use:   "serve --scenario FILE",
		Short: "Serve a simulated Azure Resource Manager (AKS) on a loopback address",
		Long: `simulator serve plays a scenario (clusters, regions and their versions, a
timeline of new versions and node images, faults) behind the subset of the ARM
REST API aksupgrade uses, on a clock running --speed times faster than real
time. Point aksupgrade at it with --arm-endpoint. It accepts any bearer token,
so it only listens on loopback addresses.`,
		Example: `  aksupgrade simulator serve --scenario examples/scenario.yaml --listen 127.0.0.1:8090 --speed 3600`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if speed <= 0 {
				return fmt.Errorf("--speed %v: want a positive number of simulated seconds per real second", speed)
			}
			host, _, err := net.SplitHostPort(listen)
			if err != nil {
				return fmt.Errorf("--listen %q: want HOST:PORT such as 127.0.0.1:8090", listen)
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return fmt.Errorf("--listen %q: the simulator accepts any token, so it serves loopback addresses only (127.0.0.1, ::1, localhost)", listen)
			}
			sc, err := simulator.LoadScenario(scenario)
			if err != nil {
				return failure("%v", err)
			}
			clk := clock.NewScaled(sc.Start, speed)
			sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc, Logger: slog.New(slog.NewTextHandler(e.stderr, nil))})
			if err != nil {
				return failure("%v", err)
			}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return failure("listen on %s: %v", listen, err)
			}
			srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
			if _, err := fmt.Fprintf(e.stdout, "Simulated Azure at http://%s (simulated time %s, %gx real time)\nUse it with: --arm-endpoint http://%s   (or AKSUPGRADE_ARM_ENDPOINT)\nRequests: http://%s/simulator/v1/requests   State: http://%s/simulator/v1/state\n",
				l.Addr(), sc.Start.Format(time.RFC3339), speed, l.Addr(), l.Addr(), l.Addr()); err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			delivery := sim.StartDelivery(ctx)
			// Everything started here ends with ctx, and is waited for.
			var running sync.WaitGroup
			if webhook != "" {
				running.Go(func() { subscribeWebhook(ctx, e, sim, webhook, schema) })
			}
			running.Go(func() {
				<-ctx.Done()
				<-delivery
				stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := srv.Shutdown(stop); err != nil {
					// Connections still open after 5s are cut; say so.
					_, _ = fmt.Fprintf(e.stderr, "simulator: shutdown: %v\n", err)
				}
			})
			err = srv.Serve(l)
			cancel()
			running.Wait()
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				return failure("%v", err)
			}
			return nil
		},
	}
	f := serve.Flags()
	f.StringVar(&scenario, "scenario", "examples/scenario.yaml", "scenario file (YAML)")
	f.StringVar(&listen, "listen", "127.0.0.1:8090", "loopback address to serve on")
	f.Float64Var(&speed, "speed", 60, "simulated seconds per real second")
	f.StringVar(&webhook, "event-webhook", "", "deliver the simulator's events, as Event Grid does, to this URL (such as http://127.0.0.1:8080/webhooks/eventgrid); the secret comes from AKSUPGRADE_WEBHOOK_SECRET")
	f.StringVar(&schema, "event-schema", "EventGrid", "EventGrid or CloudEvents")
	cmd.AddCommand(serve)
	return cmd
}

// subscribeWebhook subscribes the webhook once it answers its handshake,
// trying for a minute (the service may start after the simulator), until
// ctx ends.
func subscribeWebhook(ctx context.Context, e *env, sim *simulator.Simulator, url, schema string) {
	sub := simulator.EventSubscription{Name: "aksupgrade", Endpoint: url, Schema: schema, MaxEventsPerBatch: 10}
	if secrets := splitSecrets(lookupEnv("AKSUPGRADE_WEBHOOK_SECRET")); len(secrets) > 0 {
		sub.Headers = map[string]string{"X-Aksupgrade-Secret": secrets[0]}
	}
	var err error
	for range 30 {
		if _, err = sim.SubscribeContext(ctx, sub); err == nil {
			// Progress for a person watching; the subscription works without it.
			_, _ = fmt.Fprintf(e.stdout, "Delivering events to %s (%s schema)\n", url, schema)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	// Told to a person watching; the simulator serves ARM without it.
	_, _ = fmt.Fprintf(e.stderr, "cannot subscribe %s: %v\n", url, err)
}
