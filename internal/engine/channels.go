package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// AuditKindChannels is the audit kind of a change of a cluster's AKS
// upgrade channels.
const AuditKindChannels = "channels"

// takeOver sets the AKS upgrade channels of the clusters the plan found
// in conflict, when the policy says so (channels.takeOver): the change in
// Azure first, then in one write the fleet as it now is, the audit note
// and the event that tells it. It reports whether a cluster changed.
//
// It does so only inside the cluster's stage window: AKS says a node OS
// channel change "triggers a reimage, leading to rolling nodes"
// (learn.microsoft.com/azure/aks/auto-upgrade-node-os-image), which is an
// upgrade in all but name.
//
// A crash between the two leaves the channels set without their note;
// the next discovery reads them back and nothing is set twice.
func (e *Engine) takeOver(ctx context.Context, now time.Time, res *planner.Result, f *store.Fleet) (bool, error) {
	pol := e.policy()
	if !pol.Channels.TakeOver || len(res.Conflicts) == 0 {
		return false, nil
	}
	acted := false
	for _, n := range res.Conflicts {
		i := slices.IndexFunc(f.Clusters, func(c aksupgrade.Cluster) bool { return aksupgrade.SameID(c.ID, n.Cluster) })
		if i < 0 {
			continue
		}
		c := &f.Clusters[i]
		si, _ := pol.StageOf(c)
		want := wantChannels(pol, c)
		if si < 0 || want == (aksupgrade.Channels{}) || !c.Idle() || c.Stopped() || !windowOpen(&pol.Stages[si], c, now) {
			continue
		}
		if err := e.held(); err != nil {
			return acted, err
		}
		if err := e.o.Provider.SetChannels(ctx, c.ID, want); err != nil {
			// Not the loop's failure: the cluster stays a conflict, the
			// plan says so, and the next round tries again.
			e.log.Warn("could not set the cluster's AKS channels", "cluster", c.Name, "err", err)
			continue
		}
		ev := aksupgrade.ChannelsEvent{Cluster: c.ID, Stage: pol.Stages[si].Name,
			From: aksupgrade.Channels{AutoUpgrade: c.AutoUpgradeChannel, NodeOS: c.NodeOSUpgradeChannel}, To: want}
		if want.AutoUpgrade != "" {
			c.AutoUpgradeChannel = want.AutoUpgrade
		}
		if want.NodeOS != "" {
			c.NodeOSUpgradeChannel = want.NodeOS
		}
		note := store.AuditEntry{At: now, Actor: Actor, Kind: AuditKindChannels, Stage: ev.Stage, Cluster: c.ID, Message: ev.Describe()}
		fleet := *f
		id := fmt.Sprintf("channels/%s/%d", aksupgrade.NormalizeID(c.ID), now.UnixNano())
		if _, err := e.record(ctx, now, store.Fact{Fleet: &fleet, Notes: []store.AuditEntry{note}},
			eventSpec{id, aksupgrade.Event{Type: aksupgrade.EventChannelsSet, Cluster: c.ID, Channels: &ev}}); err != nil {
			return acted, err
		}
		e.log.Info("AKS channels set", "cluster", c.Name, "autoUpgrade", want.AutoUpgrade, "nodeOS", want.NodeOS)
		acted = true
	}
	return acted, nil
}

// windowOpen reports whether the cluster's window in stage st is open at
// now (planner.WindowOf: the stage's, or the cluster's own for fromCluster;
// a cluster without a usable one never opens, and the plan says why).
func windowOpen(st *policy.Stage, c *aksupgrade.Cluster, now time.Time) bool {
	sched, _ := planner.WindowOf(st, c)
	if sched == nil {
		return false
	}
	_, open := sched.Open(now)
	return open
}

// wantChannels is what the policy has aksupgrade set on c: the
// auto-upgrade channel none when AKS upgrades it, the policy's node OS
// channel when AKS reimages nodes aksupgrade rolls out images to.
func wantChannels(pol *policy.Policy, c *aksupgrade.Cluster) aksupgrade.Channels {
	var w aksupgrade.Channels
	if c.AutoUpgradeEnabled() {
		w.AutoUpgrade = "none"
	}
	if c.NodeOSReimages() && pol.NodeImage.Channel != policy.NodeImageNone {
		w.NodeOS = pol.Channels.NodeOS
	}
	return w
}
