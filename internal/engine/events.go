package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// EventSource is the source of the events the engine emits.
const EventSource = "aksupgrade/engine"

// event returns one of the engine's events, encoded for the store and
// needing no processing by the inbox. Its ID is derived from what it
// reports, so a fact recorded again after a restart tells nothing new.
func (e *Engine) event(now time.Time, id string, ev aksupgrade.Event) (store.Event, error) {
	ev.Source, ev.ID, ev.Time = EventSource, id, now
	se, err := eventlog.Encode(ev)
	if err != nil {
		return store.Event{}, err
	}
	return eventlog.Processed(se, now), nil
}

// record writes a fact of the engine's own with the events that report
// it, in one transaction; an error is the caller's, never dropped.
func (e *Engine) record(ctx context.Context, now time.Time, f store.Fact, events ...eventSpec) (store.Recorded, error) {
	return e.recordIn(ctx, e.writes(), now, f, events...)
}

// recordIn is record, written to st.
func (e *Engine) recordIn(ctx context.Context, st store.Store, now time.Time, f store.Fact, events ...eventSpec) (store.Recorded, error) {
	for _, spec := range events {
		ev, err := e.event(now, spec.id, spec.ev)
		if err != nil {
			return store.Recorded{}, err
		}
		f.Events = append(f.Events, ev)
	}
	return st.Record(ctx, f)
}

// eventSpec is an event of a fact before it is encoded: its ID and what
// it says.
type eventSpec struct {
	id string
	ev aksupgrade.Event
}

// describeFailure says in plain words what failed and what to do.
func describeFailure(s aksupgrade.Step, err error) string {
	what := "the upgrade of " + s.Describe()
	var ae *aksupgrade.Error
	azure := ""
	if errors.As(err, &ae) {
		azure = strings.TrimSpace(ae.AzureCode + ": " + ae.Message)
	} else if err != nil {
		azure = err.Error()
	}
	hint := ""
	switch aksupgrade.Code(err) {
	case aksupgrade.ErrDrainFailed:
		hint = "a node could not be drained, usually a PodDisruptionBudget that allows no disruption; fix it, then retry the stage"
	case aksupgrade.ErrQuotaExceeded:
		hint = "the subscription has no quota for the surge nodes; raise the quota or lower maxSurge, then retry"
	case aksupgrade.ErrDeprecatedAPI:
		hint = "the cluster still uses APIs removed in the target version; migrate them, then retry"
	case aksupgrade.ErrVersionNotAvailable:
		hint = "AKS does not offer this upgrade; check the region's versions (aksupgrade versions)"
	case aksupgrade.ErrAuth:
		hint = "the identity lacks permission on the cluster"
	}
	out := fmt.Sprintf("%s failed", what)
	if azure != "" {
		out += " (" + azure + ")"
	}
	if hint != "" {
		out += ": " + hint
	}
	return out
}

// announceApprovals records aksupgrade.EventApprovalNeeded for each stage
// and target the plan shows awaiting approval; the event's ID makes it
// once each.
func (e *Engine) announceApprovals(ctx context.Context, now time.Time, res *planner.Result) error {
	var specs []eventSpec
	for _, st := range res.Stages {
		told := map[aksupgrade.Target]bool{}
		for _, c := range st.Clusters {
			if c.State != planner.ClusterApproval || c.Target == nil || told[*c.Target] {
				continue
			}
			told[*c.Target] = true
			specs = append(specs, eventSpec{fmt.Sprintf("approval/%s/%s", st.Name, c.Target), aksupgrade.Event{Type: aksupgrade.EventApprovalNeeded,
				Stage: &aksupgrade.StageEvent{Stage: st.Name, Target: *c.Target, Reason: c.Reason}}})
		}
	}
	if len(specs) == 0 {
		return nil
	}
	_, err := e.record(ctx, now, store.Fact{}, specs...)
	return err
}
