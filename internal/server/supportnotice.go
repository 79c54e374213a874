package server

import (
	"context"
	"errors"
	"strings"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// running is what a cluster runs now, as the last observation of the
// fleet says, and whether the plan has that version supported.
type running struct {
	version   string
	supported bool
}

// fleetNow indexes what the clusters run now by lower-case resource ID
// and by name (a name two clusters share is left out): the last observed
// fleet, else the last plan, which is made from it.
func (s *server) fleetNow(ctx context.Context) (map[string]running, error) {
	plan, _ := s.o.Engine.LastPlan() // no plan: versions from the fleet alone
	planned := map[string]planner.ClusterPlan{}
	if plan != nil {
		for _, sp := range plan.Stages {
			for _, c := range sp.Clusters {
				planned[aksupgrade.NormalizeID(c.Cluster)] = c
			}
		}
	}
	byID := map[string]running{}
	names := map[string][]string{}
	add := func(id, name, v string) {
		key := aksupgrade.NormalizeID(id)
		r := running{version: v}
		// The plan's support is of the version it planned from; its
		// words (version.Status.Describe) start with "supported" while
		// the minor is.
		if c, ok := planned[key]; ok && c.Current == v {
			r.supported = strings.HasPrefix(c.Support, "supported")
		}
		byID[key] = r
		names[strings.ToLower(name)] = append(names[strings.ToLower(name)], key)
	}
	switch f, err := s.o.Store.Fleet(ctx); {
	case err == nil:
		for _, c := range f.Clusters {
			add(c.ID, c.Name, c.KubernetesVersion)
		}
	case errors.Is(err, store.ErrNotFound):
		for _, c := range planned {
			add(c.Cluster, c.Name, c.Current)
		}
	default:
		return nil, err
	}
	out := make(map[string]running, len(byID)+len(names))
	for k, r := range byID {
		out[k] = r
	}
	for name, ids := range names {
		if len(ids) == 1 {
			out[name] = byID[ids[0]]
		}
	}
	return out, nil
}

// current says whether a support event still holds for the cluster as it
// runs now, and gives the event as it holds now. It does not when the
// cluster has moved to a newer minor than the event named, nor an "ended"
// event of a cluster the plan shows supported again; on another patch of
// the same minor it holds, told with the version the cluster runs now
// (support ends per minor). A cluster not observed keeps its event.
func current(ev aksupgrade.Event, fleet map[string]running) (aksupgrade.Event, bool) {
	if ev.Support == nil {
		return ev, true
	}
	r, ok := fleet[aksupgrade.NormalizeID(ev.Cluster)]
	if !ok || ev.Cluster == "" {
		r, ok = fleet[strings.ToLower(ev.Subject)]
	}
	if !ok || r.version == "" {
		return ev, true
	}
	was, err1 := version.Parse(ev.Support.KubernetesVersion)
	now, err2 := version.Parse(r.version)
	switch {
	case err1 != nil || err2 != nil:
		return ev, true
	case was.MinorOf().Less(now.MinorOf()):
		return ev, false
	case ev.Type == aksupgrade.EventClusterSupportEnded && r.supported:
		return ev, false
	case was.SameMinor(now) && was != now:
		sup := *ev.Support
		sup.KubernetesVersion = r.version
		ev.Support = &sup
	}
	return ev, true
}
