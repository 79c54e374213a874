package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// member is a managed cluster of a stage, with its versions parsed.
type member struct {
	c   *aksupgrade.Cluster
	key string // normalized resource ID
	cat *version.Catalog
	// cp is the control plane's version; low the lowest of the control
	// plane and every pool, from which the next hop is computed.
	cp, low version.Version
	pools   []version.Version
	lowText string // low as written in the cluster
	// poolOrder lists pool indexes, system pools first, then by name.
	poolOrder []int
	// images holds each pool's node image releases.
	images []poolImage
	// lowImage is the oldest node image release of the pools.
	lowImage string
	filter   version.Filter
	bad      string // why the cluster's versions cannot be read
	// recovery is the oldest supported minor when low's minor left
	// support: the cluster skips into it, every pool with the control
	// plane (recovering).
	recovery   version.Version
	recovering bool
	// skips are the versions beyond the next minor that the cluster's own
	// upgrade profile offers (LTS to the next LTS), ascending.
	skips []version.Version
}

// NormalizeLocation returns the comparable form of an Azure region name:
// "West Europe" and "westeurope" are the same region.
func NormalizeLocation(loc string) string {
	return strings.ToLower(strings.ReplaceAll(loc, " ", ""))
}

// assign places every cluster in its stage, or in the plan's notes.
func (p *planner) assign() [][]*member {
	stages := make([][]*member, len(p.in.Policy.Stages))
	type keyed struct {
		key string
		c   *aksupgrade.Cluster
	}
	order := make([]keyed, len(p.in.Clusters))
	for i := range p.in.Clusters {
		order[i] = keyed{aksupgrade.NormalizeID(p.in.Clusters[i].ID), &p.in.Clusters[i]}
	}
	slices.SortFunc(order, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	for _, k := range order {
		c := k.c
		si, names := p.in.Policy.StageOf(c)
		switch {
		case si < 0:
			p.out.Unmanaged = append(p.out.Unmanaged, note(c, "no stage selects it"))
		case len(names) > 1:
			p.out.Errors = append(p.out.Errors, note(c, fmt.Sprintf("selected by stages %s: a cluster belongs to exactly one stage; make the selectors exclusive", quoteList(names))))
		case c.AutoUpgradeEnabled():
			p.out.Conflicts = append(p.out.Conflicts, note(c, fmt.Sprintf("AKS auto-upgrade channel is %q: AKS upgrades it on its own schedule; set the channel to none to let stage %q manage it (az aks update --auto-upgrade-channel none, or channels.takeOver: true in the policy)", c.AutoUpgradeChannel, p.in.Policy.Stages[si].Name)))
			p.conflicts[si] = append(p.conflicts[si], c)
		case c.Fleet.Upgrades():
			p.out.Conflicts = append(p.out.Conflicts, note(c, fleetConflict(c.Fleet, p.in.Policy.Stages[si].Name)))
			p.conflicts[si] = append(p.conflicts[si], c)
		case c.NodeOSReimages() && p.in.Policy.NodeImage.Channel != policy.NodeImageNone:
			p.out.Conflicts = append(p.out.Conflicts, note(c, fmt.Sprintf("AKS node OS upgrade channel is %q: AKS reimages its nodes with images no earlier stage proved; set it to None or Unmanaged to let stage %q manage node images (az aks update --node-os-upgrade-channel None, or channels.takeOver: true in the policy), or set nodeImage.channel: none in the policy to leave node images to AKS", c.NodeOSUpgradeChannel, p.in.Policy.Stages[si].Name)))
			p.conflicts[si] = append(p.conflicts[si], c)
		default:
			m := p.member(c)
			m.key = k.key
			stages[si] = append(stages[si], m)
		}
	}
	return stages
}

// fleetConflict says what Azure Kubernetes Fleet Manager upgrades on its
// own and what would let the stage manage the cluster.
func fleetConflict(m *aksupgrade.FleetMembership, stage string) string {
	var what []string
	if len(m.AutoUpgradeProfiles) > 0 {
		what = append(what, "auto-upgrade profiles "+strings.Join(m.AutoUpgradeProfiles, ", "))
	}
	if len(m.UpdateRuns) > 0 {
		what = append(what, "update runs "+strings.Join(m.UpdateRuns, ", "))
	}
	return fmt.Sprintf("member %s of Azure Kubernetes Fleet Manager fleet %s, whose %s upgrade it; disable those profiles and stop those runs (az fleet autoupgradeprofile, az fleet updaterun stop) or remove the member, to let stage %q manage it",
		m.Member, aksupgrade.ClusterName(m.Fleet), strings.Join(what, " and "), stage)
}

func note(c *aksupgrade.Cluster, reason string) ClusterNote {
	return ClusterNote{Cluster: c.ID, Name: c.Name, Reason: reason}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, " and ")
}

func (p *planner) member(c *aksupgrade.Cluster) *member {
	m := &member{c: c, cat: p.in.Catalogs[NormalizeLocation(c.Location)]}
	m.filter = version.Filter{AllowPreview: p.in.Policy.Kubernetes.AllowPreview, SupportPlan: c.SupportPlan}
	cp, err := version.Parse(c.KubernetesVersion)
	if err != nil {
		m.bad = fmt.Sprintf("control plane version %q cannot be read", c.KubernetesVersion)
		return m
	}
	m.cp, m.low, m.lowText = cp, cp, c.KubernetesVersion
	m.poolOrder = poolOrder(c)
	m.images = make([]poolImage, len(c.NodePools))
	for i := range c.NodePools {
		im := &m.images[i]
		im.current, im.latest = c.NodePools[i].NodeImageVersion, c.NodePools[i].LatestNodeImageVersion
		im.behind = im.latest != "" && im.latest != im.current &&
			(family(im.latest) != family(im.current) || compareImages(im.current, im.latest) < 0)
		if r := release(im.current); r != "" && (m.lowImage == "" || compareVersionStrings(r, m.lowImage) < 0) {
			m.lowImage = r
		}
	}
	m.pools = make([]version.Version, len(c.NodePools))
	for i, np := range c.NodePools {
		v, err := version.Parse(np.KubernetesVersion)
		if err != nil {
			m.bad = fmt.Sprintf("node pool %q version %q cannot be read", np.Name, np.KubernetesVersion)
			return m
		}
		m.pools[i] = v
		if v.Less(m.low) {
			m.low, m.lowText = v, np.KubernetesVersion
		}
	}
	if m.cat != nil {
		m.recovery, m.recovering = m.cat.RecoveryMinor(m.low, m.filter)
	}
	if m.low == m.cp && m.cat != nil {
		for _, u := range c.Upgrades {
			if v, err := version.Parse(u); err == nil && v.Major == m.low.Major && v.Minor > m.low.Minor+1 && m.cat.Has(v, m.filter) {
				m.skips = append(m.skips, v)
			}
		}
		slices.SortFunc(m.skips, version.Version.Compare)
	}
	return m
}

// skipsTo reports whether the cluster's own upgrade profile offers v
// beyond the next minor.
func (m *member) skipsTo(v version.Version) bool { return slices.Contains(m.skips, v) }

// skipTowards returns the newest version beyond the next minor that the
// cluster's profile offers, not newer than goal.
func (m *member) skipTowards(goal version.Version) (version.Version, bool) {
	for i := len(m.skips) - 1; i >= 0; i-- {
		if !goal.Less(m.skips[i]) {
			return m.skips[i], true
		}
	}
	return version.Version{}, false
}

// reaches reports whether the cluster's next hop may be v: in its lowest
// minor or the next one, in the minor it recovers into, or a version its
// own upgrade profile offers beyond (LTS to the next LTS).
func (m *member) reaches(v version.Version) bool {
	switch {
	case v.Minor <= m.low.Minor+1:
		return true
	case m.recovering:
		return v.Minor <= m.recovery.Minor
	}
	return m.skipsTo(v)
}

// midUpgrade reports whether the control plane has moved ahead of a pool:
// a Kubernetes upgrade of the cluster is under way.
func (m *member) midUpgrade() bool { return m.bad == "" && m.low.Less(m.cp) }

// str formats a version once per plan.
func (p *planner) str(v version.Version) string {
	s, ok := p.strs[v]
	if !ok {
		s = v.String()
		p.strs[v] = s
	}
	return s
}

// support describes the support status of the cluster's control plane,
// once per minor and plan.
func (p *planner) support(m *member) supportOf {
	key := supportKey{m.cp.MinorOf(), m.c.SupportPlan}
	s, ok := p.supports[key]
	if !ok {
		st := p.in.Calendar.Status(m.cp, m.c.SupportPlan, p.in.Now)
		s = supportOf{text: st.Describe(m.c.SupportPlan), level: string(st.Support)}
		if d := st.LastDay(m.c.SupportPlan); !d.IsZero() {
			s.until = &d
		}
		p.supports[key] = s
	}
	return s
}

// supportOf is a cluster's support, as ClusterPlan tells it.
type supportOf struct {
	text, level string
	until       *time.Time
}

type supportKey struct {
	minor version.Version
	plan  string
}

// poolImage is a pool's node image version and the newest AKS offers it.
type poolImage struct {
	current, latest string
	behind          bool
}
