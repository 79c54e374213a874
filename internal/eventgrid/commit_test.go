package eventgrid_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// spyStore is a real SQLite store that records the handler's calls to
// PutEvents and PutEvent, and can hold a PutEvents call until the test
// lets it go on (or its context ends).
type spyStore struct {
	store.Store

	mu       sync.Mutex
	calls    [][]string // the IDs of the events of each PutEvents call
	putEvent int        // PutEvent calls
	// hold[k], when set, holds PutEvents call k (from 0) until it is
	// closed.
	hold map[int]chan struct{}
}

// openSpy opens a SQLite store in a temporary directory, closed when t
// ends.
func openSpy(t *testing.T) *spyStore {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Closed already by some tests; a second Close is harmless.
		_ = st.Close()
	})
	return &spyStore{Store: st, hold: map[int]chan struct{}{}}
}

func (s *spyStore) PutEvents(ctx context.Context, es []store.Event) ([]bool, error) {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.Key.ID
	}
	s.mu.Lock()
	gate := s.hold[len(s.calls)]
	s.calls = append(s.calls, ids)
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Store.PutEvents(ctx, es)
}

func (s *spyStore) PutEvent(ctx context.Context, e store.Event) (bool, error) {
	s.mu.Lock()
	s.putEvent++
	s.mu.Unlock()
	return s.Store.PutEvent(ctx, e)
}

// holdCall makes PutEvents call k wait until the returned function is
// called.
func (s *spyStore) holdCall(k int) (release func()) {
	gate := make(chan struct{})
	s.mu.Lock()
	s.hold[k] = gate
	s.mu.Unlock()
	return func() { close(gate) }
}

func (s *spyStore) putEventsCalls() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func (s *spyStore) putEventCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putEvent
}

// storedIDs returns the IDs of the stored events, sorted.
func (s *spyStore) storedIDs(t *testing.T) []string {
	t.Helper()
	events, err := s.Store.Events(context.Background(), 0)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	var ids []string
	for _, e := range events {
		ids = append(ids, e.Key.ID)
	}
	slices.Sort(ids)
	return ids
}

// counts is the body of a 200 answer to a delivery.
type counts struct {
	Received, Stored, Duplicates int
}

// delivery is a body of Event Grid events with the given IDs.
func delivery(ids ...string) string {
	events := make([]string, len(ids))
	for i, id := range ids {
		events[i] = aksEvent(id, aksupgrade.EventNodePoolRollingStarted, i, start, nodePool)
	}
	return batch(events...)
}

// sender posts deliveries straight to a handler's ServeHTTP, each on its
// own goroutine, and keeps the answers.
type sender struct {
	t  *testing.T
	h  http.Handler
	wg sync.WaitGroup

	mu      sync.Mutex
	answers map[string]*httptest.ResponseRecorder
}

func newSender(t *testing.T, h http.Handler) *sender {
	return &sender{t: t, h: h, answers: map[string]*httptest.ResponseRecorder{}}
}

// post sends body as delivery name on ctx.
func (s *sender) post(ctx context.Context, name, body string) {
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, webhookPath+"?code="+testSecret, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	s.wg.Go(func() {
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, req)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.answers[name] = rec
	})
}

// answer waits for every delivery and returns what name was answered.
func (s *sender) answer(name string) (int, counts) {
	s.t.Helper()
	s.wg.Wait()
	s.mu.Lock()
	rec := s.answers[name]
	s.mu.Unlock()
	if rec == nil {
		s.t.Fatalf("delivery %s was not answered", name)
	}
	var c counts
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
			s.t.Fatalf("delivery %s answered %s: %v", name, rec.Body, err)
		}
	}
	return rec.Code, c
}

// newCommitHandler is a handler storing in st, with a manual clock.
func newCommitHandler(st store.Store, change func(*eventgrid.HandlerOptions)) *eventgrid.Handler {
	o := eventgrid.HandlerOptions{Store: st, Secrets: []string{testSecret}, Clock: clock.NewManual(start)}
	if change != nil {
		change(&o)
	}
	return eventgrid.NewHandler(o)
}

// TestCommitConcurrentDeliveries: deliveries sent at once over HTTP are
// all stored, each answered with its own counts: its own events new, an
// event stored before a duplicate, and an event they all carry new for
// exactly one of them, whichever commits it first.
func TestCommitConcurrentDeliveries(t *testing.T) {
	for _, window := range []time.Duration{0, -1} {
		t.Run(fmt.Sprintf("window=%s", window), func(t *testing.T) {
			st := openSpy(t)
			var mu sync.Mutex
			var onStored [][]string
			h := newCommitHandler(st, func(o *eventgrid.HandlerOptions) {
				o.CommitWindow = window
				o.OnStored = func(events []eventgrid.Event) {
					mu.Lock()
					defer mu.Unlock()
					var ids []string
					for _, e := range events {
						ids = append(ids, e.ID)
					}
					onStored = append(onStored, ids)
				}
			})
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			postHTTP := func(body string) (int, counts) {
				resp, err := srv.Client().Post(srv.URL+webhookPath+"?code="+testSecret, "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return 0, counts{}
				}
				// Closing a body read to the end tells the test nothing.
				defer func() { _ = resp.Body.Close() }()
				var c counts
				if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
					t.Error(err)
				}
				return resp.StatusCode, c
			}
			// Stored before. (An event's key is its topic, which
			// delivery gives by position, and its ID: "old" is first in
			// every delivery.)
			if status, _ := postHTTP(delivery("old")); status != http.StatusOK {
				t.Fatalf("first delivery answered %d", status)
			}

			const n = 16
			type answer struct {
				status int
				counts
			}
			answers := make([]answer, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					answers[i].status, answers[i].counts = postHTTP(
						delivery("old", fmt.Sprintf("own-%d-a", i), "shared", fmt.Sprintf("own-%d-b", i)))
				})
			}
			wg.Wait()

			winners := 0
			for i, a := range answers {
				if a.status != http.StatusOK {
					t.Fatalf("delivery %d answered %d", i, a.status)
				}
				switch a.counts {
				case counts{Received: 4, Stored: 3, Duplicates: 1}:
					winners++
				case counts{Received: 4, Stored: 2, Duplicates: 2}:
				default:
					t.Errorf("delivery %d answered %+v", i, a.counts)
				}
			}
			if winners != 1 {
				t.Errorf("%d deliveries stored the shared event, want 1", winners)
			}
			want := []string{"old", "shared"}
			for i := range n {
				want = append(want, fmt.Sprintf("own-%d-a", i), fmt.Sprintf("own-%d-b", i))
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, st.storedIDs(t)); diff != "" {
				t.Errorf("stored events (-want +got):\n%s", diff)
			}
			stats := h.Stats()
			// The first delivery counts too: one event, stored.
			if stats.Deliveries != n+1 || stats.Received != 4*n+1 || stats.Stored != 2*n+2 || stats.Duplicates != 2*n-1 {
				t.Errorf("stats %+v", stats)
			}
			// OnStored gets each delivery's own new events.
			mu.Lock()
			defer mu.Unlock()
			if len(onStored) != n+1 {
				t.Fatalf("OnStored called %d times, want %d", len(onStored), n+1)
			}
			for _, ids := range onStored[1:] {
				own := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "shared" })
				if len(own) != 2 || !strings.HasSuffix(own[0], "-a") || strings.TrimSuffix(own[0], "-a") != strings.TrimSuffix(own[1], "-b") {
					t.Errorf("OnStored(%v): want one delivery's own events", ids)
				}
			}
			calls := st.putEventsCalls()
			if len(calls) > n+1 || st.putEventCalls() != 0 {
				t.Errorf("%d PutEvents and %d PutEvent calls for %d deliveries", len(calls), st.putEventCalls(), n+1)
			}
		})
	}
}

// TestCommitShared: the deliveries that arrive while a commit runs are
// committed together, in one PutEvents call once it ends, and each is
// answered with its own counts (an event two of them carry is new for
// the first to join only).
func TestCommitShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := openSpy(t)
		release := st.holdCall(0)
		s := newSender(t, newCommitHandler(st, nil))
		s.post(t.Context(), "first", delivery("f1"))
		synctest.Wait() // "first" commits, held in PutEvents
		for _, name := range []string{"a", "b", "c"} {
			s.post(t.Context(), name, delivery(name+"1", "both", name+"2"))
			synctest.Wait() // joined, in this order: the next batch, waiting for the commit
		}
		release()
		s.wg.Wait()

		want := [][]string{{"f1"}, {"a1", "both", "a2", "b1", "both", "b2", "c1", "both", "c2"}}
		if diff := cmp.Diff(want, st.putEventsCalls()); diff != "" {
			t.Errorf("PutEvents calls (-want +got):\n%s", diff)
		}
		for name, want := range map[string]counts{
			"first": {Received: 1, Stored: 1},
			"a":     {Received: 3, Stored: 3},
			"b":     {Received: 3, Stored: 2, Duplicates: 1},
			"c":     {Received: 3, Stored: 2, Duplicates: 1},
		} {
			if status, got := s.answer(name); status != http.StatusOK || got != want {
				t.Errorf("%s answered %d %+v, want 200 %+v", name, status, got, want)
			}
		}
	})
}

// TestCommitStoreFails: when the shared commit fails, every delivery in
// it is answered 503 (Event Grid delivers them again), none 200.
func TestCommitStoreFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := openSpy(t)
		release := st.holdCall(0)
		h := newCommitHandler(st, nil)
		s := newSender(t, h)
		names := []string{"first", "a", "b", "c"}
		for _, name := range names {
			s.post(t.Context(), name, delivery(name+"1", name+"2"))
			synctest.Wait()
		}
		// The database goes away while the first commit is under way.
		if err := st.Store.Close(); err != nil {
			t.Fatal(err)
		}
		release()
		s.wg.Wait()

		if calls := st.putEventsCalls(); len(calls) != 2 {
			t.Errorf("PutEvents calls %v, want 2 (the first delivery, then the others together)", calls)
		}
		for _, name := range names {
			if status, _ := s.answer(name); status != http.StatusServiceUnavailable {
				t.Errorf("%s answered %d, want 503", name, status)
			}
			if got := s.answers[name].Header().Get("Retry-After"); got == "" {
				t.Errorf("%s: no Retry-After", name)
			}
		}
		stats := h.Stats()
		if stats.Deliveries != 0 || stats.Stored != 0 || stats.Rejected[eventgrid.RejectUnavailable] != uint64(len(names)) {
			t.Errorf("stats %+v", stats)
		}
	})
}

// TestCommitGiveUp: a delivery whose request ends while it waits to be
// committed is answered with the failure, holds nobody up, and reports
// nothing stored; before the seal its events leave the batch, and the
// batch's leader passes the lead on.
func TestCommitGiveUp(t *testing.T) {
	t.Run("before the seal", func(t *testing.T) {
		// a leads the second batch, which waits for the first commit to
		// end.
		for _, quit := range []string{"a", "b"} {
			t.Run(quit, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					st := openSpy(t)
					release := st.holdCall(0)
					s := newSender(t, newCommitHandler(st, nil))
					s.post(t.Context(), "first", delivery("f1"))
					synctest.Wait()
					cancels := map[string]context.CancelFunc{}
					for _, name := range []string{"a", "b", "c"} {
						ctx, cancel := context.WithCancel(t.Context())
						cancels[name] = cancel
						s.post(ctx, name, delivery(name+"1"))
						synctest.Wait()
					}
					cancels[quit]()
					synctest.Wait()
					// It is answered while the first commit still runs.
					s.mu.Lock()
					rec := s.answers[quit]
					s.mu.Unlock()
					if rec == nil || rec.Code != http.StatusServiceUnavailable {
						t.Fatalf("%s, given up, answered %v; want 503 at once", quit, rec)
					}
					release()
					s.wg.Wait()

					var rest []string
					for _, name := range []string{"a", "b", "c"} {
						if name != quit {
							rest = append(rest, name+"1")
							if status, _ := s.answer(name); status != http.StatusOK {
								t.Errorf("%s answered %d, want 200", name, status)
							}
						}
					}
					if diff := cmp.Diff([][]string{{"f1"}, rest}, st.putEventsCalls()); diff != "" {
						t.Errorf("PutEvents calls (-want +got):\n%s", diff)
					}
					if diff := cmp.Diff(append(rest, "f1"), st.storedIDs(t)); diff != "" {
						t.Errorf("stored (-want +got):\n%s", diff)
					}
				})
			})
		}
	})

	t.Run("in the window", func(t *testing.T) {
		// With no commit running, the leader of a batch waits for the
		// window, since the last commit was shared; it gives up, and the
		// delivery that joined it leads instead.
		synctest.Test(t, func(t *testing.T) {
			st := openSpy(t)
			release := st.holdCall(0)
			s := newSender(t, newCommitHandler(st, nil))
			s.post(t.Context(), "first", delivery("f1"))
			synctest.Wait()
			s.post(t.Context(), "a", delivery("a1"))
			synctest.Wait()
			s.post(t.Context(), "b", delivery("b1"))
			synctest.Wait()
			release()
			s.wg.Wait() // a and b committed together

			ctx, cancel := context.WithCancel(t.Context())
			s.post(ctx, "x", delivery("x1"))
			synctest.Wait() // x leads, in the window (time stands still)
			s.post(t.Context(), "y", delivery("y1"))
			synctest.Wait()
			cancel()
			synctest.Wait()
			s.mu.Lock()
			rec := s.answers["x"]
			s.mu.Unlock()
			if rec == nil || rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("x, given up, answered %v; want 503 at once", rec)
			}
			s.wg.Wait() // time goes on: y's window ends
			if status, _ := s.answer("y"); status != http.StatusOK {
				t.Errorf("y answered %d, want 200", status)
			}
			if diff := cmp.Diff([][]string{{"f1"}, {"a1", "b1"}, {"y1"}}, st.putEventsCalls()); diff != "" {
				t.Errorf("PutEvents calls (-want +got):\n%s", diff)
			}
		})
	})

	t.Run("everyone", func(t *testing.T) {
		// A batch everyone left is dropped; the next delivery leads a
		// batch of its own.
		synctest.Test(t, func(t *testing.T) {
			st := openSpy(t)
			release := st.holdCall(0)
			s := newSender(t, newCommitHandler(st, nil))
			s.post(t.Context(), "first", delivery("f1"))
			synctest.Wait()
			ctx, cancel := context.WithCancel(t.Context())
			s.post(ctx, "a", delivery("a1"))
			s.post(ctx, "b", delivery("b1"))
			synctest.Wait()
			cancel()
			synctest.Wait()
			release()
			s.post(t.Context(), "later", delivery("l1"))
			s.wg.Wait()
			if status, _ := s.answer("later"); status != http.StatusOK {
				t.Errorf("later answered %d", status)
			}
			if diff := cmp.Diff([][]string{{"f1"}, {"l1"}}, st.putEventsCalls()); diff != "" {
				t.Errorf("PutEvents calls (-want +got):\n%s", diff)
			}
		})
	})

	t.Run("during the commit", func(t *testing.T) {
		// Once the commit runs, one that leaves is answered at once,
		// with a failure, although the commit may store its events; the
		// commit goes on for the others, whether the one that left led
		// it or not.
		for _, quit := range []string{"a", "b"} {
			t.Run(quit, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					st := openSpy(t)
					release0, release1 := st.holdCall(0), st.holdCall(1)
					// a and b fill a batch: its leader need not wait for
					// the window, only for the first commit to end.
					s := newSender(t, newCommitHandler(st, func(o *eventgrid.HandlerOptions) { o.CommitMaxEvents = 2 }))
					s.post(t.Context(), "first", delivery("f1"))
					synctest.Wait()
					ctx, cancel := context.WithCancel(t.Context())
					s.post(map[bool]context.Context{true: ctx, false: t.Context()}[quit == "a"], "a", delivery("a1"))
					synctest.Wait()
					s.post(map[bool]context.Context{true: ctx, false: t.Context()}[quit == "b"], "b", delivery("b1"))
					synctest.Wait()
					release0()
					synctest.Wait() // a commits a and b, held in PutEvents
					cancel()
					synctest.Wait()
					if quit != "a" { // the leader answers once the commit ends
						s.mu.Lock()
						rec := s.answers[quit]
						s.mu.Unlock()
						if rec == nil || rec.Code != http.StatusServiceUnavailable {
							t.Fatalf("%s, given up, answered %v; want 503 at once", quit, rec)
						}
					}
					release1()
					s.wg.Wait()
					other := map[string]string{"a": "b", "b": "a"}[quit]
					if status, _ := s.answer(other); status != http.StatusOK {
						t.Errorf("%s answered %d, want 200", other, status)
					}
					if diff := cmp.Diff([][]string{{"f1"}, {"a1", "b1"}}, st.putEventsCalls()); diff != "" {
						t.Errorf("PutEvents calls (-want +got):\n%s", diff)
					}
				})
			})
		}
	})

	t.Run("during the commit, everyone", func(t *testing.T) {
		// The commit stops when nobody waits for it anymore: no
		// request is left running.
		synctest.Test(t, func(t *testing.T) {
			st := openSpy(t)
			st.holdCall(0) // never released: only a cancelled commit ends
			s := newSender(t, newCommitHandler(st, nil))
			ctx, cancel := context.WithCancel(t.Context())
			s.post(ctx, "a", delivery("a1"))
			synctest.Wait()
			cancel()
			s.wg.Wait()
			if status, _ := s.answer("a"); status != http.StatusServiceUnavailable {
				t.Errorf("a answered %d, want 503", status)
			}
		})
	})
}

// TestCommitOneCallPerDelivery: a delivery of 100 events is one
// PutEvents call (one transaction), with or without group commit.
func TestCommitOneCallPerDelivery(t *testing.T) {
	for _, window := range []time.Duration{0, -1} {
		t.Run(fmt.Sprintf("window=%s", window), func(t *testing.T) {
			st := openSpy(t)
			h := newCommitHandler(st, func(o *eventgrid.HandlerOptions) { o.CommitWindow = window })
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			var ids []string
			for i := range 100 {
				ids = append(ids, fmt.Sprint("e", i))
			}
			resp, err := srv.Client().Post(srv.URL+webhookPath+"?code="+testSecret, "application/json", strings.NewReader(delivery(ids...)))
			if err != nil {
				t.Fatal(err)
			}
			// The body is not needed; a close error tells the test nothing.
			defer func() { _ = resp.Body.Close() }()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if diff := cmp.Diff([][]string{ids}, st.putEventsCalls()); diff != "" {
				t.Errorf("PutEvents calls (-want +got):\n%s", diff)
			}
			if n := st.putEventCalls(); n != 0 {
				t.Errorf("%d PutEvent calls", n)
			}
		})
	}
}

// TestCommitWindowOption: a window up to a second is accepted, as are
// zero (the default) and negative ones (no group commit); a longer one
// is a mistake.
func TestCommitWindowOption(t *testing.T) {
	for _, tc := range []struct {
		window time.Duration
		ok     bool
	}{
		{0, true}, {-1, true}, {time.Millisecond, true}, {time.Second, true}, {time.Second + 1, false},
	} {
		o := eventgrid.HandlerOptions{Store: openSpy(t), AllowAnonymous: true, Clock: clock.NewManual(start), CommitWindow: tc.window}
		err := o.Validate()
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "commit window")) {
			t.Errorf("Validate with CommitWindow %s = %v, want ok %t", tc.window, err, tc.ok)
		}
	}
}
