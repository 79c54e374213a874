package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/poller"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// observe returns the fleet: the stored observation, discovered again in
// full when the observe interval has passed (or nothing is stored yet).
func (e *Engine) observe(ctx context.Context, now time.Time) (store.Fleet, error) {
	prev, err := e.o.Store.Fleet(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return store.Fleet{}, err
	case !e.observed.IsZero() && now.Sub(e.observed) < e.o.ObserveInterval:
		return prev, nil
	}
	f, err := e.discover(ctx, now, prev)
	if err != nil {
		return store.Fleet{}, err
	}
	// What changed becomes the same events the webhook receives, stored
	// with the observation that shows it: both or neither.
	pol := e.policy()
	polled := poller.Diff(prev, f, poller.Options{Calendar: e.o.Calendar,
		Managed: func(c *aksupgrade.Cluster) bool { si, _ := pol.StageOf(c); return si >= 0 }})
	announce(prev, &f)
	if _, err := e.writes().Record(ctx, store.Fact{Fleet: &f, Events: polled}); err != nil {
		return store.Fleet{}, fmt.Errorf("save fleet: %w", err)
	}
	e.observed = now
	return f, nil
}

// discover reads the fleet from the provider, node images every
// ImageInterval (else carried over from prev).
func (e *Engine) discover(ctx context.Context, now time.Time, prev store.Fleet) (store.Fleet, error) {
	details := e.imaged.IsZero() || now.Sub(e.imaged) >= e.o.ImageInterval
	f, err := Discover(ctx, e.o.Provider, e.policy(), now, details, prev.Clusters)
	if err != nil {
		return store.Fleet{}, err
	}
	if details {
		e.imaged = now
	}
	return f, nil
}

// Discover reads the fleet the policy manages from the provider: the
// clusters of the policy's subscriptions ("*": every one the identity can
// read), and the catalogue of every region in use. With details, it also
// reads the latest node images of the managed clusters' pools and the
// maintenance windows of clusters in fromCluster stages; without, those
// are carried over from prev (they change seldom, and cost a request per
// pool or cluster).
func Discover(ctx context.Context, p aksupgrade.Provider, pol *policy.Policy, now time.Time, details bool, prev []aksupgrade.Cluster) (store.Fleet, error) {
	subs := pol.Subscriptions
	if slices.Contains(subs, "*") {
		all, err := p.Subscriptions(ctx)
		if err != nil {
			return store.Fleet{}, fmt.Errorf("list subscriptions: %w", err)
		}
		subs = all
	}
	clusters, err := p.Clusters(ctx, subs)
	if err != nil {
		return store.Fleet{}, fmt.Errorf("list clusters: %w", err)
	}
	before := make(map[string]*aksupgrade.Cluster, len(prev))
	for i := range prev {
		before[aksupgrade.NormalizeID(prev[i].ID)] = &prev[i]
	}
	var windowed []int
	for i := range clusters {
		c := &clusters[i]
		si, _ := pol.StageOf(c)
		if si < 0 {
			continue
		}
		if !details {
			carryOver(c, before[aksupgrade.NormalizeID(c.ID)])
			continue
		}
		if err := p.NodeImages(ctx, c); err != nil {
			return store.Fleet{}, fmt.Errorf("node images of %s: %w", c.Name, err)
		}
		if pol.Stages[si].Window.FromCluster {
			windowed = append(windowed, i)
		}
	}
	if len(windowed) > 0 {
		some := make([]aksupgrade.Cluster, len(windowed))
		for k, i := range windowed {
			some[k] = clusters[i]
		}
		if err := p.MaintenanceWindows(ctx, some); err != nil {
			return store.Fleet{}, fmt.Errorf("maintenance windows: %w", err)
		}
		for k, i := range windowed {
			clusters[i].AutoUpgradeWindow = some[k].AutoUpgradeWindow
		}
	}
	cats, err := catalogs(ctx, p, clusters)
	if err != nil {
		return store.Fleet{}, err
	}
	return store.Fleet{At: now, Clusters: clusters, Catalogs: cats}, nil
}

// catalogs reads the catalogue of each region the clusters are in, from
// the first subscription seen there.
func catalogs(ctx context.Context, p aksupgrade.Provider, clusters []aksupgrade.Cluster) (map[string]aksupgrade.KubernetesVersionList, error) {
	out := map[string]aksupgrade.KubernetesVersionList{}
	for _, c := range clusters {
		loc := planner.NormalizeLocation(c.Location)
		if _, ok := out[loc]; ok {
			continue
		}
		l, err := p.Catalog(ctx, c.SubscriptionID, c.Location)
		if err != nil {
			return nil, fmt.Errorf("catalogue of %s: %w", c.Location, err)
		}
		out[loc] = l
	}
	return out, nil
}

// carryOver copies the pools' latest node images and the maintenance
// window from the previous observation of the same cluster, if any.
func carryOver(c *aksupgrade.Cluster, prev *aksupgrade.Cluster) {
	if prev == nil {
		return
	}
	c.AutoUpgradeWindow = prev.AutoUpgradeWindow
	for pi := range c.NodePools {
		for _, pp := range prev.NodePools {
			if pp.Name == c.NodePools[pi].Name {
				c.NodePools[pi].LatestNodeImageVersion = pp.LatestNodeImageVersion
			}
		}
	}
}

// refresh reads one cluster again (with its node images) and puts it in
// the fleet, keeping its maintenance window.
func (e *Engine) refresh(ctx context.Context, f *store.Fleet, id string) error {
	fresh, err := e.o.Provider.Cluster(ctx, id)
	if err != nil {
		return err
	}
	if err := e.o.Provider.NodeImages(ctx, &fresh); err != nil {
		return err
	}
	i := slices.IndexFunc(f.Clusters, func(c aksupgrade.Cluster) bool { return aksupgrade.SameID(c.ID, id) })
	if i < 0 {
		f.Clusters = append(f.Clusters, fresh)
		return nil
	}
	fresh.AutoUpgradeWindow = f.Clusters[i].AutoUpgradeWindow
	f.Clusters[i] = fresh
	return nil
}
