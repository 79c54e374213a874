package engine

import (
	"context"
	"strings"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// processEvents acts on the events received (webhook) or derived
// (poller) since the last step:
//
//   - a new Kubernetes version, or a minor leaving the region (AKS's
//     ClusterSupportEnded): read the cluster's region's catalogue again
//     now;
//   - a node pool rolling started, succeeded or failed: read the cluster
//     again now;
//
// Maintenance events go on the calendar the planner avoids. New-version
// and support events come back in the tidings, to be told once the
// engine has planned with them (see tell); the caller marks every event
// processed after that.
func (e *Engine) processEvents(ctx context.Context, f *store.Fleet) (changed bool, t tidings, err error) {
	pending, err := e.o.Store.PendingEvents(ctx, 500)
	if err != nil {
		return false, t, err
	}
	refreshed := map[string]bool{}
	for _, ev := range pending {
		t.keys = append(t.keys, ev.Key)
		typed, err := eventlog.Decode(ev)
		if err != nil || typed.Type.Engine() {
			continue // nothing to act on: a type or shape it cannot read, or the engine's own
		}
		switch {
		case typed.Maintenance != nil:
			e.calendarAdd(typed)
			continue
		case typed.NewVersion != nil:
			t.versions = append(t.versions, typed)
		case typed.Support != nil:
			t.support = append(t.support, typed)
		}
		id := typed.Cluster
		c := findCluster(f.Clusters, id)
		if c == nil {
			continue
		}
		switch typed.Type {
		case aksupgrade.EventNewKubernetesVersion, aksupgrade.EventClusterSupportEnded:
			// Every cluster of a region is told (of a minor leaving:
			// every one on it); its catalogue is read once.
			region := "catalogue|" + c.SubscriptionID + "|" + planner.NormalizeLocation(c.Location)
			if refreshed[region] {
				continue
			}
			refreshed[region] = true
			l, err := e.o.Provider.Catalog(ctx, c.SubscriptionID, c.Location)
			if err != nil {
				e.log.Warn("cannot read the catalogue an event announced changed; the next observation will", "region", c.Location, "err", err)
				continue
			}
			if f.Catalogs == nil {
				f.Catalogs = map[string]aksupgrade.KubernetesVersionList{}
			}
			f.Catalogs[planner.NormalizeLocation(c.Location)] = l
			changed = true
		case aksupgrade.EventNodePoolRollingStarted, aksupgrade.EventNodePoolRollingSucceeded, aksupgrade.EventNodePoolRollingFailed:
			if refreshed["cluster|"+strings.ToLower(id)] {
				continue
			}
			refreshed["cluster|"+strings.ToLower(id)] = true
			if err := e.refresh(ctx, f, c.ID); err != nil {
				e.log.Warn("cannot read a cluster an event is about; the next observation will", "cluster", c.ID, "err", err)
				continue
			}
			changed = true
		}
	}
	return changed, t, nil
}
