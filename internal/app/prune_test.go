package app

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

func TestPruneStep(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := t0
	ev := store.Event{Key: store.EventKey{Source: "s", ID: "1"}, Type: "x", Time: t0, ReceivedAt: t0, ProcessedAt: &at}
	if _, err := st.PutEvent(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(t0.Add(2 * time.Hour))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	count := func() int {
		evs, err := st.Events(t.Context(), 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	if wait := pruneStep(st, clk, log, -1, -1)(t.Context()); wait != pruneEvery || count() != 1 {
		t.Errorf("kept forever: wait %s, %d events; want a day and the event kept", wait, count())
	}
	if pruneStep(st, clk, log, 0, 0)(t.Context()); count() != 1 {
		t.Errorf("default retention (90 days) pruned a 2-hour-old event")
	}
	if pruneStep(st, clk, log, time.Hour, 0)(t.Context()); count() != 0 {
		t.Errorf("an hour's retention kept a 2-hour-old event")
	}
}
