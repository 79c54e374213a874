// Package store defines what the engine keeps: the fleet as last observed,
// the rollout history (per stage and target: started, reached, proven,
// approved, halted), each cluster's progress through a target, the ARM
// operations in flight with their resume tokens, an append-only audit log,
// and a queue of pending events. Every state transition is one
// transaction together with its audit entry.
//
// Implementations: sqlite (the default). The conformance suite in
// storetest is what any implementation must pass.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// Errors implementations return (wrapped is fine; test with errors.Is).
var (
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("not found")
	// ErrActiveStep: the cluster already has an operation in flight.
	ErrActiveStep = errors.New("the cluster already has an operation in flight")
	// ErrUnavailable: the database cannot be reached; retry later.
	ErrUnavailable = errors.New("store unavailable")
)

// Store is everything the engine keeps. Methods are safe for concurrent
// use.
type Store interface {
	// SaveFleet replaces the last observation of the fleet.
	SaveFleet(ctx context.Context, f Fleet) error
	// Fleet returns the last observation; ErrNotFound before the first.
	Fleet(ctx context.Context) (Fleet, error)

	// History returns every rollout with its stage progress, ordered by
	// target kind and creation.
	History(ctx context.Context) (aksupgrade.History, error)
	// Apply records one transition of the rollout history and its audit
	// entry in one transaction. It is idempotent where the transition is
	// (recording a reach or proof twice keeps the first time).
	Apply(ctx context.Context, t Transition) error

	// SetRun records where a cluster stands on its way to a target in a
	// stage (the per-cluster step machine), with an audit entry when the
	// state changes.
	SetRun(ctx context.Context, r Run) error
	// Runs returns the latest run of every cluster.
	Runs(ctx context.Context) ([]Run, error)

	// BeginStep records that an ARM operation is about to be issued,
	// before it is; ErrActiveStep when the cluster already has one in
	// flight.
	BeginStep(ctx context.Context, s StepRecord) (StepRecord, error)
	// UpdateStep moves a step on: its resume token once issued, its end.
	UpdateStep(ctx context.Context, s StepRecord) error
	// ActiveSteps returns the steps issuing or running.
	ActiveSteps(ctx context.Context) ([]StepRecord, error)
	// Steps returns the steps of a cluster (all clusters when clusterID is
	// empty), newest first, at most limit.
	Steps(ctx context.Context, clusterID string, limit int) ([]StepRecord, error)

	// Audit returns audit entries, newest first.
	Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
	// Log appends an audit entry that goes with no other change.
	Log(ctx context.Context, e AuditEntry) error

	// PutEvent stores an event unless one with the same (source, id) is
	// stored already; inserted tells which.
	PutEvent(ctx context.Context, e Event) (inserted bool, err error)
	// PendingEvents returns unprocessed events, oldest first.
	PendingEvents(ctx context.Context, limit int) ([]Event, error)
	// MarkProcessed marks events processed.
	MarkProcessed(ctx context.Context, keys []EventKey, at time.Time) error
	// Events returns stored events, newest first.
	Events(ctx context.Context, limit int) ([]Event, error)

	Close() error
}

// Fleet is one observation of the fleet.
type Fleet struct {
	At       time.Time                                   `json:"at"`
	Clusters []aksupgrade.Cluster                        `json:"clusters"`
	Catalogs map[string]aksupgrade.KubernetesVersionList `json:"catalogs"`
}

// TransitionKind names a change of the rollout history.
type TransitionKind string

const (
	// Stage-level, for Stage and Target.
	TransitionStarted  TransitionKind = "started"
	TransitionReached  TransitionKind = "reached"
	TransitionProven   TransitionKind = "proven"
	TransitionApproved TransitionKind = "approved"
	TransitionHalted   TransitionKind = "halted"
	// TransitionRetried clears the halt of Stage (every target of it).
	TransitionRetried TransitionKind = "retried"
	// Rollout-level, for Target.
	TransitionPaused  TransitionKind = "paused"
	TransitionResumed TransitionKind = "resumed"
	TransitionAborted TransitionKind = "aborted"
)

// Transition is one change of the rollout history.
type Transition struct {
	Kind   TransitionKind
	Stage  string
	Target aksupgrade.Target
	At     time.Time
	// Actor is "engine" or the person who acted.
	Actor string
	// Cluster and Reason go with halts; Evidence with reached and proven.
	Cluster  string
	Reason   string
	Evidence []string
}

// RunState is where a cluster stands on its way to a target.
type RunState string

const (
	RunPending      RunState = "pending"
	RunPreflight    RunState = "preflight"
	RunControlPlane RunState = "controlPlane"
	RunNodePools    RunState = "nodePools"
	RunNodeImage    RunState = "nodeImage"
	RunVerifying    RunState = "verifying"
	RunDone         RunState = "done"
	RunFailed       RunState = "failed"
	RunSkipped      RunState = "skipped"
)

// Run is a cluster's progress towards a target in its stage.
type Run struct {
	ClusterID string            `json:"clusterId"`
	Stage     string            `json:"stage"`
	Target    aksupgrade.Target `json:"target"`
	State     RunState          `json:"state"`
	Reason    string            `json:"reason"`
	UpdatedAt time.Time         `json:"updatedAt"`
}

// StepState is where an ARM operation stands.
type StepState string

const (
	// StepIssuing: recorded, the request may or may not have reached ARM.
	StepIssuing StepState = "issuing"
	// StepRunning: ARM accepted it; ResumeToken is set.
	StepRunning   StepState = "running"
	StepSucceeded StepState = "succeeded"
	StepFailed    StepState = "failed"
	// StepAbandoned: it turned out not to be needed or not to have been
	// issued (the cluster already had it, or was busy).
	StepAbandoned StepState = "abandoned"
)

// Active reports whether the step may still change the cluster.
func (s StepState) Active() bool { return s == StepIssuing || s == StepRunning }

// StepRecord is one ARM operation of the engine.
type StepRecord struct {
	ID          int64             `json:"id"`
	Stage       string            `json:"stage"`
	Target      aksupgrade.Target `json:"target"`
	Step        aksupgrade.Step   `json:"step"`
	State       StepState         `json:"state"`
	ResumeToken string            `json:"resumeToken,omitempty"`
	StartedAt   time.Time         `json:"startedAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
	// ErrorCode and Error are set when the step failed.
	ErrorCode aksupgrade.ErrorCode `json:"errorCode,omitempty"`
	Error     string               `json:"error,omitempty"`
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID      int64             `json:"id"`
	At      time.Time         `json:"at"`
	Actor   string            `json:"actor"`
	Kind    string            `json:"kind"`
	Stage   string            `json:"stage,omitempty"`
	Target  aksupgrade.Target `json:"target,omitempty"`
	Cluster string            `json:"cluster,omitempty"`
	Message string            `json:"message"`
}

// AuditQuery filters the audit log; zero fields match everything.
type AuditQuery struct {
	Stage   string
	Cluster string
	Target  aksupgrade.Target
	Since   time.Time
	Limit   int
}

// EventKey identifies an event: deliveries are deduplicated by it.
type EventKey struct {
	Source string `json:"source"`
	ID     string `json:"id"`
}

// Event is a fact from a source (Event Grid, the poller, the engine).
type Event struct {
	Key     EventKey  `json:"key"`
	Type    string    `json:"type"`
	Subject string    `json:"subject,omitempty"`
	Time    time.Time `json:"time"`
	// Data is the event's payload as received (JSON).
	Data        []byte     `json:"data,omitempty"`
	ReceivedAt  time.Time  `json:"receivedAt"`
	ProcessedAt *time.Time `json:"processedAt,omitempty"`
}
