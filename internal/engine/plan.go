package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// plan asks the planner, with the stored history, and with every cluster
// that has an operation in flight shown busy even when the last
// observation predates it.
func (e *Engine) plan(ctx context.Context, now time.Time, f store.Fleet, active []store.StepRecord) (*planner.Result, error) {
	hist, err := e.o.Store.PlanningHistory(ctx)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	cats := make(map[string]*version.Catalog, len(f.Catalogs))
	for region, l := range f.Catalogs {
		c, err := version.NewCatalog(l)
		if err != nil {
			return nil, fmt.Errorf("catalogue of %s: %w", region, err)
		}
		cats[planner.NormalizeLocation(region)] = c
	}
	clusters := f.Clusters
	if len(active) > 0 {
		clusters = make([]aksupgrade.Cluster, len(f.Clusters))
		copy(clusters, f.Clusters)
		for _, s := range active {
			if c := findCluster(clusters, s.Step.ClusterID); c != nil && c.Idle() {
				c.ProvisioningState = "Upgrading"
			}
		}
	}
	gated, err := e.gatedRuns(ctx)
	if err != nil {
		return nil, err
	}
	if err := e.loadCalendar(ctx); err != nil {
		return nil, fmt.Errorf("maintenance calendar: %w", err)
	}
	return planner.Plan(planner.Input{Now: now, Policy: e.policy(), Clusters: clusters, Catalogs: cats, History: hist,
		Calendar: e.o.Calendar, AzureMaintenance: e.spans(now), Gated: gated}), nil
}

// gatedRuns returns the clusters their preflight gates keep waiting, as
// the planner takes them.
func (e *Engine) gatedRuns(ctx context.Context) (map[string]planner.Gated, error) {
	runs, err := e.o.Store.Runs(ctx)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	return GatedRuns(runs), nil
}

// GatedRuns picks the runs its preflight gates keep waiting, keyed as
// planner.Input.Gated is.
func GatedRuns(runs []store.Run) map[string]planner.Gated {
	var out map[string]planner.Gated
	for _, r := range runs {
		if r.State != store.RunGated {
			continue
		}
		if out == nil {
			out = map[string]planner.Gated{}
		}
		out[aksupgrade.NormalizeID(r.ClusterID)] = planner.Gated{Target: r.Target, Reason: r.Reason}
	}
	return out
}
