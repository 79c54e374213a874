package demo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDemoStory plays the demo twice at once, at two speeds, and checks
// its story: the patch and the minor proven in every stage, dev's probe
// halt told and retried, the test cluster kept from the minor by its
// preflight gates and fixed, the approval asked and given, no request
// throttled; every line's time no earlier than the line before; the
// halt's long error shown in full once; and the same story, line for
// line, at both speeds. The faster run ends with the summary; the other
// keeps the service answering after it until its context ends. It runs
// on real time (a paced clock), so it is skipped in -short runs.
func TestDemoStory(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the demo on a paced real-time clock")
	}
	type run struct {
		speed  float64
		keep   bool
		out    *watchedBuffer
		s      *Summary
		err    error
		served error // what asking the service after the summary found
	}
	runs := []*run{{speed: 15000, keep: true}, {speed: 1e6}}
	var wg sync.WaitGroup
	for _, r := range runs {
		r.out = newWatchedBuffer("\nSUMMARY")
		ctx, cancel := context.WithCancel(t.Context())
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancel()
			r.s, r.err = Run(ctx, Options{Speed: r.speed, Out: r.out, Keep: r.keep})
		}()
		if !r.keep {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
				return // the story failed
			case <-r.out.seen:
			}
			defer cancel()
			r.served = stillServes(ctx, r.out.String())
		}()
	}
	wg.Wait()
	for _, r := range runs {
		if r.err != nil {
			t.Fatalf("at %g×: %v\n%s", r.speed, r.err, r.out.String())
		}
	}
	if err := runs[0].served; err != nil {
		t.Errorf("after the summary, with Keep: %v", err)
	}

	s, text := runs[0].s, runs[0].out.String()
	for _, st := range []string{"sandbox", "dev", "test", "prod"} {
		for _, v := range []string{"1.31.5", "1.32.3"} {
			if !slices.Contains(s.Proven[st], v) {
				t.Errorf("%s not proven in %s: %v", v, st, s.Proven[st])
			}
		}
	}
	for _, want := range []string{
		"Dashboard: http://127.0.0.1:",
		// dev-weu-01's front end stops answering after its upgrade: its
		// probe halts dev, the demo repairs it and retries. The error is
		// told in full once, then shortened.
		"dev halted on 1.31.5: dev-weu-01 failed: postflight gates failed on dev-weu-01 after its upgrade to 1.31.5: probe shop-web: GET http://127.0.0.1:",
		"Stage dev HALTED: postflight gates failed on dev-weu-01 after its upgrade to 1.31.5 (in full above)",
		"What failed: postflight gates failed on dev-weu-01 after its upgrade to 1.31.5 (in full above)",
		"The demo repairs the shop's front end on dev-weu-01",
		"dev retried by demo",
		// test-weu-01 uses an API 1.32 removes: it waits, untouched.
		"test-weu-01 WAITS, untouched, for 1.32.3: waiting for preflight gates: deprecatedAPIs",
		"UpgradeBlockedOnDeprecatedAPIUsage",
		"The demo moves the client on test-weu-01 off flowcontrol.apiserver.k8s.io/v1beta3 flowschemas",
		"APPROVAL NEEDED: awaiting approval for minor upgrade 1.31 → 1.32 (1.32.3) in prod",
		"1.32.3 approved for prod by demo",
		"1.32.3 proven in prod",
		// sbx-weu-02 is out of support: one whole-cluster upgrade takes
		// it back, into 1.30.
		"sbx-weu-02 in sandbox towards 1.30.10: done: verified: 1.30.10 on the control plane and every pool",
		// prod-neu-03 has AKS's patch channel on: a conflict, left alone.
		"CONFLICT prod-neu-03: AKS auto-upgrade channel is \"patch\"",
		"✉ [INFO ] Rollout of 1.31.5 started in sandbox",    // a notification, as the console receiver prints it
		"✉ [WARN ] 1.32.3 waits for approval to enter prod", // the approval-needed notification
		"  prod     proven: 1.31.5, 1.32.3\n",
		"The service and the simulated Azure keep running",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the story does not tell %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "answered 503, want 200"); n != 1 {
		t.Errorf("the probe's error is shown in full %d times, want once", n)
	}
	// The halt in dev keeps 1.31.5 from test until the retry.
	halt, retry, test := strings.Index(text, "Stage dev HALTED"), strings.Index(text, "dev retried by demo"), strings.Index(text, "1.31.5 started in test")
	if halt < 0 || retry < halt || test < retry {
		t.Errorf("1.31.5 started in test at offset %d, dev halted at %d and was retried at %d: want test after the retry", test, halt, retry)
	}
	if s.Throttled != 0 {
		t.Errorf("%d requests throttled", s.Throttled)
	}
	if len(s.Projections) == 0 {
		t.Error("no projection compared with the outcome")
	}
	checkMonotonic(t, text)

	// The same story at both speeds: the clock stands still while the
	// service works, so how long the work takes in real time changes
	// nothing simulated.
	fast := runs[1]
	if diff := cmp.Diff(storyLines(text), storyLines(fast.out.String())); diff != "" {
		t.Errorf("the story at %g× and at %g× differs (-%g× +%g×):\n%s", runs[0].speed, fast.speed, runs[0].speed, fast.speed, diff)
	}
	if diff := cmp.Diff(s.Proven, fast.s.Proven); diff != "" {
		t.Errorf("proven per stage differs between the speeds:\n%s", diff)
	}
	if s.Makespan != fast.s.Makespan {
		t.Errorf("makespan %s at %g×, %s at %g×: want the same", span(s.Makespan), runs[0].speed, span(fast.s.Makespan), fast.speed)
	}
	t.Logf("makespan %s at both speeds; real time %s at %g×, %s at %g×", span(s.Makespan), span(s.Real), runs[0].speed, span(fast.s.Real), fast.speed)
}

// stillServes asks the service for its status at the API address the
// demo printed.
func stillServes(ctx context.Context, out string) error {
	m := regexp.MustCompile(`API: +(http://\S+)`).FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("no API address printed:\n%s", out)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m[1], nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the service does not answer: %w", err)
	}
	defer func() { _ = resp.Body.Close() }() // the status says enough
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s answered %s", m[1], resp.Status)
	}
	return nil
}

var stamp = regexp.MustCompile(`(?m)^\[day (\d+) (\d\d):(\d\d)\] `)

// checkMonotonic fails t when a line of the story is stamped earlier
// than the line before it.
func checkMonotonic(t *testing.T, text string) {
	t.Helper()
	prev, prevLine := -1, ""
	for _, line := range strings.Split(text, "\n") {
		m := stamp.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		day, _ := strconv.Atoi(m[1]) // the pattern took digits
		h, _ := strconv.Atoi(m[2])
		m2, _ := strconv.Atoi(m[3])
		at := (day*24+h)*60 + m2
		if at < prev {
			t.Errorf("time goes backwards:\n%s\n%s", prevLine, line)
		}
		prev, prevLine = at, line
	}
}

var loopbackPort = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// storyLines are the story's lines as both runs should tell them: the
// loopback ports (each run's own) and the first line (which names the
// speed) left out.
func storyLines(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "SUMMARY") {
			break
		}
		if strings.Contains(line, "» aksupgrade demo:") || strings.HasPrefix(line, "Dashboard:") || strings.HasPrefix(line, "API:") {
			continue
		}
		out = append(out, loopbackPort.ReplaceAllString(line, "127.0.0.1:PORT"))
	}
	return out
}

// watchedBuffer is a buffer written from the story's goroutine and read
// from the test's; seen closes once what it watches for is written.
type watchedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	watch string
	seen  chan struct{}
}

func newWatchedBuffer(watch string) *watchedBuffer {
	return &watchedBuffer{watch: watch, seen: make(chan struct{})}
}

func (w *watchedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.b.String(), w.watch)
	n, err := w.b.Write(p)
	if !had && strings.Contains(w.b.String(), w.watch) {
		close(w.seen)
	}
	return n, err
}

func (w *watchedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
