package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/poller"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// processEvents acts on the events received (webhook) or derived
// (poller) since the last step:
//
//   - a new Kubernetes version: read the cluster's region's catalogue
//     again now;
//   - a node pool rolling started, succeeded or failed: read the cluster
//     again now;
//
// Support and maintenance events change nothing here: status and the
// planner read them from the store. Every event is marked processed.
func (e *Engine) processEvents(ctx context.Context, now time.Time, f *store.Fleet) (changed bool, err error) {
	pending, err := e.o.Store.PendingEvents(ctx, 500)
	if err != nil {
		return false, err
	}
	if len(pending) == 0 {
		return false, nil
	}
	refreshed := map[string]bool{}
	var keys []store.EventKey
	for _, ev := range pending {
		keys = append(keys, ev.Key)
		typed, err := eventgrid.Parse(ev.Data)
		if err != nil {
			continue // the engine's own events, or a shape it cannot read
		}
		if typed.Scheduled != nil {
			e.calendarAdd(typed)
			continue
		}
		id := typed.ClusterID
		c := findCluster(f.Clusters, id)
		if c == nil || refreshed[ev.Type+"|"+strings.ToLower(id)] {
			continue
		}
		switch ev.Type {
		case poller.TypeNewVersion:
			refreshed[ev.Type+"|"+strings.ToLower(id)] = true
			l, err := e.o.Provider.Catalog(ctx, c.SubscriptionID, c.Location)
			if err != nil {
				e.log.Warn("cannot read the catalogue a new-version event announced; the next observation will", "region", c.Location, "err", err)
				continue
			}
			if f.Catalogs == nil {
				f.Catalogs = map[string]aksupgrade.KubernetesVersionList{}
			}
			f.Catalogs[planner.NormalizeLocation(c.Location)] = l
			changed = true
		case poller.TypeNodePoolStarted, poller.TypeNodePoolSucceeded, poller.TypeNodePoolFailed:
			refreshed[ev.Type+"|"+strings.ToLower(id)] = true
			if err := e.refresh(ctx, f, c.ID); err != nil {
				e.log.Warn("cannot read a cluster an event is about; the next observation will", "cluster", c.ID, "err", err)
				continue
			}
			changed = true
		}
	}
	if err := e.o.Store.MarkProcessed(ctx, keys, now); err != nil {
		return changed, fmt.Errorf("mark events processed: %w", err)
	}
	return changed, nil
}
