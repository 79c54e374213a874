package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/demo"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// simTime is how serve runs on simulated time: --simulator runs the
// simulated Azure in the same process, on the engine's clock; --clock
// simulator follows the clock of a simulator in a process of its own.
type simTime struct {
	scenario string  // --simulator
	speed    float64 // --speed
	clock    string  // --clock: real or simulator
}

// DefaultSimSpeed is serve --simulator's speed: a simulated hour every six
// seconds, so that examples/scenario.yaml's first rollout starts within
// the first real minute and a day of soak takes under three minutes.
const DefaultSimSpeed = 600

// Engine intervals on simulated time, as the demo has them: at 600x the
// fleet is listed every three real seconds and operations are polled five
// times a real second; the defaults (15m, 30s) would poll twenty times a
// real second for nothing.
const (
	simPollInterval    = 2 * time.Minute
	simObserveInterval = 30 * time.Minute
	simNotifyInterval  = 5 * time.Minute
)

func (s *simTime) flags(f *pflag.FlagSet) {
	f.StringVar(&s.scenario, "simulator", "", "run the simulated Azure of this scenario `FILE` in the same process (loopback only) with the engine on its clock: no Azure account needed; each run starts its world anew")
	f.Float64Var(&s.speed, "speed", DefaultSimSpeed, "with --simulator: simulated seconds per real second")
	f.StringVar(&s.clock, "clock", "real", "real, or simulator: run the engine on the clock of the simulator at --arm-endpoint (read from its GET /simulator/v1/clock at start)")
}

// usageError is a command-line mistake, said so that the fix is plain.
func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, msg: fmt.Sprintf(format, args...)}
}

// check refuses flags that do not go together. simClock is the hidden
// --simulated-clock; o.ARMEndpoint may come from AKSUPGRADE_ARM_ENDPOINT.
func (s *simTime) check(cmd *cobra.Command, o *app.Options, simClock string) error {
	changed := cmd.Flags().Changed
	if s.clock != "real" && s.clock != "simulator" {
		return usageError("--clock %q: want real (the default) or simulator", s.clock)
	}
	if s.scenario == "" {
		if o.PolicyPath == "" && s.clock != "simulator" {
			return usageError("give --policy FILE, the rollout policy (see examples/policy.yaml), or try the service without Azure: --simulator examples/scenario.yaml")
		}
		if changed("speed") {
			return usageError("--speed sets the speed of the simulator --simulator runs in this process: add --simulator FILE (a simulator in a process of its own has its own --speed, which --clock simulator follows)")
		}
		if s.clock == "simulator" && o.ARMEndpoint == "" {
			return usageError("--clock simulator follows the clock of the simulator the service talks to: add --arm-endpoint with its URL, such as --arm-endpoint http://127.0.0.1:8090 (where `aksupgrade simulator serve` listens by default)")
		}
		if s.clock == "simulator" && simClock != "" {
			return usageError("--clock simulator and --simulated-clock both set the engine's clock: give one of them")
		}
		return nil
	}
	if o.ARMEndpoint != "" {
		if changed("arm-endpoint") {
			return usageError("--simulator runs the simulated Azure in this process and --arm-endpoint points at another one: give --simulator FILE alone, or --arm-endpoint URL (with --clock simulator) for a simulator in a process of its own")
		}
		return usageError("--simulator runs the simulated Azure in this process, but AKSUPGRADE_ARM_ENDPOINT points at another one (%s): unset it, or drop --simulator", o.ARMEndpoint)
	}
	if s.speed <= 0 {
		return usageError("--speed %v: want a positive number of simulated seconds per real second, such as %d", s.speed, DefaultSimSpeed)
	}
	if s.clock == "simulator" {
		return usageError("--clock simulator is for a simulator in a process of its own (--arm-endpoint URL); with --simulator the engine already runs on the simulator's clock: drop --clock")
	}
	if simClock != "" {
		return usageError("--simulator runs the engine on the simulator's clock; drop --simulated-clock")
	}
	hook := o.Listen
	if o.WebhookListen != "" {
		hook = o.WebhookListen
	}
	if !isLoopback(hook) && len(o.WebhookSecrets) == 0 {
		return usageError("--simulator delivers the simulator's events to the Event Grid webhook at %s without a secret, which is safe on a loopback address only: listen on 127.0.0.1, or set AKSUPGRADE_WEBHOOK_SECRET", hook)
	}
	return nil
}

// simulatedIntervals puts the engine's intervals on simulated time, those
// the flags leave at their defaults.
func simulatedIntervals(cmd *cobra.Command, o *app.Options) {
	if !cmd.Flags().Changed("poll-interval") {
		o.PollInterval = simPollInterval
	}
	if !cmd.Flags().Changed("observe-interval") {
		o.ObserveInterval = simObserveInterval
	}
	o.NotifyInterval = simNotifyInterval
}

// isLoopback reports whether every address host:port names is a loopback
// address ("127.0.0.1:8080", "[::1]:8080", "localhost:8080").
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// apply puts the service on simulated time when the flags ask for it:
// with --simulator it starts the simulator in this process (returned, for
// serve to stop after the service), with --clock simulator it reads the
// clock of the one at --arm-endpoint.
func (s *simTime) apply(ctx context.Context, cmd *cobra.Command, o *app.Options) (*inProcessSimulator, error) {
	switch {
	case s.scenario != "":
		if err := freshDatabase(o.DBPath); err != nil {
			return nil, err
		}
		sim, err := startSimulator(s.scenario, s.speed, o.Logger.With("component", "simulator"))
		if err != nil {
			return nil, failure("%v", err)
		}
		o.ARMEndpoint, o.Clock, o.WebhookAnonymous = sim.url, sim.clock, true
		simulatedIntervals(cmd, o)
		if err := demoPolicy(o); err != nil {
			return nil, failure("%v", errors.Join(err, sim.stop(context.Background())))
		}
		return sim, nil
	case s.clock == "simulator":
		clk, info, err := simulatorClock(ctx, &http.Client{}, o.ARMEndpoint, time.Now)
		if err != nil {
			return nil, failure("%v", err)
		}
		o.Clock = clk
		simulatedIntervals(cmd, o)
		if err := demoPolicy(o); err != nil {
			return nil, failure("%v", err)
		}
		o.Logger.Info("the engine runs on the simulator's clock", "simulator", o.ARMEndpoint, "simulatedNow", info.Now, "speed", info.Speed)
	}
	return nil, nil
}

// demoPolicy gives a service on simulated time without --policy the
// demo's policy, written for examples/scenario.yaml (the world `aksupgrade
// demo` plays): patches flow sandbox → dev → test → prod on their own
// through daily windows, a minor waits for approval before prod, and dev
// probes each cluster's shop front end at the simulator.
func demoPolicy(o *app.Options) error {
	if o.PolicyPath != "" || o.Policy != nil {
		return nil
	}
	pol, err := policy.Parse("the demo's policy", demo.PolicyFor(o.ARMEndpoint), notify.Vocabulary())
	if err != nil {
		return fmt.Errorf("the demo's policy: %w", err)
	}
	o.Policy = pol
	o.Logger.Info("no --policy: the demo's policy runs, written for examples/scenario.yaml (aksupgrade demo plays the same)")
	return nil
}
