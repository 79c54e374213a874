package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Defaults of the retention.
const (
	DefaultRetainEvents = 90 * 24 * time.Hour
	DefaultRetainOutbox = 30 * 24 * time.Hour
	// pruneEvery is how often the store is pruned.
	pruneEvery = 24 * time.Hour
)

// pruneStep returns the pruner's step: delete the processed events and
// finished notifications older than their retention (zero: the default;
// negative: forever), then wait a day; an hour after a failure.
func pruneStep(st store.Store, clk aksupgrade.Clock, log *slog.Logger, events, outbox time.Duration) func(context.Context) time.Duration {
	before := func(now time.Time, keep, def time.Duration) time.Time {
		switch {
		case keep < 0:
			return time.Time{}
		case keep == 0:
			keep = def
		}
		return now.Add(-keep)
	}
	return func(ctx context.Context) time.Duration {
		now := clk.Now()
		r := store.Retention{EventsBefore: before(now, events, DefaultRetainEvents), OutboxBefore: before(now, outbox, DefaultRetainOutbox)}
		if r == (store.Retention{}) {
			return pruneEvery
		}
		n, err := st.Prune(ctx, r)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("cannot prune old events and notifications; trying again in an hour", "err", err)
			}
			return time.Hour
		}
		if n.Events > 0 || n.Outbox > 0 {
			log.Info("pruned", "events", n.Events, "notifications", n.Outbox, "eventsBefore", r.EventsBefore, "notificationsBefore", r.OutboxBefore)
		}
		return pruneEvery
	}
}
