package aksupgrade

import "time"

// News the engine tells people about, after it planned with the fact:
// the data of its version-available and support events. Notifications
// turn them into messages; times are instants, Zone says how a stage
// shows them.

// StageOutlook is what the plan, with the news, expects of one stage:
// the Kubernetes version it heads to next and when.
type StageOutlook struct {
	Stage string `json:"stage"`
	// Zone is the IANA name of the time zone of the stage's window.
	Zone string `json:"zone,omitempty"`
	// Version is the newest Kubernetes version the stage heads to (not
	// yet proven there, or with clusters still to go); empty when it
	// heads to none. Then is a newer version its clusters go on to after
	// Version (a further hop, not projected yet).
	Version string `json:"version,omitempty"`
	Then    string `json:"then,omitempty"`
	// State is the planner's state of Version in the stage (pending,
	// rolling, soaking, proven, awaitingApproval, halted), when it has one.
	State string `json:"state,omitempty"`
	// ReachedAt and ProvenAt are projections (or records): when every
	// cluster of the stage has Version, and when its soak ends. Nil when
	// they cannot be projected (an approval, a halt or an earlier version
	// in the way).
	ReachedAt *time.Time `json:"reachedAt,omitempty"`
	ProvenAt  *time.Time `json:"provenAt,omitempty"`
	// Clusters of the stage head to Version; Projected of them have a
	// projected upgrade, the last expected to finish at Finish.
	Clusters  int        `json:"clusters,omitempty"`
	Projected int        `json:"projected,omitempty"`
	Finish    *time.Time `json:"finish,omitempty"`
	// Note says why, when there is no projection or no Version.
	Note string `json:"note,omitempty"`
}

// NewVersion is a version a region's catalogue offers that people were
// not told of: a new patch or minor, or one that left preview (WasPreview).
type NewVersion struct {
	Version    string `json:"version"`
	Preview    bool   `json:"preview,omitempty"`
	WasPreview bool   `json:"wasPreview,omitempty"`
}

// VersionNews is the data of a version-available event: AKS offers new
// Kubernetes versions in Region, and what that means for each stage.
type VersionNews struct {
	Region string `json:"region"`
	// New are the versions that are news, newest first.
	New []NewVersion `json:"new"`
	// What the event said AKS offers (any may be empty).
	LatestSupported string `json:"latestSupported,omitempty"`
	LatestStable    string `json:"latestStable,omitempty"`
	LatestPreview   string `json:"latestPreview,omitempty"`
	LowestMinor     string `json:"lowestMinor,omitempty"`
	// Clusters are the names of the clusters the announcement came with.
	Clusters []string       `json:"clusters,omitempty"`
	Stages   []StageOutlook `json:"stages"`
	// PlanError is set when the engine could not plan with the news.
	PlanError string `json:"planError,omitempty"`
}

// SupportNews is the data of a support-ending or support-ended event: a
// cluster's Kubernetes version leaves AKS support, and the upgrade the
// plan has for it.
type SupportNews struct {
	Cluster string `json:"cluster"` // resource ID
	Name    string `json:"name"`
	Version string `json:"version"`
	Ended   bool   `json:"ended"`
	// Support is the support status with its date, for people
	// ("supported until 2026-03-31").
	Support string `json:"support,omitempty"`
	// Stage is the cluster's stage, Zone its window's time zone; empty
	// when no stage manages the cluster.
	Stage string `json:"stage,omitempty"`
	Zone  string `json:"zone,omitempty"`
	// Target is the next upgrade the plan has for the cluster, Goal the
	// version it heads to when that takes more hops; empty when none is
	// planned.
	Target string `json:"target,omitempty"`
	Goal   string `json:"goal,omitempty"`
	// State is the cluster's state in the plan; Start and Finish its
	// projected upgrade (nil when a person or a fix must act first).
	State  string     `json:"state,omitempty"`
	Start  *time.Time `json:"start,omitempty"`
	Finish *time.Time `json:"finish,omitempty"`
	// Reason is the plan's reason for the cluster's state.
	Reason    string `json:"reason,omitempty"`
	PlanError string `json:"planError,omitempty"`
}
