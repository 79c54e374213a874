package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

type discard struct{}

func (discard) Name() string                               { return "terminal" }
func (discard) Send(context.Context, notify.Message) error { return nil }

// BenchmarkNotifierCatchUp: the first step of a (re)started notifier over
// a store holding a busy fortnight: 20,000 events, one in ten told
// (support news, grouped per stage), the rest engine steps.
func BenchmarkNotifierCatchUp(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 20000 {
		at := t0.Add(time.Duration(i) * time.Minute / 2)
		e := store.Event{Key: store.EventKey{Source: "aksupgrade/engine", ID: fmt.Sprint(i)}, Type: "aksupgrade.step.running", Time: at, ReceivedAt: at, Data: []byte(`{}`)}
		if i%10 == 0 {
			n := aksupgrade.SupportNews{Cluster: fmt.Sprintf("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c%d", i),
				Name: fmt.Sprintf("c%d", i), Version: "1.31.4", Stage: "prod", Target: "1.32.3", Reason: "waiting"}
			e.Type, e.Data = aksupgrade.EventSupportEnding, must(json.Marshal(n))
		}
		if _, err := st.PutEvent(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	pol, err := policy.Parse("bench.yaml", []byte(benchPolicy))
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := t0.Add(10000 * time.Minute)
	b.ResetTimer()
	for range b.N {
		n, err := newNotifier(st, pol, map[string]notify.Receiver{"terminal": discard{}}, func(string) string { return "" }, clock.NewManual(now), log)
		if err != nil {
			b.Fatal(err)
		}
		if err := n.step(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

const benchPolicy = `apiVersion: aksupgrade/v1
kubernetes: {channel: stable}
stages:
  - name: prod
    selector: {tags: {environment: prod}}
    window: {name: nights, schedule: {daily: {intervalDays: 1}}, durationHours: 8, startTime: "22:00"}
notifications:
  receivers:
    - name: terminal
      console: {}
  routes:
    - receiver: terminal
      groupBy: [kind, stage]
      groupWait: 10m
`
