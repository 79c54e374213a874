package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/server"
)

const exampleScenario = "../../examples/scenario.yaml"

// TestServeSimulatorMoves runs the README's first recipe in-process,
// `serve --simulator examples/scenario.yaml`, and watches the API until
// the fleet moves: a cluster upgrading, or a target rolling out.
func TestServeSimulatorMoves(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	s := startServe(ctx, t, "serve", "--simulator", exampleScenario, "--speed", "3600",
		"--db", filepath.Join(t.TempDir(), "try.db"), "--listen", "127.0.0.1:0", "--log-level", "error")
	for _, want := range []string{"Simulated Azure at http://127.0.0.1:", "simulated time from Mon 2025-06-02 00:00 UTC, 3600x real time", "API: " + s.base + "/api/v1/status"} {
		if !strings.Contains(s.out.String(), want) {
			t.Errorf("serve does not say %q:\n%s", want, s.out.String())
		}
	}
	st := waitStatus(ctx, t, s, "a cluster upgrading or a target rolling out", func(st *server.Status) bool {
		if st.Plan == nil {
			return false
		}
		for _, stage := range st.Plan.Stages {
			for _, c := range stage.Clusters {
				if c.State == planner.ClusterUpgrading {
					return true
				}
			}
			for _, tp := range stage.Targets {
				switch tp.State {
				case planner.TargetRolling, planner.TargetSoaking, planner.TargetProven:
					return true
				}
			}
		}
		return len(st.Steps) > 0
	})
	// The simulator's events reach the webhook, as Event Grid's would.
	waitFor(ctx, t, s, "event delivered to the webhook", func() (bool, string) {
		metrics, err := httpGetText(ctx, s.base+"/metrics")
		if err != nil {
			return false, err.Error()
		}
		for _, l := range strings.Split(metrics, "\n") {
			if strings.HasPrefix(l, "aksupgrade_eventgrid_events_stored_total ") && !strings.HasSuffix(l, " 0") {
				return true, l
			}
		}
		return false, metrics
	})
	if !st.Now.After(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)) || st.Now.After(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the service's time is %v, want the scenario's June 2025", st.Now)
	}
	if code := s.stop(); code != ExitOK {
		t.Errorf("serve ended with exit %d: %s", code, s.errOut.String())
	}
}

// startServe runs a serve command line in-process until stop (or the
// test's end), and waits until it says where its dashboard is.
func startServe(ctx context.Context, t *testing.T, args ...string) *serving {
	t.Helper()
	runCtx, cancel := context.WithCancel(context.Background())
	s := &serving{out: newLineWriter(), errOut: newLineWriter(), done: make(chan int, 1), cancel: cancel}
	go func() { s.done <- Run(runCtx, args, s.out, s.errOut) }()
	t.Cleanup(func() { s.stop() })
	for {
		if url, ok := s.out.after("Dashboard: "); ok {
			s.base = strings.TrimSuffix(url, "/")
			return s
		}
		select {
		case <-ctx.Done():
			t.Fatalf("serve did not say where its dashboard is: %v\n%s%s", ctx.Err(), s.out, s.errOut)
		case code := <-s.done:
			s.done <- code
			t.Fatalf("serve ended with exit %d before serving:\n%s%s", code, s.out, s.errOut)
		case <-s.out.wrote:
		}
	}
}

// serving is a serve command running in-process.
type serving struct {
	base        string // http://ADDR of the API and dashboard
	out, errOut *lineWriter
	done        chan int
	cancel      context.CancelFunc
	once        sync.Once
	code        int
}

// stop ends serve as Ctrl-C does and returns its exit code.
func (s *serving) stop() int {
	s.once.Do(func() {
		s.cancel()
		s.code = <-s.done
	})
	return s.code
}

// waitStatus polls the API's status until ok holds, and fails the test
// when ctx ends first.
func waitStatus(ctx context.Context, t *testing.T, s *serving, what string, ok func(*server.Status) bool) *server.Status {
	t.Helper()
	var st *server.Status
	waitFor(ctx, t, s, what, func() (bool, string) {
		var err error
		if st, err = getStatus(ctx, s.base); err != nil {
			return false, err.Error()
		}
		b, err := json.Marshal(st)
		if err != nil {
			return false, err.Error()
		}
		return ok(st), string(b)
	})
	return st
}

// waitFor polls done until it holds, and fails the test when ctx ends
// first, with what done saw last.
func waitFor(ctx context.Context, t *testing.T, s *serving, what string, done func() (bool, string)) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := done()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no %s before %v; last seen: %.3000s\nserve's log:\n%.3000s", what, ctx.Err(), last, s.errOut)
		case <-tick.C:
		}
	}
}

func getStatus(ctx context.Context, base string) (*server.Status, error) {
	body, err := httpGetText(ctx, base+"/api/v1/status")
	if err != nil {
		return nil, err
	}
	var st server.Status
	return &st, json.Unmarshal([]byte(body), &st)
}

func httpGetText(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), nil
}

// lineWriter collects what a command running in another goroutine
// writes, and signals each write.
type lineWriter struct {
	mu    sync.Mutex
	text  strings.Builder
	wrote chan struct{}
}

func newLineWriter() *lineWriter { return &lineWriter{wrote: make(chan struct{}, 1)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.text.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.text.String()
}

// after returns the rest of the first whole line that starts with prefix.
func (w *lineWriter) after(prefix string) (string, bool) {
	text := w.String()
	text = text[:strings.LastIndexByte(text, '\n')+1]
	for _, l := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			return rest, true
		}
	}
	return "", false
}

// TestServeFlagErrors: flags that do not go together are refused, saying
// what to do, before anything starts.
func TestServeFlagErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "state.db")
	used := filepath.Join(dir, "used.db")
	if err := os.WriteFile(used, []byte("SQLite format 3\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--simulator", exampleScenario, "--arm-endpoint", "http://127.0.0.1:8090"}, ExitUsage, "--simulator runs the simulated Azure in this process and --arm-endpoint points at another one"},
		{[]string{"--policy", examplePolicy, "--clock", "simulator"}, ExitUsage, "add --arm-endpoint with its URL, such as --arm-endpoint http://127.0.0.1:8090"},
		{[]string{"--policy", examplePolicy, "--clock", "wall"}, ExitUsage, `--clock "wall": want real (the default) or simulator`},
		{[]string{"--policy", examplePolicy, "--speed", "100"}, ExitUsage, "add --simulator FILE"},
		{[]string{"--simulator", exampleScenario, "--speed", "0"}, ExitUsage, "--speed 0: want a positive number"},
		{[]string{"--simulator", exampleScenario, "--clock", "simulator"}, ExitUsage, "with --simulator the engine already runs on the simulator's clock: drop --clock"},
		{[]string{"--simulator", exampleScenario, "--simulated-clock", "2025-06-02T00:00:00Z,2026-01-01T00:00:00Z,60"}, ExitUsage, "drop --simulated-clock"},
		{[]string{"--arm-endpoint", "http://127.0.0.1:8090", "--clock", "simulator", "--simulated-clock", "2025-06-02T00:00:00Z,2026-01-01T00:00:00Z,60"}, ExitUsage, "give one of them"},
		{[]string{"--simulator", exampleScenario, "--listen", "0.0.0.0:0"}, ExitUsage, "safe on a loopback address only: listen on 127.0.0.1, or set AKSUPGRADE_WEBHOOK_SECRET"},
		{nil, ExitUsage, "give --policy FILE, the rollout policy (see examples/policy.yaml), or try the service without Azure: --simulator examples/scenario.yaml"},
		{[]string{"--simulator", exampleScenario, "--db", used}, ExitFailure, "--db " + used + " holds an earlier run"},
		{[]string{"--simulator", filepath.Join(dir, "missing.yaml")}, ExitFailure, "--simulator: read scenario"},
		{[]string{"--arm-endpoint", "http://127.0.0.1:1", "--clock", "simulator"}, ExitFailure, "cannot read the simulator's clock"},
	} {
		args := append([]string{"serve", "--db", db}, tc.args...)
		code, out, errOut := run(t, args...)
		if code != tc.code || !strings.Contains(errOut, tc.says) {
			t.Errorf("%v: exit %d, %q %q; want exit %d saying %q", tc.args, code, out, errOut, tc.code, tc.says)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a refused command created %s", db)
	}
}
