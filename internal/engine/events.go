package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// EventSource is the source of the events the engine emits.
const EventSource = "aksupgrade/engine"

// emit stores a domain event for what just happened (notifications read
// them); a failure is logged and returned. Its id is derived from the
// transition, so a transition recorded again after a restart emits
// nothing new.
func (e *Engine) emit(ctx context.Context, now time.Time, id, typ, subject string, data any) error {
	body, err := json.Marshal(data)
	if err != nil {
		e.log.Error("encode event", "type", typ, "err", err)
		return err
	}
	ev := store.Event{Key: store.EventKey{Source: EventSource, ID: id}, Type: typ, Subject: subject, Time: now, Data: body, ReceivedAt: now}
	if _, err := e.o.Store.PutEvent(ctx, ev); err != nil {
		e.log.Error("store event", "type", typ, "err", err)
		return err
	}
	return nil
}

// describeFailure says in plain words what failed and what to do.
func describeFailure(s aksupgrade.Step, err error) string {
	what := "the control plane upgrade to " + s.Version
	switch s.Kind {
	case aksupgrade.StepNodePool:
		what = "the upgrade of node pool " + s.Pool + " to " + s.Version
	case aksupgrade.StepNodeImage:
		what = "the node image upgrade of pool " + s.Pool
	}
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

// announceApprovals emits aksupgrade.EventApprovalNeeded for each stage and target
// the plan shows awaiting approval; the event's ID makes it once each.
func (e *Engine) announceApprovals(ctx context.Context, now time.Time, res *planner.Result) {
	for _, st := range res.Stages {
		told := map[aksupgrade.Target]bool{}
		for _, c := range st.Clusters {
			if c.State != planner.ClusterApproval || c.Target == nil || told[*c.Target] {
				continue
			}
			told[*c.Target] = true
			e.emit(ctx, now, fmt.Sprintf("approval/%s/%s", st.Name, c.Target), aksupgrade.EventApprovalNeeded, "",
				map[string]any{"stage": st.Name, "target": *c.Target, "reason": c.Reason})
		}
	}
}
