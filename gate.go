package aksupgrade

import (
	"context"
	"fmt"
	"time"
)

// Gates are the checks that turn elapsed time into evidence: preflight
// before the first step of a cluster's upgrade, postflight after it and
// through the stage's soak. A stage proves a target only when every
// cluster reached it, every gate passed, and the soak elapsed with the
// gates passing.

// GateKind names a check.
type GateKind string

const (
	// Preflight.

	// GateDrainBlockers: PodDisruptionBudgets that allow no disruption
	// and select running pods; a pool's drain would fail on them.
	GateDrainBlockers GateKind = "drainBlockers"
	// GateDeprecatedAPIs: requests to APIs removed in the target minor,
	// which AKS itself refuses the upgrade for
	// (UpgradeBlockedOnDeprecatedAPIUsage).
	GateDeprecatedAPIs GateKind = "deprecatedAPIs"

	// Postflight.

	// GateNodes: every node Ready and on the target version.
	GateNodes GateKind = "nodes"
	// GatePods: the pods of chosen namespaces Ready, restarts bounded.
	GatePods GateKind = "pods"
	// GateProbe: an HTTP endpoint answers as expected.
	GateProbe GateKind = "probe"
	// GatePrometheus: a PromQL query finds no breach.
	GatePrometheus GateKind = "prometheus"
)

// GatePhase says when a gate runs.
type GatePhase string

const (
	GatePreflight  GatePhase = "preflight"
	GatePostflight GatePhase = "postflight"
)

// GateMode says what a failing gate does: block (the cluster waits before
// its upgrade; after it, the stage halts) or warn (people are told).
type GateMode string

const (
	GateBlock GateMode = "block"
	GateWarn  GateMode = "warn"
)

// GateVerdict is a gate's outcome.
type GateVerdict string

const (
	GatePassed GateVerdict = "passed"
	GateFailed GateVerdict = "failed"
	// GateUnknown: the gate could not look (the cluster's API cannot be
	// reached); it counts as failed for blocking gates.
	GateUnknown GateVerdict = "unknown"
)

// GateResult is what one gate saw on one cluster.
type GateResult struct {
	Gate    GateKind    `json:"gate"`
	Name    string      `json:"name,omitempty"` // of a probe or query
	Phase   GatePhase   `json:"phase"`
	Mode    GateMode    `json:"mode"`
	Cluster string      `json:"cluster"`
	At      time.Time   `json:"at"`
	Verdict GateVerdict `json:"verdict"`
	// Saw says in plain words what the gate saw ("3 of 3 nodes Ready on
	// 1.31.5"; "pdb apps/web allows no disruption"); Fix, when it failed,
	// what to do.
	Saw string `json:"saw"`
	Fix string `json:"fix,omitempty"`
}

// Blocks reports whether r stops the cluster (preflight) or fails it
// (postflight).
func (r GateResult) Blocks() bool { return r.Mode == GateBlock && r.Verdict != GatePassed }

// Node is a Kubernetes node as the gates see it.
type Node struct {
	Name           string `json:"name"`
	Pool           string `json:"pool"`
	KubeletVersion string `json:"kubeletVersion"` // "v1.31.5"
	ImageVersion   string `json:"imageVersion,omitempty"`
	Ready          bool   `json:"ready"`
	Unschedulable  bool   `json:"unschedulable,omitempty"`
}

// Pod is a pod as the gates see it.
type Pod struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Node      string `json:"node,omitempty"`
	Running   bool   `json:"running"`
	Ready     bool   `json:"ready"`
	Restarts  int    `json:"restarts"`
}

// DisruptionBudget is a PodDisruptionBudget as the gates see it.
type DisruptionBudget struct {
	Namespace          string `json:"namespace"`
	Name               string `json:"name"`
	DisruptionsAllowed int    `json:"disruptionsAllowed"`
	ExpectedPods       int    `json:"expectedPods"`
}

// DeprecatedAPI is an API the cluster's API server reports requests to
// (apiserver_requested_deprecated_apis), with the release that removes it.
type DeprecatedAPI struct {
	Group          string `json:"group"`
	Version        string `json:"version"`
	Resource       string `json:"resource"`
	RemovedRelease string `json:"removedRelease,omitempty"` // "1.32"
}

// ClusterAPI reads a cluster's own Kubernetes API: AKS's server, reached
// with credentials from Azure Resource Manager. Errors are *Error; an API
// that cannot be reached (a private cluster, the network) is
// ErrUnreachable, with a message that says so.
type ClusterAPI interface {
	Nodes(ctx context.Context, clusterID string) ([]Node, error)
	Pods(ctx context.Context, clusterID string, namespaces []string) ([]Pod, error)
	DisruptionBudgets(ctx context.Context, clusterID string) ([]DisruptionBudget, error)
	DeprecatedAPIs(ctx context.Context, clusterID string) ([]DeprecatedAPI, error)
}

// GateEvent is the payload of EventGateBlocked and EventGateWarned: what a
// gate saw on a cluster of a stage on its way to a target.
type GateEvent struct {
	Stage  string     `json:"stage"`
	Target Target     `json:"target"`
	Result GateResult `json:"result"`
}

// Describe says what the gate saw, and what it means: "Preflight gate
// drainBlockers keeps dev-1 from 1.32.3 in stage dev: …".
func (g GateEvent) Describe() string {
	r := g.Result
	what := string(r.Gate)
	if r.Name != "" {
		what += " " + r.Name
	}
	var out string
	switch {
	case r.Blocks() && r.Phase == GatePreflight:
		out = fmt.Sprintf("Preflight gate %s keeps %s from %s in stage %s: %s", what, ClusterName(r.Cluster), g.Target, g.Stage, r.Saw)
	case r.Blocks():
		out = fmt.Sprintf("Postflight gate %s failed on %s after %s in stage %s: %s", what, ClusterName(r.Cluster), g.Target, g.Stage, r.Saw)
	case r.Verdict == GatePassed:
		out = fmt.Sprintf("Gate %s passed on %s: %s", what, ClusterName(r.Cluster), r.Saw)
	default:
		out = fmt.Sprintf("Gate %s (warn only) on %s, %s in stage %s: %s", what, ClusterName(r.Cluster), g.Target, g.Stage, r.Saw)
	}
	if r.Fix != "" && r.Verdict != GatePassed {
		out += ". To fix: " + r.Fix
	}
	return out
}

// Line is r in one line, for evidence: "dev-1 nodes passed at
// 2026-03-02T09:30:00Z: 3 of 3 nodes Ready on 1.31.5".
func (r GateResult) Line() string {
	what := string(r.Gate)
	if r.Name != "" {
		what += " " + r.Name
	}
	return fmt.Sprintf("%s %s %s at %s: %s", ClusterName(r.Cluster), what, r.Verdict, r.At.UTC().Format(time.RFC3339), r.Saw)
}

// GateSurgeCapacity (preflight): the subscription's regional vCPU quota
// leaves room for the surge nodes of the cluster's biggest pool upgrade
// (AKS refuses an upgrade it cannot surge for: QuotaExceeded).
const GateSurgeCapacity GateKind = "surgeCapacity"

// ComputeCapacity is a subscription's regional vCPU quota as
// Microsoft.Compute reports it, and the cores of the VM sizes offered
// there.
type ComputeCapacity struct {
	// Limit and Used are the "cores" usage: total regional vCPUs.
	Limit, Used int
	// Cores are the vCPUs of each VM size, by lower-cased name
	// ("standard_d4s_v3").
	Cores map[string]int
}

// CapacityReader reads a subscription's compute capacity in a region.
type CapacityReader interface {
	Capacity(ctx context.Context, subscription, location string) (ComputeCapacity, error)
}
