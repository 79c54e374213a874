package notify_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	cloudevents "github.com/aksupgrade/aksupgrade/internal/notify/webhook"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// BenchmarkDelivery: messages through the durable outbox (SQLite: enqueue,
// read due, mark sent) to the CloudEvents webhook receiver over loopback
// HTTP, against the same posts sent directly (the baseline).
func BenchmarkDelivery(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	b.Cleanup(srv.Close)
	rcv, err := cloudevents.New("hook", cloudevents.Config{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	message := func(i int) notify.Message {
		return notify.Message{Key: fmt.Sprintf("k%d", i), Kind: notify.KindStageProven, Severity: notify.SeverityInfo,
			Summary: "1.31.5 is proven in test", Details: []string{"Clusters: aks-test-01, aks-test-02"}, Stage: "test", Target: "1.31.5", Time: t0}
	}
	b.Run("outbox", func(b *testing.B) {
		s := openStore(b, filepath.Join(b.TempDir(), "state.db"))
		d := newDispatcher(b, s, clock.NewManual(t0), notify.DispatcherOptions{}, rcv)
		b.ResetTimer()
		for i := 0; i < b.N; i += 100 {
			var batch []store.Outgoing
			for j := i; j < min(i+100, b.N); j++ {
				batch = append(batch, notify.NewOutgoing("hook", message(j), t0, t0))
			}
			if err := s.EnqueueNotifications(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
			if sent, _ := deliver(b, d); sent != len(batch) {
				b.Fatalf("sent %d of %d", sent, len(batch))
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("direct", func(b *testing.B) {
		for i := range b.N {
			if err := rcv.Send(b.Context(), message(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}
