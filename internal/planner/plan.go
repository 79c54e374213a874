package planner

import (
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Input is everything a plan depends on.
type Input struct {
	Now      time.Time
	Policy   *policy.Policy
	Clusters []aksupgrade.Cluster
	// Catalogs holds each region's version catalogue, keyed by
	// NormalizeLocation of the region.
	Catalogs map[string]*version.Catalog
	History  aksupgrade.History
	// Calendar, when set, gives each cluster's support status.
	Calendar *version.Calendar
	// AzureMaintenance holds, per cluster (keyed by NormalizeID of its
	// resource ID), the periods of Azure's own planned maintenance
	// (ScheduledEventEmitted); no upgrade is planned to overlap them.
	AzureMaintenance map[string][]Span
	// Gated holds, per cluster (keyed by NormalizeID of its resource ID),
	// what its preflight gates saw when they last kept it from a target.
	Gated map[string]Gated
}

// Gated is a cluster its preflight gates keep from Target: Reason says
// what they saw. The cluster stays in the plan's actions (the engine asks
// the gates again when they are due), but its start cannot be projected:
// a fix must come first.
type Gated struct {
	Target aksupgrade.Target `json:"target"`
	Reason string            `json:"reason"`
}

// Span is a period of time, [Start, End).
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// ActionKind names what an action does.
type ActionKind string

const (
	// ActionUpgradeControlPlane sets the cluster's control plane version.
	ActionUpgradeControlPlane ActionKind = "upgradeControlPlane"
	// ActionUpgradeNodePool sets one pool's Kubernetes version.
	ActionUpgradeNodePool ActionKind = "upgradeNodePool"
	// ActionUpgradeNodeImage moves one pool to its latest node image.
	ActionUpgradeNodeImage ActionKind = "upgradeNodeImage"
	// ActionUpgradeCluster sets the control plane and every pool to one
	// version in one operation: a cluster whose minor left support
	// recovers into the oldest supported minor.
	ActionUpgradeCluster ActionKind = "upgradeCluster"
	// ActionRecordStarted records that a stage started towards a target.
	ActionRecordStarted ActionKind = "recordStarted"
	// ActionRecordReached records that every cluster of a stage that wants
	// a target has it; the soak starts.
	ActionRecordReached ActionKind = "recordReached"
	// ActionRecordProven records that a target is proven at a stage.
	ActionRecordProven ActionKind = "recordProven"
)

// Action is one thing to do now.
type Action struct {
	Kind    ActionKind        `json:"kind"`
	Stage   string            `json:"stage"`
	Target  aksupgrade.Target `json:"target"`
	Cluster string            `json:"cluster,omitempty"`
	Pool    string            `json:"pool,omitempty"`
	// From and To are the versions before and after an upgrade step.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Continues is true for a step of a cluster upgrade already under way.
	Continues bool `json:"continues,omitempty"`
	// Estimate is the expected duration of the cluster's remaining work.
	Estimate Duration `json:"estimate,omitempty"`
	// WindowEnd is the end of the open window the step starts in.
	WindowEnd *time.Time `json:"windowEnd,omitempty"`
	// Evidence lists the clusters behind a reached or proven record.
	Evidence []string `json:"evidence,omitempty"`
	Reason   string   `json:"reason"`
}

// Result is the planner's answer: the plan.
type Result struct {
	Now     time.Time   `json:"now"`
	Actions []Action    `json:"actions"`
	Stages  []StagePlan `json:"stages"`
	// Unmanaged are clusters no stage selects.
	Unmanaged []ClusterNote `json:"unmanaged"`
	// Conflicts are clusters that AKS upgrades by itself.
	Conflicts []ClusterNote `json:"conflicts"`
	// Errors are clusters the policy cannot place, such as one selected by
	// two stages.
	Errors []ClusterNote `json:"errors"`
}

// ClusterNote names a cluster with why it is listed.
type ClusterNote struct {
	Cluster string `json:"cluster"`
	Name    string `json:"name"`
	Reason  string `json:"reason"`
}

// StagePlan is one stage: its targets and its clusters.
type StagePlan struct {
	Name     string        `json:"name"`
	Window   string        `json:"window"`
	Halted   string        `json:"halted,omitempty"`
	Targets  []TargetPlan  `json:"targets"`
	Clusters []ClusterPlan `json:"clusters"`
}

// TargetState is where a target stands in a stage.
type TargetState string

const (
	TargetPending  TargetState = "pending"
	TargetRolling  TargetState = "rolling"
	TargetSoaking  TargetState = "soaking"
	TargetProven   TargetState = "proven"
	TargetApproval TargetState = "awaitingApproval"
	TargetHalted   TargetState = "halted"
	// TargetSuperseded: reached, but every cluster that ran it moved on
	// to a newer version before its soak ended, and none wants it: it can
	// no longer be proven in the stage, and nothing waits for it.
	TargetSuperseded TargetState = "superseded"
)

// TargetPlan is a target in a stage, with its projected milestones.
type TargetPlan struct {
	Target aksupgrade.Target `json:"target"`
	State  TargetState       `json:"state"`
	// Clusters still to move to the target, and those that have it.
	Pending int `json:"pending"`
	Done    int `json:"done"`
	// ReachedAt and ProvenAt are recorded times, or projections while
	// Projected is true; nil when they cannot be projected (approval or halt
	// in the way).
	ReachedAt *time.Time `json:"reachedAt,omitempty"`
	ProvenAt  *time.Time `json:"provenAt,omitempty"`
	Reason    string     `json:"reason,omitempty"`
}

// ClusterState is where a cluster stands in a plan.
type ClusterState string

const (
	ClusterUpToDate  ClusterState = "upToDate"
	ClusterStarting  ClusterState = "starting"
	ClusterUpgrading ClusterState = "upgrading"
	ClusterWaiting   ClusterState = "waiting"
	ClusterApproval  ClusterState = "awaitingApproval"
	ClusterBlocked   ClusterState = "blocked"
	// ClusterGated: its preflight gates keep it waiting (Input.Gated).
	ClusterGated    ClusterState = "gated"
	ClusterHalted   ClusterState = "halted"
	ClusterConflict ClusterState = "conflict"
	// ClusterHeld: its support plan does not offer what the stage rolls
	// out (an LTS cluster, a version that is not LTS); it stays where it
	// is, and the stage does not wait for it.
	ClusterHeld ClusterState = "held"
)

// ClusterPlan is one cluster's next step and when it is expected.
type ClusterPlan struct {
	Cluster   string `json:"cluster"`
	Name      string `json:"name"`
	Location  string `json:"location"`
	Current   string `json:"current"`
	NodeImage string `json:"nodeImage,omitempty"`
	// Support is the AKS support status of the control plane's minor on
	// the cluster's support plan, when a calendar is given.
	Support string `json:"support,omitempty"`
	// SupportLevel is the same as a word (version.Support: supported,
	// platform support, out of support, unknown), and SupportUntil the
	// last day of that level when one is published.
	SupportLevel string       `json:"supportLevel,omitempty"`
	SupportUntil *time.Time   `json:"supportUntil,omitempty"`
	State        ClusterState `json:"state"`
	// Target is the next hop; Goal the version the cluster is heading to
	// when that takes more than one hop.
	Target *aksupgrade.Target `json:"target,omitempty"`
	Goal   string             `json:"goal,omitempty"`
	Kind   string             `json:"kind,omitempty"`
	// EarliestStart and ExpectedFinish are projections; nil when a person
	// or a fix must act first.
	EarliestStart  *time.Time `json:"earliestStart,omitempty"`
	ExpectedFinish *time.Time `json:"expectedFinish,omitempty"`
	Reason         string     `json:"reason"`
}
