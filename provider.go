package aksupgrade

import (
	"context"
	"time"
)

// Provider is how aksupgrade reads and changes AKS: Azure Resource Manager,
// or the simulator behind the same HTTP API.
type Provider interface {
	// Subscriptions lists the IDs of the subscriptions the identity can
	// read.
	Subscriptions(ctx context.Context) ([]string, error)
	// Clusters lists the managed clusters of the subscriptions with their
	// node pools (list pagers, never a read per cluster).
	Clusters(ctx context.Context, subscriptions []string) ([]Cluster, error)
	// Cluster reads one cluster again, with its node pools.
	Cluster(ctx context.Context, id string) (Cluster, error)
	// FleetMemberships lists the Azure Kubernetes Fleet Manager
	// memberships of the subscriptions' fleets, with each fleet's enabled
	// auto-upgrade profiles and unfinished update runs.
	FleetMemberships(ctx context.Context, subscriptions []string) ([]FleetMembership, error)
	// MaintenanceWindows fills in AutoUpgradeWindow of each cluster from
	// its planned maintenance configurations.
	MaintenanceWindows(ctx context.Context, clusters []Cluster) error
	// NodeImages fills in LatestNodeImageVersion of each pool of c from
	// the pools' upgrade profiles, and, for a cluster on the LTS plan,
	// Upgrades from the cluster's own upgrade profile.
	NodeImages(ctx context.Context, c *Cluster) error
	// Catalog returns the version catalogue of a region, as seen from a
	// subscription.
	Catalog(ctx context.Context, subscription, location string) (KubernetesVersionList, error)
	// Start issues one upgrade step and returns the operation to poll. It
	// reads the cluster first and refuses a step the cluster has already
	// taken or cannot take (Error codes ErrBusy, ErrAlreadyDone, ...).
	Start(ctx context.Context, s Step) (Operation, error)
	// SetChannels sets the cluster's AKS upgrade channels in one managed
	// cluster PUT and returns once AKS accepted it, without waiting for
	// the update to finish. A busy cluster is refused with ErrBusy.
	SetChannels(ctx context.Context, clusterID string, ch Channels) error
	// Poll checks an operation once, without waiting. It works from the
	// operation's resume token alone, so a restarted process resumes
	// polling instead of issuing the step again.
	Poll(ctx context.Context, op Operation) (OperationStatus, error)
}

// StepKind is what one upgrade operation does.
type StepKind string

const (
	// StepControlPlane upgrades the control plane (a managed cluster PUT
	// that leaves the pools' versions untouched).
	StepControlPlane StepKind = "controlPlane"
	// StepNodePool upgrades one pool's Kubernetes version.
	StepNodePool StepKind = "nodePool"
	// StepNodeImage moves one pool to its latest node image.
	StepNodeImage StepKind = "nodeImage"
	// StepCluster upgrades the control plane and every pool to one
	// version in a single managed cluster PUT: the only way AKS takes a
	// cluster whose minor has left support back into the supported
	// window, skipping minors into the oldest one still supported.
	StepCluster StepKind = "cluster"
)

// Step is one upgrade operation on one cluster.
type Step struct {
	Kind      StepKind `json:"kind"`
	ClusterID string   `json:"clusterId"`
	// Pool names the agent pool of StepNodePool and StepNodeImage.
	Pool string `json:"pool,omitempty"`
	// Version is the Kubernetes version of StepControlPlane, StepNodePool
	// and StepCluster.
	Version string `json:"version,omitempty"`
}

// Operation is a long-running ARM operation in flight. ResumeToken is
// opaque; store it with the step and hand it back to Poll.
type Operation struct {
	Step        Step      `json:"step"`
	ResumeToken string    `json:"resumeToken"`
	StartedAt   time.Time `json:"startedAt"`
}

// OperationState is where an operation stands.
type OperationState string

const (
	OperationInProgress OperationState = "InProgress"
	OperationSucceeded  OperationState = "Succeeded"
	OperationFailed     OperationState = "Failed"
	OperationCanceled   OperationState = "Canceled"
)

// OperationStatus is the answer of one Poll.
type OperationStatus struct {
	State OperationState `json:"state"`
	// Err is set when the operation failed; it is an *Error.
	Err error `json:"-"`
}

// Done reports whether the operation has ended, well or not.
func (s OperationStatus) Done() bool { return s.State != OperationInProgress }
