package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// clockSkew is how far the simulator's realNow may lie outside the local
// wall clock's reading around the request before serve decides the two
// hosts' clocks differ.
const clockSkew = 2 * time.Second

// simulatorClock reads the clock of the simulator at endpoint once (GET
// /simulator/v1/clock, see simulator.ClockInfo) and returns a clock that
// shows the same simulated time: the one the simulator showed at its
// realNow, running at its speed. On the simulator's host, whose wall
// clock both read, the two agree exactly for as long as they run, so
// serve reads the clock once and never corrects it: a service stopped and
// started again picks up the same simulated time. (A simulator started
// again begins its world anew at the scenario's start; restart the service
// with a new database then.) When realNow is not within the local wall
// clock's reading around the request, the hosts' clocks differ, and the
// clock is taken at the middle of the round trip instead. wall is the
// local wall clock.
func simulatorClock(ctx context.Context, hc *http.Client, endpoint string, wall func() time.Time) (*clock.Scaled, simulator.ClockInfo, error) {
	var info simulator.ClockInfo
	url := strings.TrimRight(endpoint, "/") + "/simulator/v1/clock"
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, info, fmt.Errorf("--arm-endpoint %q is not a URL such as http://127.0.0.1:8090: %w", endpoint, err)
	}
	sent := wall()
	resp, err := hc.Do(req)
	if err != nil {
		return nil, info, fmt.Errorf("--clock simulator: cannot read the simulator's clock: %w; is `aksupgrade simulator serve` listening at %s?", err, endpoint)
	}
	defer func() {
		// The body is read whole below; closing it frees the connection
		// and cannot lose anything.
		_ = resp.Body.Close()
	}()
	received := wall()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return nil, info, fmt.Errorf("--clock simulator: read GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, info, fmt.Errorf("--clock simulator: GET %s answered %s: %s is not aksupgrade's simulator (or one too old to tell its clock); against Azure, leave --clock at real", url, resp.Status, endpoint)
	}
	if err := json.Unmarshal(body, &info); err != nil || info.Now.IsZero() || info.RealNow.IsZero() {
		return nil, info, fmt.Errorf("--clock simulator: GET %s answered %.200q, not a clock such as {\"now\": ..., \"speed\": 600, \"realNow\": ...}", url, body)
	}
	if info.Speed <= 0 {
		return nil, info, fmt.Errorf("--clock simulator: the simulator at %s has a clock that moves only when stepped (speed %v): there is no time to follow; run it with `aksupgrade simulator serve --speed N`", endpoint, info.Speed)
	}
	since := info.RealNow
	if since.Before(sent.Add(-clockSkew)) || since.After(received.Add(clockSkew)) {
		since = sent.Add(received.Sub(sent) / 2)
	}
	return clock.NewScaledSince(info.Now, since, info.Speed), info, nil
}
