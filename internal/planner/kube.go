package planner

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// kubeJob returns the cluster's next Kubernetes hop, nil when it has none.
func (s *stageRun) kubeJob(m *member) *job {
	k := &s.p.in.Policy.Kubernetes
	if k.Channel == version.ChannelNone {
		return nil
	}
	if m.cat == nil {
		return &job{m: m, state: ClusterBlocked, reason: "no version catalogue for region " + m.c.Location}
	}
	if s.si == 0 {
		return s.firstStageKube(m)
	}
	return s.laterStageKube(m)
}

// firstStageKube resolves the policy's channel in the cluster's region.
func (s *stageRun) firstStageKube(m *member) *job {
	k := &s.p.in.Policy.Kubernetes
	current := version.Version{}
	if k.Channel == version.ChannelPatch {
		current = m.cp.MinorOf()
	}
	goal, ok, why := s.p.resolve(m.cat, current, m.filter)
	if !ok {
		return &job{m: m, state: ClusterBlocked, reason: why + " (region " + m.c.Location + ")"}
	}
	if k.MinorUpgrades == policy.MinorNever && goal.Minor > m.cp.Minor {
		latest, found := m.cat.Latest(m.cp.MinorOf(), m.filter)
		if !found {
			return &job{m: m, state: ClusterBlocked, reason: "minorUpgrades is never and " + m.cp.MinorString() + " is no longer offered in " + m.c.Location}
		}
		goal = latest
	}
	if !m.low.Less(goal) {
		return nil
	}
	hop, err := version.NextHop(m.cat, m.low, goal, m.filter)
	if skip, ok := m.skipTowards(goal); ok {
		hop, err = skip, nil // the cluster's profile offers the jump (LTS to the next LTS)
	}
	if err != nil {
		return &job{m: m, state: ClusterBlocked, reason: err.Error()}
	}
	j := s.kubeHop(m, hop, goal)
	j.availableAt, j.known, j.ready = s.now(), true, true
	return s.prepare(j)
}

// laterStageKube picks the cluster's next hop among the targets proven, or
// on their way to be, in the stage before, never skipping a minor. It
// prefers, in order: the newest proven target offered in the cluster's
// region, the newest proven target, the newest target still on its way
// (the cluster then waits for it).
func (s *stageRun) laterStageKube(m *member) *job {
	k := &s.p.in.Policy.Kubernetes
	var goal, provenHere, provenAnywhere, coming *targetState
	for _, ts := range s.p.sortedUpstream(s.si, aksupgrade.TargetKubernetes) {
		v := ts.v
		if !m.low.Less(v) || v.Major != m.low.Major || !allowedByChannel(k, m, v) {
			continue
		}
		if m.cat.IsPreview(v) && !k.AllowPreview {
			continue
		}
		if goal == nil {
			goal = ts
		}
		if !m.reaches(v) {
			continue
		}
		switch {
		case !ts.isProven():
			if coming == nil || provenSooner(ts, coming) {
				coming = ts
			}
		case m.cat.Has(v, m.filter):
			provenHere = cmp.Or(provenHere, ts)
		default:
			provenAnywhere = cmp.Or(provenAnywhere, ts)
		}
	}
	hop := cmp.Or(provenHere, provenAnywhere, coming)
	switch {
	case goal == nil:
		return nil
	case hop == nil:
		return s.prepare(&job{m: m, target: &goal.target, goal: goal.target.Version, state: ClusterBlocked,
			reason: fmt.Sprintf("no %d.%d version is proven in %s yet, and %s cannot skip a minor to reach %s", m.low.Major, m.low.Minor+1, s.prev(), m.low.MinorString(), goal.target.Version)})
	}
	if other, ok := otherPlan(m, hop.v); ok && hop != coming {
		// The stage's rollout does not wait for it: it is held, not
		// behind.
		return &job{m: m, state: ClusterHeld, reason: s.held(m, hop.v, other)}
	}
	j := s.kubeHop(m, hop.v, goal.v)
	switch {
	case !m.cat.Has(hop.v, m.filter):
		j.state, j.reason = ClusterWaiting, unavailable(m, hop.v)
		return s.prepare(j)
	case !m.cat.DirectUpgrade(m.low, hop.v) && !(m.recovering && hop.v.SameMinor(m.recovery)) && !m.skipsTo(hop.v):
		j.state, j.reason = ClusterBlocked, fmt.Sprintf("AKS offers no direct upgrade from %s to %s in %s", m.low, hop.v, m.c.Location)
		return s.prepare(j)
	}
	s.upstreamAvailability(j, hop)
	return s.prepare(j)
}

// provenSooner reports whether a is projected to be proven before b: a
// later stage heads for the first target it can have.
func provenSooner(a, b *targetState) bool {
	switch {
	case a.proven.IsZero():
		return false
	case b.proven.IsZero():
		return true
	}
	return a.proven.Before(b.proven)
}

func allowedByChannel(k *policy.Kubernetes, m *member, v version.Version) bool {
	switch {
	case k.Channel == version.ChannelPatch && v.Minor > m.cp.Minor:
		return false
	case k.Channel == version.ChannelPinned && v.Minor > k.Pinned.Minor:
		return false
	case k.MinorUpgrades == policy.MinorNever && v.Minor > m.cp.Minor:
		return false
	}
	return true
}

// kubeHop builds the job of one Kubernetes hop with its first step:
// control plane first, then each pool that is behind.
func (s *stageRun) kubeHop(m *member, hop, goal version.Version) *job {
	t := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: s.p.str(hop)}
	j := &job{m: m, target: &t, goal: s.p.str(goal), from: m.lowText, kind: aksupgrade.UpdatePatch}
	if hop.Major != m.low.Major || hop.Minor != m.low.Minor {
		j.kind = aksupgrade.UpdateMinor
	}
	c := m.c
	switch {
	case m.recovering || hop.Minor > m.low.Minor+1:
		// Out of support, or LTS to the next LTS: the control plane and
		// every pool in one operation.
		j.step = Action{Kind: ActionUpgradeCluster, From: m.lowText, To: t.Version}
	case m.cp.Less(hop):
		j.step = Action{Kind: ActionUpgradeControlPlane, From: m.c.KubernetesVersion, To: t.Version}
	default:
		for _, i := range m.poolOrder {
			if m.pools[i].Less(hop) {
				j.step = Action{Kind: ActionUpgradeNodePool, Pool: c.NodePools[i].Name, From: c.NodePools[i].KubernetesVersion, To: t.Version}
				break
			}
		}
	}
	j.est = s.estimateKube(m, hop)
	return j
}

// poolOrder returns pool indexes, system pools first, then by name.
func poolOrder(c *aksupgrade.Cluster) []int {
	idx := make([]int, len(c.NodePools))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		sa, sb := c.NodePools[a].Mode == "System", c.NodePools[b].Mode == "System"
		if sa != sb {
			if sa {
				return -1
			}
			return 1
		}
		return compareStrings(c.NodePools[a].Name, c.NodePools[b].Name)
	})
	return idx
}

// resolve is version.Resolve of the policy's channel, once per catalogue,
// minor and filter.
func (p *planner) resolve(cat *version.Catalog, current version.Version, f version.Filter) (version.Version, bool, string) {
	key := resolveKey{cat, current, f}
	r, ok := p.resolved[key]
	if !ok {
		k := &p.in.Policy.Kubernetes
		r.v, r.ok, r.why = version.Resolve(cat, k.Channel, current, k.Pinned, f)
		p.resolved[key] = r
	}
	return r.v, r.ok, r.why
}

type resolveKey struct {
	cat     *version.Catalog
	current version.Version
	filter  version.Filter
}

type resolution struct {
	v   version.Version
	ok  bool
	why string
}

// unavailable says why a version the stage before proved is not offered to
// the cluster: not yet in its region, or not on its support plan.
func unavailable(m *member, v version.Version) string {
	if m.cat.Has(v, version.Filter{AllowPreview: true, SupportPlan: aksupgrade.SupportPlanOfficial}) ||
		m.cat.Has(v, version.Filter{AllowPreview: true, SupportPlan: aksupgrade.SupportPlanLTS}) {
		return fmt.Sprintf("%s is offered in %s, but not to this cluster (support plan %s%s)", v, m.c.Location, m.filter.Plan(), previewNote(m, v))
	}
	return v.String() + " is not yet available in " + m.c.Location
}

// otherPlan is the support plan that offers v in the cluster's region when
// the cluster's own plan does not.
func otherPlan(m *member, v version.Version) (string, bool) {
	if m.cat.Has(v, m.filter) {
		return "", false
	}
	for _, plan := range []string{aksupgrade.SupportPlanOfficial, aksupgrade.SupportPlanLTS} {
		if plan != m.filter.Plan() && m.cat.Has(v, version.Filter{AllowPreview: m.filter.AllowPreview, SupportPlan: plan}) {
			return plan, true
		}
	}
	return "", false
}

// held says why a cluster stays where it is on its support plan, and the
// one change that would let it follow the stage.
func (s *stageRun) held(m *member, v version.Version, other string) string {
	stays := m.cp.MinorString()
	if s.p.in.Calendar != nil {
		stays += ", " + s.p.support(m).text
	}
	change := "az aks update --k8s-support-plan " + other
	if other == aksupgrade.SupportPlanLTS {
		change = "az aks update --tier premium --k8s-support-plan " + other + " (LTS needs the Premium tier)"
	}
	return fmt.Sprintf("held: %s is not offered on support plan %s in %s, so the cluster stays on %s and the stage does not wait for it; to follow the stage, move it to %s (%s)",
		v, m.filter.Plan(), m.c.Location, stays, other, change)
}

func previewNote(m *member, v version.Version) string {
	if m.cat.IsPreview(v) && !m.filter.AllowPreview {
		return ", and it is a preview"
	}
	return ""
}
