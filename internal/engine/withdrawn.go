package engine

import (
	"context"
	"errors"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// errPlanStale is issue's word to execute that the plan's catalogue was
// out of date (see withdrawn): the step was settled, and the rest of the
// plan is not to be carried out.
var errPlanStale = errors.New("the plan was made on a catalogue AKS has changed since")

// withdrawn settles a step AKS refused because it no longer offers the
// version, when the plan took that version from a catalogue read before
// AKS withdrew it: AKS sends no event when a version leaves a region, so
// the engine's catalogue is as old as its last observation.
//
// It reads the region's catalogue again. When that no longer lists the
// version, nothing started and nothing is broken: the step is recorded
// abandoned, with AKS's refusal, in one fact with the fleet holding the
// fresh catalogue, and it reports true. The rest of the plan, made on the
// same old catalogue, is dropped, and the planner plans again with what
// AKS offers now: a stale catalogue costs one refused request per region.
//
// It reports false and changes nothing when the version was not in the
// plan's catalogue, when the fresh catalogue still lists it, or when the
// catalogue cannot be read now: the refusal is then a failure like any
// other, and halts the stage for a person to look at.
func (e *Engine) withdrawn(ctx context.Context, now time.Time, f *store.Fleet, rec *store.StepRecord, refusal error) (bool, error) {
	c := findCluster(f.Clusters, rec.Step.ClusterID)
	if c == nil || rec.Step.Version == "" {
		return false, nil
	}
	region := planner.NormalizeLocation(c.Location)
	if !f.Catalogs[region].Lists(rec.Step.Version) {
		return false, nil
	}
	fresh, err := e.o.Provider.Catalog(ctx, c.SubscriptionID, c.Location)
	if err != nil {
		e.log.Warn("cannot read the catalogue again after AKS refused a version; the refusal stands as a failure", "region", c.Location, "err", err)
		return false, nil
	}
	if fresh.Lists(rec.Step.Version) {
		return false, nil
	}
	f.Catalogs[region] = fresh
	rec.State, rec.UpdatedAt = store.StepAbandoned, now
	rec.ErrorCode, rec.Error = aksupgrade.Code(refusal), refusal.Error()
	if _, err := e.record(ctx, now, store.Fact{Step: rec, Fleet: f}, stepEvent(*rec)); err != nil {
		return false, err
	}
	e.log.Info("AKS withdrew the version after the catalogue was read; planning again with the catalogue as it is now",
		"cluster", rec.Step.ClusterID, "version", rec.Step.Version, "region", c.Location)
	return true, nil
}
