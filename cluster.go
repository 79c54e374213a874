package aksupgrade

import (
	"strings"
	"time"
)

// Cluster is an AKS managed cluster as observed in Azure.
type Cluster struct {
	// ID is the ARM resource ID. Compare with SameID: Azure returns IDs in
	// varying case.
	ID             string `json:"id"`
	Name           string `json:"name"`
	SubscriptionID string `json:"subscriptionId"`
	ResourceGroup  string `json:"resourceGroup"`
	Location       string `json:"location"`
	// KubernetesVersion is the control plane's current version
	// (currentKubernetesVersion in ARM).
	KubernetesVersion string            `json:"kubernetesVersion"`
	NodePools         []NodePool        `json:"nodePools"`
	Tags              map[string]string `json:"tags,omitempty"`
	// ProvisioningState is ARM's: Succeeded when idle; Upgrading, Updating,
	// Creating or Failed otherwise.
	ProvisioningState string `json:"provisioningState,omitempty"`
	// PowerState is Running or Stopped.
	PowerState string `json:"powerState,omitempty"`
	// SupportPlan is KubernetesOfficial (default) or AKSLongTermSupport.
	SupportPlan string `json:"supportPlan,omitempty"`
	// AutoUpgradeChannel is the cluster's own AKS auto-upgrade channel:
	// none, patch, stable, rapid or node-image. Anything but none conflicts
	// with aksupgrade.
	AutoUpgradeChannel string `json:"autoUpgradeChannel,omitempty"`
	// NodeOSUpgradeChannel is None, Unmanaged, SecurityPatch or NodeImage.
	NodeOSUpgradeChannel string `json:"nodeOSUpgradeChannel,omitempty"`
	// AutoUpgradeWindow is the cluster's aksManagedAutoUpgradeSchedule
	// maintenance configuration, when it has one.
	AutoUpgradeWindow *Window `json:"autoUpgradeWindow,omitempty"`
	// DetailsAt is when the pools' latest node images (their upgrade
	// profiles) and AutoUpgradeWindow were last read; zero when never.
	DetailsAt time.Time `json:"detailsAt,omitzero"`
	// Upgrades are the control plane versions the cluster's own upgrade
	// profile offers, read with the details of a cluster on the LTS plan
	// (only there does it list more than the catalogue: the next LTS
	// version, skipping minors); nil otherwise.
	Upgrades []string `json:"upgrades,omitempty"`
	// Fleet is the cluster's Azure Kubernetes Fleet Manager membership;
	// nil when it is a member of no fleet aksupgrade can read.
	Fleet *FleetMembership `json:"fleet,omitempty"`
}

// NodePool is an agent pool of a cluster.
type NodePool struct {
	Name string `json:"name"`
	// Mode is System or User.
	Mode   string `json:"mode,omitempty"`
	OSType string `json:"osType,omitempty"`
	// VMSize is the nodes' virtual machine size ("Standard_D4s_v3").
	VMSize            string `json:"vmSize,omitempty"`
	Count             int    `json:"count"`
	KubernetesVersion string `json:"kubernetesVersion"`
	// NodeImageVersion is the image the nodes run, for example
	// AKSUbuntu-2204gen2containerd-202501.12.0.
	NodeImageVersion string `json:"nodeImageVersion,omitempty"`
	// LatestNodeImageVersion is the newest image AKS offers this pool
	// (from the pool's upgrade profile).
	LatestNodeImageVersion string `json:"latestNodeImageVersion,omitempty"`
	ProvisioningState      string `json:"provisioningState,omitempty"`
	// UpgradeSettings are the pool's own, as AKS reports them: what AKS
	// upgrades it with. Nil when AKS reports none.
	UpgradeSettings *PoolUpgradeSettings `json:"upgradeSettings,omitempty"`
}

// PoolUpgradeSettings are an agent pool's upgradeSettings; a zero field
// is one AKS did not report.
type PoolUpgradeSettings struct {
	// MaxSurge is a node count ("3") or a percentage of the pool ("33%").
	MaxSurge                  string `json:"maxSurge,omitempty"`
	DrainTimeoutInMinutes     int    `json:"drainTimeoutInMinutes,omitempty"`
	NodeSoakDurationInMinutes int    `json:"nodeSoakDurationInMinutes,omitempty"`
}

// Idle reports whether no operation is in progress on the cluster or any
// of its pools: provisioningState Succeeded (or unset in a snapshot), or
// Failed or Canceled — an operation that ended badly, which AKS lets a
// new request retry.
func (c *Cluster) Idle() bool {
	if !idleState(c.ProvisioningState) {
		return false
	}
	for _, p := range c.NodePools {
		if !idleState(p.ProvisioningState) {
			return false
		}
	}
	return true
}

func idleState(s string) bool {
	return s == "" || strings.EqualFold(s, "Succeeded") || strings.EqualFold(s, "Failed") || strings.EqualFold(s, "Canceled")
}

// Stopped reports whether the cluster is powered off.
func (c *Cluster) Stopped() bool { return strings.EqualFold(c.PowerState, "Stopped") }

// AutoUpgradeEnabled reports whether AKS itself upgrades the cluster's
// Kubernetes version, which would race with aksupgrade.
func (c *Cluster) AutoUpgradeEnabled() bool {
	return c.AutoUpgradeChannel != "" && !strings.EqualFold(c.AutoUpgradeChannel, "none")
}

// NodeOSReimages reports whether AKS reimages the cluster's nodes with new
// node images by itself: node OS channels NodeImage (the default since
// API 2023-06-01) and SecurityPatch.
func (c *Cluster) NodeOSReimages() bool {
	return strings.EqualFold(c.NodeOSUpgradeChannel, "NodeImage") || strings.EqualFold(c.NodeOSUpgradeChannel, "SecurityPatch")
}

// FleetMembership is a cluster's membership of an Azure Kubernetes Fleet
// Manager fleet, and what the fleet upgrades on its own.
type FleetMembership struct {
	ClusterID string `json:"clusterId"`
	// Fleet is the fleet's resource ID, Member the member's name.
	Fleet  string `json:"fleet"`
	Member string `json:"member"`
	// AutoUpgradeProfiles are the fleet's enabled auto-upgrade profiles,
	// as "name (channel)".
	AutoUpgradeProfiles []string `json:"autoUpgradeProfiles,omitempty"`
	// UpdateRuns are the fleet's update runs not yet finished that
	// upgrade this member, as "name (state)".
	UpdateRuns []string `json:"updateRuns,omitempty"`
}

// Upgrades reports whether the fleet upgrades the member by itself.
func (m *FleetMembership) Upgrades() bool {
	return m != nil && (len(m.AutoUpgradeProfiles) > 0 || len(m.UpdateRuns) > 0)
}

// Channels are a cluster's AKS upgrade channels (its autoUpgradeProfile);
// an empty field is one left as it is.
type Channels struct {
	// AutoUpgrade is the cluster auto-upgrade channel: none, patch,
	// stable, rapid or node-image.
	AutoUpgrade string `json:"autoUpgrade,omitempty"`
	// NodeOS is the node OS upgrade channel: None, Unmanaged,
	// SecurityPatch or NodeImage.
	NodeOS string `json:"nodeOS,omitempty"`
}

// NormalizeID returns the comparable form of an ARM resource ID.
func NormalizeID(id string) string { return strings.ToLower(strings.TrimRight(id, "/")) }

// SameID reports whether two ARM resource IDs name the same resource. It
// does not allocate: fleets compare many IDs.
func SameID(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}
