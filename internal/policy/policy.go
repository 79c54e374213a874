package policy

import (
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
	"github.com/aksupgrade/aksupgrade/internal/window"
)

// APIVersion is the only policy file version this build reads.
const APIVersion = "aksupgrade/v1"

// Policy is a validated policy file with its defaults filled in.
type Policy struct {
	// Subscriptions to discover clusters in; "*" (the default) means every
	// subscription the identity can read.
	Subscriptions []string
	Kubernetes    Kubernetes
	NodeImage     NodeImage
	Channels      Channels
	Stages        []Stage
	// Notifications is nil when the policy tells nobody anything.
	Notifications *Notifications
}

// MinorUpgrades says whether minor version upgrades happen.
type MinorUpgrades string

const (
	MinorAuto     MinorUpgrades = "auto"
	MinorApproval MinorUpgrades = "approval"
	MinorNever    MinorUpgrades = "never"
)

// Kubernetes is how the first stage picks its Kubernetes target.
type Kubernetes struct {
	Channel version.Channel
	// Pinned is the minor of the pinned channel.
	Pinned        version.Version
	AllowPreview  bool
	MinorUpgrades MinorUpgrades
}

// Node image channels.
const (
	NodeImageLatest = "latest"
	NodeImageNone   = "none"
)

// NodeImage is how the first stage picks node image targets.
type NodeImage struct {
	Channel string
}

// Node OS upgrade channels aksupgrade may set when it takes a cluster over.
const (
	NodeOSNone      = "None"
	NodeOSUnmanaged = "Unmanaged"
)

// Channels says what aksupgrade does about clusters whose AKS upgrade
// channels compete with it (an auto-upgrade channel other than none, a
// node OS channel that reimages while the policy manages node images).
type Channels struct {
	// TakeOver: aksupgrade sets the auto-upgrade channel to none and the
	// node OS channel to NodeOS itself, and records it in the audit log.
	// Otherwise (the default) such clusters are conflicts, left alone.
	TakeOver bool
	// NodeOS is NodeOSNone (the default) or NodeOSUnmanaged.
	NodeOS string
}

// Stage is one ordered step of the fleet.
type Stage struct {
	Name            string
	Selector        Selector
	Window          Window
	MaxParallel     int
	Soak            time.Duration
	Approval        Approval
	UpgradeSettings UpgradeSettings
	// Gates are the stage's health checks (DefaultGates when the policy
	// names none).
	Gates Gates
}

// Window is a stage's maintenance window: either its own schedule or each
// cluster's aksManagedAutoUpgradeSchedule.
type Window struct {
	Name        string
	FromCluster bool
	// Spec and Schedule are set unless FromCluster.
	Spec     aksupgrade.Window
	Schedule *window.Schedule
}

// Approval says which update kinds need a person's approval to enter the
// stage.
type Approval struct {
	Patch, Minor, NodeImage bool
}

// Needs reports whether an update of kind k needs approval.
func (a Approval) Needs(k aksupgrade.UpdateKind) bool {
	switch k {
	case aksupgrade.UpdatePatch:
		return a.Patch
	case aksupgrade.UpdateMinor:
		return a.Minor
	case aksupgrade.UpdateNodeImage:
		return a.NodeImage
	}
	return true
}

// UpgradeSettings are what the stage assumes of a pool's AKS
// upgradeSettings where the pool reports none of its own (For): they size
// the duration estimate and the surgeCapacity gate. aksupgrade never
// writes them to a pool; AKS upgrades each pool with the pool's own.
type UpgradeSettings struct {
	// MaxSurge is a node count ("3") or a percentage ("33%").
	MaxSurge                  string
	DrainTimeoutInMinutes     int
	NodeSoakDurationInMinutes int
}

// For returns the settings AKS upgrades np with: the pool's own where it
// reports them, u's elsewhere.
func (u UpgradeSettings) For(np *aksupgrade.NodePool) UpgradeSettings {
	if o := np.UpgradeSettings; o != nil {
		if o.MaxSurge != "" {
			u.MaxSurge = o.MaxSurge
		}
		if o.DrainTimeoutInMinutes > 0 {
			u.DrainTimeoutInMinutes = o.DrainTimeoutInMinutes
		}
		if o.NodeSoakDurationInMinutes > 0 {
			u.NodeSoakDurationInMinutes = o.NodeSoakDurationInMinutes
		}
	}
	return u
}

// SurgeNodes returns how many extra nodes a pool of count nodes gets during
// an upgrade (at least 1).
func (u UpgradeSettings) SurgeNodes(count int) int {
	s := strings.TrimSpace(u.MaxSurge)
	n := 0
	if p, ok := strings.CutSuffix(s, "%"); ok {
		pct := atoiOr(p, 10)
		n = (count*pct + 99) / 100
	} else {
		n = atoiOr(s, 1)
	}
	return max(n, 1)
}

func atoiOr(s string, def int) int {
	n := 0
	if s == "" {
		return def
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return def
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// Selector picks the clusters of a stage. Every criterion that is set must
// match; within a list any entry may. Names and IDs are compared whole and
// case-insensitively, never as substrings. Tag keys are case-insensitive
// (as in Azure), tag values exact.
type Selector struct {
	Tags           map[string]string
	ResourceGroups []string
	Subscriptions  []string
	Clusters       []string
}

// Matches reports whether c belongs to the selector.
func (s *Selector) Matches(c *aksupgrade.Cluster) bool {
	if len(s.Clusters) > 0 && !containsFold(s.Clusters, aksupgrade.NormalizeID(c.ID)) {
		return false
	}
	if len(s.ResourceGroups) > 0 && !containsFold(s.ResourceGroups, c.ResourceGroup) {
		return false
	}
	if len(s.Subscriptions) > 0 && !containsFold(s.Subscriptions, c.SubscriptionID) {
		return false
	}
	for k, v := range s.Tags {
		if !hasTag(c.Tags, k, v) {
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(strings.TrimRight(e, "/"), s) {
			return true
		}
	}
	return false
}

func hasTag(tags map[string]string, key, value string) bool {
	if v, ok := tags[key]; ok { // Azure tag names are unique ignoring case
		return v == value
	}
	for k, v := range tags {
		if strings.EqualFold(k, key) && v == value {
			return true
		}
	}
	return false
}

// StageOf returns the index of the first stage that selects c, or -1, and
// the names of every stage that selects it when there is more than one.
func (p *Policy) StageOf(c *aksupgrade.Cluster) (index int, matches []string) {
	index = -1
	for i := range p.Stages {
		if !p.Stages[i].Selector.Matches(c) {
			continue
		}
		switch {
		case index < 0:
			index = i
		case len(matches) == 0:
			matches = append(matches, p.Stages[index].Name, p.Stages[i].Name)
		default:
			matches = append(matches, p.Stages[i].Name)
		}
	}
	return index, matches
}

// Stage returns the stage called name, or nil.
func (p *Policy) Stage(name string) *Stage {
	for i := range p.Stages {
		if p.Stages[i].Name == name {
			return &p.Stages[i]
		}
	}
	return nil
}
