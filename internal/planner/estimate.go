package planner

import (
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Duration model of AKS operations, used to fit upgrades into windows and
// to project the schedule. It errs long: a window too short for the
// estimate is skipped rather than overrun.
const (
	// ControlPlaneDuration is the time AKS takes to upgrade a control
	// plane.
	ControlPlaneDuration = 10 * time.Minute
	// BatchDuration is the time one surge batch takes: surge nodes join,
	// old nodes are cordoned, drained and reimaged.
	BatchDuration = 8 * time.Minute
)

// estimateKube is the time a cluster needs to move every part that is
// below hop to hop.
func (s *stageRun) estimateKube(m *member, hop version.Version) time.Duration {
	var d time.Duration
	if m.cp.Less(hop) {
		d += ControlPlaneDuration
	}
	for i := range m.c.NodePools {
		if m.pools[i].Less(hop) {
			d += s.poolDuration(&m.c.NodePools[i])
		}
	}
	return d
}

// poolDuration is the time to roll every node of a pool: nodes go in
// batches of maxSurge, each batch drained, reimaged and soaked, with the
// pool's own upgradeSettings (the stage's where it reports none).
func (s *stageRun) poolDuration(np *aksupgrade.NodePool) time.Duration {
	u := s.st.UpgradeSettings.For(np)
	count := max(np.Count, 1)
	surge := u.SurgeNodes(count)
	batches := (count + surge - 1) / surge
	return time.Duration(batches) * (BatchDuration + time.Duration(u.NodeSoakDurationInMinutes)*time.Minute)
}

// Estimate is the time the duration model gives cluster c to move its
// control plane and every pool below to up to it, with stage st's
// upgradeSettings where a pool reports none: what the schedule reserves
// in a window for it. A version that cannot be read counts as below.
func Estimate(st *policy.Stage, c *aksupgrade.Cluster, to version.Version) time.Duration {
	s := &stageRun{st: st}
	below := func(v string) bool {
		pv, err := version.Parse(v)
		return err != nil || pv.Less(to)
	}
	var d time.Duration
	if below(c.KubernetesVersion) {
		d += ControlPlaneDuration
	}
	for i := range c.NodePools {
		if below(c.NodePools[i].KubernetesVersion) {
			d += s.poolDuration(&c.NodePools[i])
		}
	}
	return d
}
