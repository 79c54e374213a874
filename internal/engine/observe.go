package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
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
	if err := e.o.Store.SaveFleet(ctx, f); err != nil {
		return store.Fleet{}, fmt.Errorf("save fleet: %w", err)
	}
	e.observed = now
	return f, nil
}

// discover reads the fleet from the provider: clusters of the policy's
// subscriptions, node images of the managed ones (every ImageInterval,
// else carried over), and the catalogue of every region in use.
func (e *Engine) discover(ctx context.Context, now time.Time, prev store.Fleet) (store.Fleet, error) {
	subs := e.policy().Subscriptions
	if slices.Contains(subs, "*") {
		all, err := e.o.Provider.Subscriptions(ctx)
		if err != nil {
			return store.Fleet{}, fmt.Errorf("list subscriptions: %w", err)
		}
		subs = all
	}
	clusters, err := e.o.Provider.Clusters(ctx, subs)
	if err != nil {
		return store.Fleet{}, fmt.Errorf("list clusters: %w", err)
	}
	images := e.imaged.IsZero() || now.Sub(e.imaged) >= e.o.ImageInterval
	for i := range clusters {
		c := &clusters[i]
		if si, _ := e.policy().StageOf(c); si < 0 {
			continue
		}
		if images {
			if err := e.o.Provider.NodeImages(ctx, c); err != nil {
				return store.Fleet{}, fmt.Errorf("node images of %s: %w", c.Name, err)
			}
		} else {
			carryImages(c, prev.Clusters)
		}
	}
	if images {
		e.imaged = now
	}
	cats, err := e.catalogs(ctx, clusters)
	if err != nil {
		return store.Fleet{}, err
	}
	return store.Fleet{At: now, Clusters: clusters, Catalogs: cats}, nil
}

// catalogs reads the catalogue of each region the clusters are in, from
// the first subscription seen there.
func (e *Engine) catalogs(ctx context.Context, clusters []aksupgrade.Cluster) (map[string]aksupgrade.KubernetesVersionList, error) {
	out := map[string]aksupgrade.KubernetesVersionList{}
	for _, c := range clusters {
		loc := planner.NormalizeLocation(c.Location)
		if _, ok := out[loc]; ok {
			continue
		}
		l, err := e.o.Provider.Catalog(ctx, c.SubscriptionID, c.Location)
		if err != nil {
			return nil, fmt.Errorf("catalogue of %s: %w", c.Location, err)
		}
		out[loc] = l
	}
	return out, nil
}

// carryImages copies the pools' latest node images from the previous
// observation of the same cluster.
func carryImages(c *aksupgrade.Cluster, prev []aksupgrade.Cluster) {
	i := slices.IndexFunc(prev, func(p aksupgrade.Cluster) bool { return aksupgrade.SameID(p.ID, c.ID) })
	if i < 0 {
		return
	}
	for pi := range c.NodePools {
		for _, pp := range prev[i].NodePools {
			if pp.Name == c.NodePools[pi].Name {
				c.NodePools[pi].LatestNodeImageVersion = pp.LatestNodeImageVersion
			}
		}
	}
}

// clusterReader is implemented by providers that can read one cluster.
type clusterReader interface {
	Cluster(ctx context.Context, id string) (aksupgrade.Cluster, error)
}

// refresh reads one cluster again (with its node images) and puts it in
// the fleet.
func (e *Engine) refresh(ctx context.Context, f *store.Fleet, id string) error {
	var fresh aksupgrade.Cluster
	if r, ok := e.o.Provider.(clusterReader); ok {
		c, err := r.Cluster(ctx, id)
		if err != nil {
			return err
		}
		fresh = c
	} else {
		sub := subscriptionOf(id)
		all, err := e.o.Provider.Clusters(ctx, []string{sub})
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(c aksupgrade.Cluster) bool { return aksupgrade.SameID(c.ID, id) })
		if i < 0 {
			return fmt.Errorf("cluster %s: %w", id, &aksupgrade.Error{Code: aksupgrade.ErrNotFound, Message: "not found in its subscription"})
		}
		fresh = all[i]
	}
	if err := e.o.Provider.NodeImages(ctx, &fresh); err != nil {
		return err
	}
	i := slices.IndexFunc(f.Clusters, func(c aksupgrade.Cluster) bool { return aksupgrade.SameID(c.ID, id) })
	if i < 0 {
		f.Clusters = append(f.Clusters, fresh)
	} else {
		f.Clusters[i] = fresh
	}
	return nil
}

// subscriptionOf returns the subscription ID of an ARM resource ID.
func subscriptionOf(id string) string {
	const prefix = "/subscriptions/"
	if len(id) < len(prefix) || !strings.EqualFold(id[:len(prefix)], prefix) {
		return ""
	}
	rest := id[len(prefix):]
	for i := range len(rest) {
		if rest[i] == '/' {
			return rest[:i]
		}
	}
	return rest
}
