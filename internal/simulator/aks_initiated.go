package simulator

// What AKS upgrades on its own, whoever else manages the cluster. Once an
// hour (simulated) the simulator looks at every idle, running cluster and
// starts at most one operation on it, as AKS would:
//
//   - Node OS channel NodeImage or SecurityPatch: each pool behind the
//     newest node image of its family is reimaged, one pool at a time,
//     inside aksManagedNodeOSUpgradeSchedule when the cluster has one and
//     at any time when it has none ("machines will be rolling reimaged to
//     that VHD following maintenance windows and surge settings"; "It only
//     works for a cluster in a supported version":
//     learn.microsoft.com/azure/aks/auto-upgrade-node-os-image). NodeImage
//     is the default since API 2023-06-01 (same page). SecurityPatch is
//     modelled as NodeImage: the simulator has no security-only VHDs
//     (unverified beyond the channel's description).
//   - Cluster auto-upgrade channel patch, stable, rapid: the control plane
//     and every pool in one operation, inside aksManagedAutoUpgradeSchedule
//     or at any time ("Auto-upgrade first upgrades the control plane, and
//     then upgrades agent pools one by one"; patch: newest patch of the
//     cluster's minor; stable: newest patch of minor N-1; rapid: newest
//     patch of the newest minor: learn.microsoft.com/azure/aks/auto-upgrade-cluster).
//     A hop never skips a minor. node-image: as the NodeImage node OS
//     channel.
//   - Forced upgrades out of the support window, whatever the channels:
//     "When a cluster in an n-3 version is about to drop to n-4, AKS
//     automatically upgrades the cluster to n-2" (same page), and "AKS
//     automatically upgrades any cluster that stays on an unsupported
//     Kubernetes version after its 60-day platform support grace period
//     ends" (AKS release notes 2026-10-25, from June 2027). The simulator
//     does it for clusters whose minor the timeline removes,
//     forcedUpgradeAfter later, inside aksManagedAutoUpgradeSchedule when
//     set, into the oldest supported minor; clusters already out of
//     support when the scenario starts are left to the operator
//     (unverified: when their grace period began is unknown).

import (
	"time"

	"github.com/aksupgrade/aksupgrade/internal/version"
	"github.com/aksupgrade/aksupgrade/internal/window"
)

// forcedUpgradeAfter is how long after its minor leaves the catalogue AKS
// upgrades a cluster by force: the 60-day platform support grace period.
const forcedUpgradeAfter = 60 * 24 * time.Hour

// Node OS and cluster auto-upgrade channels that make AKS act.
const (
	nodeOSNodeImage     = "NodeImage"
	nodeOSSecurityPatch = "SecurityPatch"
	channelPatch        = "patch"
	channelStable       = "stable"
	channelRapid        = "rapid"
	channelNodeImage    = "node-image"
)

// sweepEvery is how often AKS looks for work of its own.
const sweepEvery = time.Hour

// aksSweep starts the operations AKS starts by itself at t.
func (s *Simulator) aksSweep(t time.Time) {
	for _, sub := range s.subs {
		for _, c := range sub.clusters {
			if c.op == nil && c.provisioning == stateSucceeded && s.powerState(c) != "Stopped" {
				s.aksActs(c, t)
			}
		}
	}
}

func (s *Simulator) aksActs(c *clusterState, t time.Time) {
	for _, w := range s.aksWork(c) {
		if t.Before(w.notBefore) || !s.windowOpen(c, w.config, t) {
			continue
		}
		if w.pool != nil {
			s.startPool(opNodeImage, w.pool, w.image, t)
			s.log.Info("AKS upgrades on its own", "cluster", c.name, "pool", w.pool.name, "why", w.why, "to", w.image)
			return
		}
		s.aksUpgrade(c, w.to, t, w.why)
		return
	}
}

// aksWork is an operation AKS would start on a cluster of its own.
type aksWork struct {
	// config is the maintenance configuration whose window it waits for.
	config string
	// notBefore: not before the end of the grace period (forced upgrades).
	notBefore time.Time
	// to is a cluster upgrade's target; pool and image a node image
	// upgrade's.
	to    version.Version
	pool  *poolState
	image string
	why   string
}

// aksWork is what AKS would start on c, by the cluster's state alone, in
// the order it tries them: the first whose window is open (and whose
// grace period is over) at a sweep is started. A cluster upgrade its
// window does not allow yet leaves a node image upgrade free to go in its
// own.
func (s *Simulator) aksWork(c *clusterState) []aksWork {
	r := s.region(c)
	cp := mustVersion(c.version)
	if m := r.recoveryMinor(cp); m != nil {
		removed, ok := r.removed[cp.MinorOf()]
		if !ok {
			return nil
		}
		// Node OS upgrades only work on a supported version.
		return []aksWork{{config: configAutoUpgrade, notBefore: removed.Add(forcedUpgradeAfter), to: m.patches[len(m.patches)-1], why: "forced: out of support"}}
	}
	var out []aksWork
	if to, ok := s.autoUpgradeTarget(c, cp); ok {
		out = append(out, aksWork{config: configAutoUpgrade, to: to, why: "auto-upgrade channel " + c.autoUpgrade})
	}
	reimage := c.nodeOSUpgrade == nodeOSNodeImage || c.nodeOSUpgrade == nodeOSSecurityPatch
	config, why := configNodeOS, "node OS channel "+c.nodeOSUpgrade
	if c.autoUpgrade == channelNodeImage {
		reimage, config, why = true, configAutoUpgrade, "auto-upgrade channel "+c.autoUpgrade
	}
	if !reimage {
		return out
	}
	for _, p := range systemFirst(c.pools) {
		if latest := s.latestImage(p); latest != p.image {
			return append(out, aksWork{config: config, pool: p, image: latest, why: why})
		}
	}
	return out
}

// aksUpgrade starts AKS's own upgrade of the control plane and every pool
// to to.
func (s *Simulator) aksUpgrade(c *clusterState, to version.Version, t time.Time, why string) {
	var moving []*poolState
	for _, p := range c.pools {
		if p.version != to.String() {
			moving = append(moving, p)
		}
	}
	s.startCluster(c, to.String(), moving, t)
	s.log.Info("AKS upgrades on its own", "cluster", c.name, "why", why, "to", to)
}

// autoUpgradeTarget is the version the cluster's auto-upgrade channel
// moves it to next, if it is behind: one minor at most per hop.
func (s *Simulator) autoUpgradeTarget(c *clusterState, cp version.Version) (version.Version, bool) {
	r := s.region(c)
	var goal version.Version
	var ga []*minorState
	for _, m := range r.minors {
		if !m.preview && len(m.patches) > 0 {
			ga = append(ga, m)
		}
	}
	switch c.autoUpgrade {
	case channelPatch:
		goal, _ = r.latestPatch(cp.MinorOf())
	case channelStable:
		if len(ga) >= 2 {
			goal = ga[len(ga)-2].patches[len(ga[len(ga)-2].patches)-1]
		}
	case channelRapid:
		if len(ga) >= 1 {
			goal = ga[len(ga)-1].patches[len(ga[len(ga)-1].patches)-1]
		}
	}
	if goal == (version.Version{}) || !cp.Less(goal) {
		return version.Version{}, false
	}
	if goal.Minor > cp.Minor+1 {
		next, ok := r.latestPatch(version.Version{Major: cp.Major, Minor: cp.Minor + 1})
		if !ok {
			return version.Version{}, false
		}
		goal = next
	}
	return goal, true
}

// windowOpen reports whether the cluster's maintenance configuration name
// allows AKS to act at t: open, or not configured at all.
func (s *Simulator) windowOpen(c *clusterState, name string, t time.Time) bool {
	w := c.windows[name]
	if w == nil {
		return true
	}
	sched, ok := c.schedules[name]
	if !ok {
		var err error
		if sched, err = window.Compile(*w); err != nil {
			sched = nil // checked when the scenario loads; never open
		}
		if c.schedules == nil {
			c.schedules = map[string]*window.Schedule{}
		}
		c.schedules[name] = sched
	}
	if sched == nil {
		return false
	}
	_, open := sched.Open(t)
	return open
}

// systemFirst orders pools as AKS upgrades them: system pools first.
func systemFirst(pools []*poolState) []*poolState {
	out := make([]*poolState, 0, len(pools))
	for _, p := range pools {
		if p.mode == "System" {
			out = append(out, p)
		}
	}
	for _, p := range pools {
		if p.mode != "System" {
			out = append(out, p)
		}
	}
	return out
}
