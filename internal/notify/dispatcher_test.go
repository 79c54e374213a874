package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// recorder is a receiver that keeps what it got: every call, and each
// key once (as a receiver that dedupes by key would show it). fail, when
// set, decides the answer of each call.
type recorder struct {
	name string
	mu   sync.Mutex
	// calls are the keys of every Send, in order; unique each key once.
	calls, unique []string
	seen          map[string]bool
	fail          func(m notify.Message) error
	sent          chan string
}

func newRecorder(name string) *recorder {
	return &recorder{name: name, seen: map[string]bool{}}
}

// newHook is a receiver named hook that also reports each key it gets on
// sent, for tests of a running loop.
func newHook() *recorder {
	r := newRecorder("hook")
	r.sent = make(chan string, 10)
	return r
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Send(ctx context.Context, m notify.Message) error {
	r.mu.Lock()
	fail := r.fail
	r.calls = append(r.calls, m.Key)
	r.mu.Unlock()
	if fail != nil {
		if err := fail(m); err != nil {
			return err
		}
	}
	r.mu.Lock()
	if !r.seen[m.Key] {
		r.seen[m.Key] = true
		r.unique = append(r.unique, m.Key)
	}
	r.mu.Unlock()
	if r.sent != nil {
		r.sent <- m.Key
	}
	return nil
}

func (r *recorder) got() (calls, unique []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...), append([]string(nil), r.unique...)
}

func openStore(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func enqueue(t testing.TB, s store.Store, now time.Time, receiver string, keys ...string) {
	t.Helper()
	var os []store.Outgoing
	for _, k := range keys {
		os = append(os, notify.NewOutgoing(receiver, notify.Message{Key: k, Kind: notify.KindStageProven, Summary: "about " + k, Time: now}, now, now))
	}
	if err := s.EnqueueNotifications(t.Context(), os); err != nil {
		t.Fatal(err)
	}
}

func newDispatcher(t testing.TB, s store.Store, clk *clock.Manual, o notify.DispatcherOptions, rs ...notify.Receiver) *notify.Dispatcher {
	t.Helper()
	o.Store, o.Clock, o.Receivers = s, clk, map[string]notify.Receiver{}
	for _, r := range rs {
		o.Receivers[r.Name()] = r
	}
	d, err := notify.NewDispatcher(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	return d
}

func deliver(t testing.TB, d *notify.Dispatcher) (sent, failed int) {
	t.Helper()
	sent, failed, err := d.DeliverDue(t.Context())
	if err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
	return sent, failed
}

func entry(t *testing.T, s store.Store, key string) store.Outgoing {
	t.Helper()
	all, err := s.Notifications(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range all {
		if o.Key == key {
			return o
		}
	}
	t.Fatalf("no entry %s", key)
	return store.Outgoing{}
}

// TestDispatcherRestart: the process dies after a receiver accepted a
// message and before the outbox recorded it. After a restart (store
// reopened, new dispatcher), every message reaches the receiver: exactly
// once for a receiver that dedupes by key, at least once in calls.
func TestDispatcherRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aksupgrade.db")
	s := openStore(t, path)
	clk := clock.NewManual(t0)
	hook := newRecorder("hook")
	enqueue(t, s, t0, "hook", "k1", "k2", "k3")
	hook.fail = func(m notify.Message) error {
		if m.Key == "k2" {
			s.Close() // the crash: k2 is delivered, its MarkSent cannot be
		}
		return nil
	}
	d1 := newDispatcher(t, s, clk, notify.DispatcherOptions{}, hook)
	sent, _, err := d1.DeliverDue(t.Context())
	if !errors.Is(err, store.ErrUnavailable) || sent != 1 {
		t.Fatalf("DeliverDue before the crash = %d sent, %v; want 1 sent and ErrUnavailable", sent, err)
	}
	d1.Stop()

	hook.mu.Lock()
	hook.fail = nil
	hook.mu.Unlock()
	s = openStore(t, path)
	clk.Advance(time.Minute)
	d2 := newDispatcher(t, s, clk, notify.DispatcherOptions{}, hook)
	if sent, failed := deliver(t, d2); sent != 2 || failed != 0 {
		t.Errorf("after restart: sent %d, failed %d; want 2, 0", sent, failed)
	}
	if sent, _ := deliver(t, d2); sent != 0 {
		t.Errorf("again: sent %d", sent)
	}
	calls, unique := hook.got()
	if diff := cmp.Diff([]string{"k1", "k2", "k3"}, unique); diff != "" {
		t.Errorf("deduplicated (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"k1", "k2", "k2", "k3"}, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	for _, k := range []string{"k1", "k2", "k3"} {
		if e := entry(t, s, k); e.State != store.OutgoingSent {
			t.Errorf("%s: state %s", k, e.State)
		}
	}
}

// TestDispatcherReceiverDown: a receiver that fails for an hour gets
// everything afterwards, each once and in order; while it is down only
// its first message is tried, with a growing backoff; other receivers
// are not held up.
func TestDispatcherReceiverDown(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	clk := clock.NewManual(t0)
	down, up := newRecorder("down"), newRecorder("up")
	down.fail = func(notify.Message) error {
		if clk.Now().Before(t0.Add(time.Hour)) {
			return &notify.SendError{Receiver: "down", Retryable: true, Err: errors.New("HTTP 503: unavailable")}
		}
		return nil
	}
	d := newDispatcher(t, s, clk, notify.DispatcherOptions{}, down, up)
	enqueue(t, s, t0, "down", "k1", "k2", "k3")
	enqueue(t, s, t0, "up", "u1")
	var tries []time.Duration
	for step := 0; step <= 4*60; step++ { // four hours, a minute at a time
		if step == 10 {
			enqueue(t, s, clk.Now(), "down", "k4", "k5")
			enqueue(t, s, clk.Now(), "up", "u2")
		}
		before, _ := down.got()
		deliver(t, d)
		if after, _ := down.got(); len(after) > len(before) && clk.Now().Before(t0.Add(time.Hour)) {
			tries = append(tries, clk.Now().Sub(t0))
		}
		clk.Advance(time.Minute)
	}
	calls, unique := down.got()
	if diff := cmp.Diff([]string{"k1", "k2", "k3", "k4", "k5"}, unique); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if n := len(calls) - len(unique); n != len(tries) {
		t.Errorf("%d failed calls, %d tries while down", n, len(tries))
	}
	for _, k := range calls[:len(tries)] {
		if k != "k1" {
			t.Errorf("while down, tried %v: want only k1", calls[:len(tries)])
			break
		}
	}
	// Backoff 30s, 1m, 2m, 4m, 8m, 16m, 32m; the clock steps by minutes.
	want := []time.Duration{0, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute}
	if diff := cmp.Diff(want, tries); diff != "" {
		t.Errorf("tries while down (-want +got):\n%s", diff)
	}
	if _, u := up.got(); !cmp.Equal(u, []string{"u1", "u2"}) {
		t.Errorf("other receiver got %v", u)
	}
	st := d.Stats()
	if st["down"] != (notify.ReceiverStats{Sent: 5, Retried: int64(len(tries))}) || st["up"] != (notify.ReceiverStats{Sent: 2}) {
		t.Errorf("Stats = %+v", st)
	}
}

// TestDispatcherNotRetryable: a 4xx is given up at once; the receiver's
// next message goes on.
func TestDispatcherNotRetryable(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	clk := clock.NewManual(t0)
	hook := newRecorder("hook")
	hook.fail = func(m notify.Message) error {
		if m.Key == "bad" {
			return notify.HTTPError("hook", http.StatusBadRequest, 0, "invalid payload")
		}
		return nil
	}
	d := newDispatcher(t, s, clk, notify.DispatcherOptions{}, hook)
	enqueue(t, s, t0, "hook", "bad", "good")
	enqueue(t, s, t0, "gone", "orphan") // no such receiver
	if sent, failed := deliver(t, d); sent != 1 || failed != 2 {
		t.Errorf("sent %d, failed %d; want 1, 2", sent, failed)
	}
	for range 3 {
		clk.Advance(2 * time.Hour)
		deliver(t, d)
	}
	if calls, _ := hook.got(); !cmp.Equal(calls, []string{"bad", "good"}) {
		t.Errorf("calls %v", calls)
	}
	e := entry(t, s, "bad")
	if e.State != store.OutgoingFailed || e.Attempts != 1 || !strings.Contains(e.LastError, "HTTP 400") || !e.DoneAt.Equal(t0) {
		t.Errorf("bad entry: %+v", e)
	}
	if e := entry(t, s, "orphan"); e.State != store.OutgoingFailed || !strings.Contains(e.LastError, "no such receiver") {
		t.Errorf("orphan entry: %+v", e)
	}
	if st := d.Stats()["hook"]; st != (notify.ReceiverStats{Sent: 1, Failed: 1}) {
		t.Errorf("Stats = %+v", st)
	}
}

// TestDispatcherMaxAttempts: a receiver that always fails retryably is
// given up after MaxAttempts.
func TestDispatcherMaxAttempts(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	clk := clock.NewManual(t0)
	hook := newRecorder("hook")
	hook.fail = func(notify.Message) error { return errors.New("connection refused") }
	d := newDispatcher(t, s, clk, notify.DispatcherOptions{MaxAttempts: 3, Backoff: notify.Backoff{Initial: time.Minute, Max: time.Minute}}, hook)
	enqueue(t, s, t0, "hook", "k")
	failed := 0
	for range 10 {
		_, f := deliver(t, d)
		failed += f
		clk.Advance(time.Minute)
	}
	if calls, _ := hook.got(); len(calls) != 3 || failed != 1 {
		t.Errorf("%d calls, %d failed; want 3, 1", len(calls), failed)
	}
	if e := entry(t, s, "k"); e.State != store.OutgoingFailed || e.Attempts != 3 || e.LastError != "connection refused" {
		t.Errorf("entry %+v", e)
	}
}

// webhook is a receiver over HTTP, as the webhook package would be.
type webhook struct{ url string }

func (w webhook) Name() string { return "webhook" }

func (w webhook) Send(ctx context.Context, m notify.Message) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, strings.NewReader(m.Summary))
	if err != nil {
		return &notify.SendError{Receiver: "webhook", Err: err}
	}
	req.Header.Set("Idempotency-Key", m.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &notify.SendError{Receiver: "webhook", Retryable: true, Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	return notify.HTTPError("webhook", resp.StatusCode, time.Duration(secs)*time.Second, string(body))
}

// TestDispatcherRetryAfter: a 429 with Retry-After longer than the
// backoff waits as asked.
func TestDispatcherRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var got []string
	throttle := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if throttle {
			throttle = false
			w.Header().Set("Retry-After", "600")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		got = append(got, r.Header.Get("Idempotency-Key"))
	}))
	defer srv.Close()
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	clk := clock.NewManual(t0)
	d := newDispatcher(t, s, clk, notify.DispatcherOptions{}, webhook{srv.URL})
	enqueue(t, s, t0, "webhook", "k1", "k2")
	deliver(t, d)
	if e := entry(t, s, "k1"); !e.DueAt.Equal(t0.Add(10*time.Minute)) || e.Attempts != 1 || !strings.Contains(e.LastError, "HTTP 429") {
		t.Errorf("after 429: %+v", e)
	}
	clk.Advance(9 * time.Minute)
	if sent, _ := deliver(t, d); sent != 0 {
		t.Errorf("sent %d before Retry-After passed", sent)
	}
	clk.Advance(time.Minute)
	if sent, _ := deliver(t, d); sent != 2 {
		t.Errorf("sent %d after Retry-After", sent)
	}
	mu.Lock()
	defer mu.Unlock()
	if !cmp.Equal(got, []string{"k1", "k2"}) {
		t.Errorf("server got %v", got)
	}
}

// TestDispatcherStartStop: the loop delivers at start and on Wake, and
// stops.
func TestDispatcherStartStop(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	clk := clock.NewManual(t0)
	hook := newHook()
	d := newDispatcher(t, s, clk, notify.DispatcherOptions{}, hook)
	enqueue(t, s, t0, "hook", "k1")
	d.Start(t.Context())
	if k := <-hook.sent; k != "k1" {
		t.Errorf("first delivery %s", k)
	}
	<-clk.Waited() // the loop waits for its next round
	enqueue(t, s, t0, "hook", "k2")
	d.Wake()
	if k := <-hook.sent; k != "k2" {
		t.Errorf("after Wake: %s", k)
	}
	<-clk.Waited()
	enqueue(t, s, t0, "hook", "k3")
	clk.Advance(15 * time.Second) // the interval
	if k := <-hook.sent; k != "k3" {
		t.Errorf("after the interval: %s", k)
	}
	d.Stop()
	d.Stop()
	if calls, _ := hook.got(); fmt.Sprint(calls) != "[k1 k2 k3]" {
		t.Errorf("calls %v", calls)
	}
}

// TestChain: events to messages to the router to the outbox to a
// receiver, as the app wires them; a redelivered event sends nothing new.
func TestChain(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	clk := clock.NewManual(t0)
	slack := newRecorder("slack")
	d := newDispatcher(t, s, clk, notify.DispatcherOptions{}, slack)
	r, err := notify.NewRouter([]notify.Route{{Receiver: "slack", GroupBy: []string{notify.LabelStage}, GroupWait: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	o := notify.MessageOptions{Stages: []string{"dev", "prod"}}
	ev := func(typ aksupgrade.EventType, id, stage string) store.Event {
		return store.Event{Key: store.EventKey{Source: "aksupgrade/engine", ID: id}, Type: typ, Time: clk.Now(), ReceivedAt: clk.Now(),
			Data: []byte(`{"stage":"` + stage + `","target":{"kind":"kubernetes","version":"1.31.4"}}`)}
	}
	run := func(es ...store.Event) {
		for _, e := range es {
			if m, ok := notify.FromEvent(e, o); ok {
				r.Add(clk.Now(), m)
			}
		}
		if err := s.EnqueueNotifications(t.Context(), r.Flush(clk.Now())); err != nil {
			t.Fatal(err)
		}
		deliver(t, d)
	}
	run(ev(aksupgrade.EventStageStarted, "started/dev/1.31.4", "dev"), ev(aksupgrade.EventStageReached, "reached/dev/1.31.4", "dev"))
	clk.Advance(time.Minute)
	run()
	run(ev(aksupgrade.EventStageProven, "proven/dev/1.31.4", "dev"))
	clk.Advance(time.Minute)
	run(ev(aksupgrade.EventStageProven, "proven/dev/1.31.4", "dev")) // redelivered
	clk.Advance(time.Hour)
	run()
	slack.mu.Lock()
	defer slack.mu.Unlock()
	if len(slack.calls) != 2 || !strings.HasPrefix(slack.calls[0], "group:") || !strings.HasPrefix(slack.calls[1], notify.KindStageProven+":") {
		t.Fatalf("calls %v; want a group of two, then the proof", slack.calls)
	}
}
