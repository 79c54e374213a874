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
// full when the observe interval has passed, when Rediscover asked for it,
// or when nothing is stored yet.
func (e *Engine) observe(ctx context.Context, now time.Time) (store.Fleet, error) {
	prev, err := e.o.Store.Fleet(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Fleet{}, err
	}
	asked := e.rediscover.Swap(false)
	if err == nil && !asked && !e.observed.IsZero() && now.Sub(e.observed) < e.o.ObserveInterval {
		return prev, nil
	}
	f, err := e.discover(ctx, now, prev)
	if err != nil {
		if asked {
			e.rediscover.Store(true) // still asked: the next step tries again
		}
		return store.Fleet{}, err
	}
	// What changed becomes the same events the webhook receives, stored
	// with the observation that shows it: both or neither.
	pol := e.policy()
	polled := poller.Diff(prev, f, poller.Options{Calendar: e.o.Calendar,
		Managed: func(c *aksupgrade.Cluster) bool { si, _ := pol.StageOf(c); return si >= 0 }})
	announce(prev, &f)
	if _, err := e.writes().Record(ctx, store.Fact{Fleet: &f, Events: polled}); err != nil {
		if asked {
			e.rediscover.Store(true)
		}
		return store.Fleet{}, fmt.Errorf("save fleet: %w", err)
	}
	e.observed = now
	return f, nil
}

// discover reads the fleet from the provider; each cluster's details
// when they are ImageInterval old or its pools changed.
func (e *Engine) discover(ctx context.Context, now time.Time, prev store.Fleet) (store.Fleet, error) {
	f, stale, err := Discover(ctx, e.o.Provider, e.policy(), now, e.o.ImageInterval, prev.Clusters)
	for _, d := range stale {
		e.o.Logger.WarnContext(ctx, "cluster details not read: kept the last ones, read again next time", "cluster", d.Cluster, "err", d.Err)
	}
	return f, err
}

// StaleDetails is a cluster whose details could not be read in a
// discovery: Azure throttled the reads or failed for now. The last ones
// read were kept, and are read again at the next discovery.
type StaleDetails struct {
	Cluster string
	Err     error
}

// Discover reads the fleet the policy manages from the provider: the
// clusters of the policy's subscriptions ("*": every one the identity can
// read), and the catalogue of every region in use.
//
// A managed cluster's details (its pools' latest node images, one upgrade
// profile per pool, and, in fromCluster stages, its maintenance window)
// are read when they may have changed: never read, read interval ago or
// more (0: always), or its pools changed since prev. Otherwise they are
// carried over from prev: they change seldom and cost AKS's scarcest
// bucket (60 requests, then 1 a second, per subscription and region). A
// detail read Azure throttles or fails for now keeps the last details and
// is returned as stale, not failed: one busy subscription does not stop
// the fleet from being observed.
func Discover(ctx context.Context, p aksupgrade.Provider, pol *policy.Policy, now time.Time, interval time.Duration, prev []aksupgrade.Cluster) (store.Fleet, []StaleDetails, error) {
	subs := pol.Subscriptions
	if slices.Contains(subs, "*") {
		all, err := p.Subscriptions(ctx)
		if err != nil {
			return store.Fleet{}, nil, fmt.Errorf("list subscriptions: %w", err)
		}
		subs = all
	}
	clusters, err := p.Clusters(ctx, subs)
	if err != nil {
		return store.Fleet{}, nil, fmt.Errorf("list clusters: %w", err)
	}
	before := make(map[string]*aksupgrade.Cluster, len(prev))
	for i := range prev {
		before[aksupgrade.NormalizeID(prev[i].ID)] = &prev[i]
	}
	var (
		windowed []int
		stale    []StaleDetails
	)
	if err := fleetMembers(ctx, p, subs, clusters, before); err != nil {
		stale = append(stale, StaleDetails{Cluster: "(Fleet Manager memberships)", Err: err})
	}
	for i := range clusters {
		c := &clusters[i]
		si, _ := pol.StageOf(c)
		if si < 0 {
			continue
		}
		old := before[aksupgrade.NormalizeID(c.ID)]
		if !detailsDue(c, old, now, interval) {
			carryOver(c, old)
			continue
		}
		if err := p.NodeImages(ctx, c); err != nil {
			if !aksupgrade.Code(err).Retryable() {
				return store.Fleet{}, nil, fmt.Errorf("node images of %s: %w", c.Name, err)
			}
			carryOver(c, old)
			stale = append(stale, StaleDetails{Cluster: c.Name, Err: err})
			continue
		}
		c.DetailsAt = now
		if old != nil {
			c.AutoUpgradeWindow = old.AutoUpgradeWindow
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
		switch err := p.MaintenanceWindows(ctx, some); {
		case err == nil:
			for k, i := range windowed {
				clusters[i].AutoUpgradeWindow = some[k].AutoUpgradeWindow
			}
		case aksupgrade.Code(err).Retryable():
			// The windows read before are kept; the clusters are read
			// again next time.
			for _, i := range windowed {
				c := &clusters[i]
				if old := before[aksupgrade.NormalizeID(c.ID)]; old != nil {
					c.DetailsAt = old.DetailsAt
				} else {
					c.DetailsAt = time.Time{}
				}
				stale = append(stale, StaleDetails{Cluster: c.Name, Err: err})
			}
		default:
			return store.Fleet{}, nil, fmt.Errorf("maintenance windows: %w", err)
		}
	}
	cats, err := catalogs(ctx, p, clusters)
	if err != nil {
		return store.Fleet{}, nil, err
	}
	return store.Fleet{At: now, Clusters: clusters, Catalogs: cats}, stale, nil
}

// fleetMembers sets each cluster's Azure Kubernetes Fleet Manager
// membership. Reading fleets may fail (the identity may not read them):
// then each cluster keeps the membership read before, and the error is
// returned for the caller to report, not to stop on.
func fleetMembers(ctx context.Context, p aksupgrade.Provider, subs []string, clusters []aksupgrade.Cluster, before map[string]*aksupgrade.Cluster) error {
	ms, err := p.FleetMemberships(ctx, subs)
	if err != nil {
		for i := range clusters {
			if old := before[aksupgrade.NormalizeID(clusters[i].ID)]; old != nil {
				clusters[i].Fleet = old.Fleet
			}
		}
		return err
	}
	by := make(map[string]*aksupgrade.FleetMembership, len(ms))
	for i := range ms {
		by[aksupgrade.NormalizeID(ms[i].ClusterID)] = &ms[i]
	}
	for i := range clusters {
		clusters[i].Fleet = by[aksupgrade.NormalizeID(clusters[i].ID)]
	}
	return nil
}

// detailsDue reports whether c's details are to be read: never read, read
// interval ago or more, or its control plane or pools changed since old
// (the latest image of a pool depends on its version, OS and current
// image; the upgrades the cluster's profile offers on the control
// plane's version).
func detailsDue(c, old *aksupgrade.Cluster, now time.Time, interval time.Duration) bool {
	if interval <= 0 || old == nil || old.DetailsAt.IsZero() || now.Sub(old.DetailsAt) >= interval {
		return true
	}
	if len(c.NodePools) != len(old.NodePools) || c.KubernetesVersion != old.KubernetesVersion {
		return true
	}
	for i, np := range c.NodePools {
		o := old.NodePools[i]
		if np.Name != o.Name || np.KubernetesVersion != o.KubernetesVersion || np.NodeImageVersion != o.NodeImageVersion || np.OSType != o.OSType {
			return true
		}
	}
	return false
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
	c.AutoUpgradeWindow, c.DetailsAt, c.Upgrades = prev.AutoUpgradeWindow, prev.DetailsAt, prev.Upgrades
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
