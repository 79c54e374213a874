package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/server"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// simulatorOn serves examples/scenario.yaml's simulated Azure over HTTP on
// clk.
func simulatorOn(t *testing.T, clk func(start time.Time) aksupgrade.Clock) (*httptest.Server, aksupgrade.Clock) {
	t.Helper()
	sc, err := simulator.LoadScenario(exampleScenario)
	if err != nil {
		t.Fatal(err)
	}
	c := clk(sc.Start)
	sim, err := simulator.New(simulator.Options{Clock: c, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return srv, c
}

// TestSimulatorClock: the clock serve follows shows what the simulator's
// shows at every real time; when the simulator's host clock is far off,
// it is taken at the middle of the round trip.
func TestSimulatorClock(t *testing.T) {
	var simClock *clock.Scaled
	srv, _ := simulatorOn(t, func(start time.Time) aksupgrade.Clock {
		// No monotonic reading, as after JSON: both sides subtract wall times.
		simClock = clock.NewScaledSince(start, time.Now().Round(0), 600)
		return simClock
	})
	clk, info, err := simulatorClock(t.Context(), srv.Client(), srv.URL, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if info.Speed != 600 || clk.Speed() != 600 {
		t.Errorf("speed %v, clock %v; want 600", info.Speed, clk.Speed())
	}
	for _, wall := range []time.Time{info.RealNow, info.RealNow.Add(time.Second), info.RealNow.Add(time.Hour)} {
		if got, want := clk.At(wall), simClock.At(wall); !got.Equal(want) {
			t.Errorf("at %v the service's clock shows %v, the simulator's %v", wall, got, want)
		}
	}

	// A host whose wall clock is a year ahead: its own reading around the
	// request is taken instead of the simulator's realNow.
	sent := time.Now().Round(0).Add(365 * 24 * time.Hour)
	readings := []time.Time{sent, sent.Add(2 * time.Second)}
	wall := func() time.Time {
		r := readings[0]
		readings = readings[1:]
		return r
	}
	clk, info, err = simulatorClock(t.Context(), srv.Client(), srv.URL, wall)
	if err != nil {
		t.Fatal(err)
	}
	if got := clk.At(sent.Add(time.Second)); !got.Equal(info.Now) {
		t.Errorf("at the middle of the round trip the clock shows %v, want the simulator's %v", got, info.Now)
	}
}

func TestSimulatorClockErrors(t *testing.T) {
	manual, _ := simulatorOn(t, func(start time.Time) aksupgrade.Clock { return clock.NewManual(start) })
	notSim := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notSim.Close)
	for _, tc := range []struct {
		endpoint, says string
	}{
		{manual.URL, "moves only when stepped (speed 0)"},
		{notSim.URL, "404 Not Found: " + notSim.URL + " is not aksupgrade's simulator"},
		{"http://127.0.0.1:1", "is `aksupgrade simulator serve` listening at http://127.0.0.1:1?"},
	} {
		_, _, err := simulatorClock(t.Context(), http.DefaultClient, tc.endpoint, time.Now)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v; want an error saying %q", tc.endpoint, err, tc.says)
		}
	}
}

// TestServeClockSimulator: `serve --arm-endpoint URL --clock simulator`
// runs on the simulator's simulated time, and so does the same service
// stopped and started again.
func TestServeClockSimulator(t *testing.T) {
	srv, simClock := simulatorOn(t, func(start time.Time) aksupgrade.Clock { return clock.NewScaled(start, 1) })
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	db := filepath.Join(t.TempDir(), "state.db")
	for run := range 2 {
		s := startServe(ctx, t, "serve", "--arm-endpoint", srv.URL, "--clock", "simulator", "--db", db,
			"--listen", "127.0.0.1:0", "--log-level", "error")
		before := simClock.Now()
		st := waitStatus(ctx, t, s, "status", func(*server.Status) bool { return true })
		after := simClock.Now()
		// The two clocks read the host's wall clock apart: a second of
		// slack for its rounding, at a speed of 1.
		if st.Now.Before(before.Add(-time.Second)) || st.Now.After(after.Add(time.Second)) {
			t.Errorf("run %d: the service's time is %v, want the simulator's, between %v and %v", run, st.Now, before, after)
		}
		if code := s.stop(); code != ExitOK {
			t.Errorf("run %d: serve ended with exit %d: %s", run, code, s.errOut)
		}
	}
}
