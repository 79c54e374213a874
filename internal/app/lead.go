package app

import (
	"context"

	"github.com/aksupgrade/aksupgrade/internal/lease"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Of the replicas that share a store, the one that holds the lease runs
// the engine, the notifier and the pruner, writing through the store
// fenced at its lease's epoch; the others serve the API and the webhook,
// and plan from what the leader stored (see package lease).

// lead starts what the replica that holds the lease runs.
func (a *App) lead(ctx context.Context, t lease.Term) {
	a.Engine.Lead(ctx, t.Store, t.Held)
	if a.notifier != nil {
		a.notifier.Lead(ctx, t.Store)
	}
	a.pruner.Start(ctx, a.prune(t.Store))
}

// follow stops what leads, and plans from the store for the API.
func (a *App) follow(ctx context.Context) {
	if a.notifier != nil {
		a.notifier.Stop()
	}
	a.pruner.Stop()
	a.Engine.Follow(ctx)
}

// stopLeading stops what leads or follows, and gives the lease up.
func (a *App) stopLeading(ctx context.Context) error {
	a.elector.Stop()
	a.Engine.Stop()
	if a.notifier != nil {
		a.notifier.Stop()
	}
	a.pruner.Stop()
	return a.elector.Release(ctx)
}

// tick runs on the leader after each renewal of the lease: another
// replica may have stored what the engine should act on now (a webhook
// delivery, an operator's action), which that replica's Wake did not
// reach. The engine is woken when the newest event is still pending and
// new, or the newest audit entry is a person's and new.
func (a *App) tick(ctx context.Context) {
	if evs, err := a.Store.Events(ctx, 1); err == nil && len(evs) == 1 && evs[0].ProcessedAt == nil && evs[0].Key != a.seen.event {
		a.seen.event = evs[0].Key
		a.Engine.Wake()
	}
	// An error here is the store's, which the engine's own step meets and
	// reports; the next tick looks again.
	if es, err := a.Store.Audit(ctx, store.AuditQuery{Limit: 1}); err == nil && len(es) == 1 && es[0].ID != a.seen.audit {
		first := a.seen.audit == 0
		a.seen.audit = es[0].ID
		if !first && es[0].Actor != store.ActorEngine {
			a.Engine.Wake()
		}
	}
}
