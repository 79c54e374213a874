package simulator

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
)

// TestClockEndpoint: GET /simulator/v1/clock answers the simulated time
// with the real time it belongs to and the speed, and moves with the
// simulator's clock.
func TestClockEndpoint(t *testing.T) {
	e := newEnv(t, "small.yaml")
	before := time.Now()
	var raw map[string]any
	getJSON(t, e.srv.URL+"/simulator/v1/clock", &raw)
	for _, k := range []string{"now", "speed", "realNow"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("the answer %v lacks %q", raw, k)
		}
	}
	var first ClockInfo
	getJSON(t, e.srv.URL+"/simulator/v1/clock", &first)
	after := time.Now()
	if !first.Now.Equal(e.sim.Start()) || first.Speed != 0 {
		t.Errorf("clock = %+v, want the scenario's start and speed 0 (a manual clock)", first)
	}
	if first.RealNow.Before(before.Truncate(time.Second)) || first.RealNow.After(after.Add(time.Second)) {
		t.Errorf("realNow %v is not the real time of the answer (between %v and %v)", first.RealNow, before, after)
	}
	e.clock.Advance(90 * time.Minute)
	var second ClockInfo
	getJSON(t, e.srv.URL+"/simulator/v1/clock", &second)
	if got := second.Now.Sub(first.Now); got != 90*time.Minute {
		t.Errorf("the clock moved %v on the endpoint, want 90m as the simulator's", got)
	}
}

// TestClockEndpointScaled: on a scaled clock the answer says its speed,
// and now is the clock's time at realNow exactly, so a reader can follow
// the clock.
func TestClockEndpointScaled(t *testing.T) {
	sc, err := LoadScenario("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A start without a monotonic reading: the answer's realNow, read back
	// from JSON, has none either, and both sides subtract wall times.
	clk := clock.NewScaledSince(sc.Start, time.Now().Round(0), 600)
	sim, err := New(Options{Clock: clk, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	var got ClockInfo
	getJSON(t, srv.URL+"/simulator/v1/clock", &got)
	if got.Speed != 600 || !got.Now.Equal(clk.At(got.RealNow)) {
		t.Errorf("clock = %+v, want speed 600 and now = the clock at realNow (%v)", got, clk.At(got.RealNow))
	}
}
