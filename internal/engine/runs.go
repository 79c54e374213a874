package engine

import (
	"context"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// updateRuns moves each cluster's run on once its steps are over: when the
// plan has no further step of the run's target for the cluster, the
// cluster is verified (ARM reports the target everywhere, provisioning
// Succeeded, running) and its run is done.
func (e *Engine) updateRuns(ctx context.Context, now time.Time, res *planner.Result, f store.Fleet) error {
	runs, err := e.o.Store.Runs(ctx)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.State == store.RunDone || r.State == store.RunFailed || r.State == store.RunSkipped {
			continue
		}
		cp := clusterIn(res, r.ClusterID)
		if cp == nil || (cp.Target != nil && *cp.Target == r.Target) {
			continue // still on its way
		}
		c := findCluster(f.Clusters, r.ClusterID)
		if c == nil {
			continue
		}
		next, reason := verify(c, r.Target)
		if next == r.State && reason == r.Reason {
			continue
		}
		r.State, r.Reason, r.UpdatedAt = next, reason, now
		if err := e.writes().SetRun(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// verify is the postflight check of a cluster that has no step left
// towards target.
func verify(c *aksupgrade.Cluster, t aksupgrade.Target) (store.RunState, string) {
	switch {
	case !c.Idle():
		return store.RunVerifying, "waiting for the cluster's last operation to settle"
	case c.Stopped():
		return store.RunVerifying, "the cluster is stopped"
	case !succeeded(c.ProvisioningState):
		return store.RunVerifying, "provisioning state is " + c.ProvisioningState
	case !reachedTarget(c, t):
		return store.RunVerifying, "ARM does not report " + t.String() + " on every part yet"
	}
	return store.RunDone, "verified: " + t.String() + " on the control plane and every pool, provisioning Succeeded"
}

func succeeded(state string) bool { return state == "" || state == "Succeeded" }

func reachedTarget(c *aksupgrade.Cluster, t aksupgrade.Target) bool {
	if t.Kind == aksupgrade.TargetNodeImage {
		for _, p := range c.NodePools {
			if p.LatestNodeImageVersion != "" && p.NodeImageVersion != p.LatestNodeImageVersion {
				return false
			}
		}
		return true
	}
	want, err := version.Parse(t.Version)
	if err != nil {
		return false
	}
	at := func(s string) bool {
		v, err := version.Parse(s)
		return err == nil && !v.Less(want)
	}
	if !at(c.KubernetesVersion) {
		return false
	}
	for _, p := range c.NodePools {
		if !at(p.KubernetesVersion) {
			return false
		}
	}
	return true
}

func clusterIn(res *planner.Result, id string) *planner.ClusterPlan {
	for si := range res.Stages {
		for ci := range res.Stages[si].Clusters {
			if aksupgrade.SameID(res.Stages[si].Clusters[ci].Cluster, id) {
				return &res.Stages[si].Clusters[ci]
			}
		}
	}
	return nil
}
