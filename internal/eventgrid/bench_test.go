package eventgrid_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres"
	"github.com/aksupgrade/aksupgrade/internal/store/postgres/pgtest"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"

	"github.com/aksupgrade/aksupgrade"
)

// The intake benchmarks compare the webhook, on each store, with a bare
// handler under the same load:
//
//	go test -run '^$' -bench 'Webhook|BareHandler' -benchtime 2s -count 3 ./internal/eventgrid/
//
// Both stores commit durably (SQLite synchronous=FULL, PostgreSQL's
// synchronous_commit as the server has it, on by default); PostgreSQL's
// are skipped when no server is reachable (see pgtest).

// batchSizes are the deliveries measured: Event Grid's default (one event
// per request) and a batched subscription.
var batchSizes = []int{1, 100}

// senderCounts are how many clients post at once, each waiting for its
// answer before it sends again.
var senderCounts = []int{1, 16, 64}

// benchStores are the stores the webhook is measured on, each opened
// fresh for b.
var benchStores = []struct {
	name string
	open func(b *testing.B) store.Store
}{
	{"sqlite", func(b *testing.B) store.Store {
		s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "events.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			// The benchmark is over; its numbers stand either way.
			_ = s.Close()
		})
		return s
	}},
	{"postgres", func(b *testing.B) store.Store {
		_, dsn := pgtest.Schema(b) // skips b when no server is reachable
		s, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		// Closed before pgtest drops the schema: cleanups run last
		// first.
		b.Cleanup(func() { _ = s.Close() })
		return s
	}},
}

// BenchmarkWebhook measures intake with durable commit: real loopback
// HTTP, authentication, decoding, and every event committed to the
// store before the 200, concurrent deliveries sharing commits. Compare
// with BenchmarkBareHandler at the same senders and batch.
func BenchmarkWebhook(b *testing.B) {
	for _, st := range benchStores {
		b.Run(st.name, func(b *testing.B) {
			forEachLoad(b, senderCounts, func(b *testing.B, senders, n int) {
				benchmarkWebhook(b, st.open(b), 0, senders, n)
			})
		})
	}
}

// BenchmarkWebhookAlone is BenchmarkWebhook at 64 senders with group
// commit off (every delivery its own transaction): what sharing commits
// gains.
func BenchmarkWebhookAlone(b *testing.B) {
	for _, st := range benchStores {
		b.Run(st.name, func(b *testing.B) {
			forEachLoad(b, []int{64}, func(b *testing.B, senders, n int) {
				benchmarkWebhook(b, st.open(b), -1, senders, n)
			})
		})
	}
}

func benchmarkWebhook(b *testing.B, st store.Store, window time.Duration, senders, n int) {
	h := eventgrid.NewHandler(eventgrid.HandlerOptions{
		Store:        st,
		Secrets:      []string{testSecret},
		Clock:        clock.Real{},
		CommitWindow: window,
	})
	benchmarkIntake(b, h, senders, n)
	if s := h.Stats(); s.Stored != s.Received || s.Duplicates != 0 {
		b.Fatalf("stats %+v: every event should be new and stored", s)
	}
}

// BenchmarkBareHandler is the floor: a net/http handler that reads the
// body and answers 200, driven by the same clients with the same payloads.
func BenchmarkBareHandler(b *testing.B) {
	forEachLoad(b, senderCounts, func(b *testing.B, senders, n int) {
		benchmarkIntake(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusOK)
		}), senders, n)
	})
}

// forEachLoad runs bench as sub-benchmarks senders=S/batch=N.
func forEachLoad(b *testing.B, senders []int, bench func(b *testing.B, senders, n int)) {
	for _, s := range senders {
		b.Run(fmt.Sprintf("senders=%d", s), func(b *testing.B) {
			for _, n := range batchSizes {
				b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) { bench(b, s, n) })
			}
		})
	}
}

// benchmarkIntake has senders clients post b.N deliveries of n new
// events in all to h over loopback HTTP, and reports events per second.
// Each client keeps its connection (the transport keeps one idle
// connection per sender): the measure is of requests, not of TCP
// handshakes.
func benchmarkIntake(b *testing.B, h http.Handler, senders, n int) {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	transport := srv.Client().Transport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = senders
	b.Cleanup(transport.CloseIdleConnections)
	client := &http.Client{Transport: transport}
	url := srv.URL + webhookPath + "?code=" + testSecret
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

	var (
		next     atomic.Int64 // deliveries taken
		wg       sync.WaitGroup
		failOnce sync.Once
		failure  error
	)
	b.ResetTimer()
	for range senders {
		wg.Go(func() {
			var body strings.Builder
			for {
				d := next.Add(1) - 1
				if d >= int64(b.N) {
					return
				}
				body.Reset()
				body.WriteByte('[')
				for i := range n {
					if i > 0 {
						body.WriteByte(',')
					}
					body.WriteString(aksEvent(fmt.Sprintf("d%d-e%d", d, i), aksupgrade.EventNodePoolRollingStarted, i, at, nodePool))
				}
				body.WriteByte(']')
				if err := postOK(client, url, body.String()); err != nil {
					failOnce.Do(func() { failure = err })
					next.Store(int64(b.N)) // stop every sender
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if failure != nil {
		b.Fatal(failure)
	}
	events := float64(b.N * n)
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
}

// postOK posts body and checks the answer is 200.
func postOK(client *http.Client, url, body string) error {
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	// Read to the end (below) so that the connection is reused; then
	// closing cannot fail in a way the benchmark cares about.
	defer func() { _ = resp.Body.Close() }()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
