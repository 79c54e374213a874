package eventgrid_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"

	"github.com/aksupgrade/aksupgrade"
)

// batchSizes are the deliveries measured: Event Grid's default (one event
// per request) and a batched subscription.
var batchSizes = []int{1, 100}

// BenchmarkWebhook measures intake with durable commit: real loopback
// HTTP, authentication, decoding, and every event committed to SQLite
// (synchronous=FULL) before the 200. Compare with BenchmarkBareHandler.
func BenchmarkWebhook(b *testing.B) {
	for _, n := range batchSizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "events.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			h := eventgrid.NewHandler(eventgrid.HandlerOptions{
				Store:   st,
				Secrets: []string{testSecret},
				Clock:   clock.Real{},
			})
			benchmarkIntake(b, h, n)
			if s := h.Stats(); s.Stored != s.Received || s.Duplicates != 0 {
				b.Fatalf("stats %+v: every event should be new and stored", s)
			}
		})
	}
}

// BenchmarkBareHandler is the floor: a net/http handler that reads the
// body and answers 200, driven by the same client with the same payloads.
func BenchmarkBareHandler(b *testing.B) {
	for _, n := range batchSizes {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			benchmarkIntake(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := io.Copy(io.Discard, r.Body); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				w.WriteHeader(http.StatusOK)
			}), n)
		})
	}
}

// benchmarkIntake posts deliveries of n new events to h over loopback
// HTTP and reports events per second.
func benchmarkIntake(b *testing.B, h http.Handler, n int) {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	client := srv.Client()
	url := srv.URL + webhookPath + "?code=" + testSecret
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

	var body strings.Builder
	deliveries := 0
	for b.Loop() {
		body.Reset()
		body.WriteByte('[')
		for i := range n {
			if i > 0 {
				body.WriteByte(',')
			}
			body.WriteString(aksEvent(fmt.Sprintf("d%d-e%d", deliveries, i), aksupgrade.EventNodePoolRollingStarted, i, at, nodePool))
		}
		body.WriteByte(']')
		resp, err := client.Post(url, "application/json", strings.NewReader(body.String()))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		deliveries++
	}
	events := float64(deliveries * n)
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
}
