// Package store defines what the engine keeps: the fleet as last observed,
// the rollout history (per stage and target: started, reached, proven,
// approved, halted), each cluster's progress through a target, the ARM
// operations in flight with their resume tokens, an append-only audit log,
// a queue of pending events, and the outbox of notifications (see
// Outgoing). Every state transition is one transaction together with its
// audit entry, and, through Record, with the events that report it.
//
// Implementations: sqlite (the default, one process) and postgres (any
// number of replicas). The conformance suite in
// storetest is what any implementation must pass; the rules below are what
// it checks.
//
// Common rules:
//
//   - Times come back in UTC with every nanosecond kept.
//   - Cluster IDs are stored as given and compared like
//     aksupgrade.SameID (case-insensitively, trailing '/' ignored).
//   - A limit <= 0 means no limit.
//   - Input a caller should never send (see the Validate methods) is
//     refused with ErrInvalid before anything is written.
//   - A closed or unreachable database gives ErrUnavailable.
//   - The store has no clock: every time it records comes from its input.
//   - Audit messages are written by the Describe methods, the same for
//     every implementation.
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
	// ErrInvalid: the input breaks the contract (a transition without its
	// stage, a step without its cluster, ...); retrying cannot help.
	ErrInvalid = errors.New("invalid input")
)

// ActorEngine is the actor of what the engine does on its own.
const ActorEngine = "engine"

// Audit kinds besides the TransitionKinds (which are audit kinds too).
const (
	// AuditKindRun: a cluster's run changed state (SetRun).
	AuditKindRun = "run"
	// AuditKindStep: an ARM operation was begun or changed state
	// (BeginStep, UpdateStep).
	AuditKindStep = "step"
)

// Store is everything the engine keeps. Methods are safe for concurrent
// use.
type Store interface {
	// Record writes a fact (see Fact) in one transaction: every part or
	// none. ErrInvalid when a part fails its Validate; ErrActiveStep when
	// the step's change would make a second step active on its cluster;
	// ErrNotFound for an unknown step; nothing is written then.
	Record(ctx context.Context, f Fact) (Recorded, error)

	// SaveFleet replaces the last observation of the fleet.
	SaveFleet(ctx context.Context, f Fleet) error
	// Fleet returns the last observation; ErrNotFound before the first.
	Fleet(ctx context.Context) (Fleet, error)

	// History returns every rollout with its stage progress, ordered by
	// target kind and creation (the At of the rollout's first
	// transition); a rollout's stages are in the order they were first
	// recorded. Rollout.ID is assigned by the store: non-empty, unique and
	// stable.
	History(ctx context.Context) (aksupgrade.History, error)
	// PlanningHistory is History without what each proof's last round of
	// gates saw (every StageProgress.Gates is nil): what the engine plans
	// with at every step, without decoding evidence planning never reads.
	PlanningHistory(ctx context.Context) (aksupgrade.History, error)
	// Apply records one transition of the rollout history and its audit
	// entry in one transaction; see TransitionKind for what each kind
	// does. It is idempotent: a transition that changes nothing (a reach,
	// proof, approval, pause or abort recorded again, a resume of a
	// rollout not paused, a retry of a stage not halted) writes nothing,
	// not even an audit entry. ErrInvalid when t fails Validate.
	Apply(ctx context.Context, t Transition) error

	// SetRun records where a cluster stands on its way to a target in a
	// stage (the per-cluster step machine): one current run per cluster,
	// replaced by the next SetRun for the same cluster. An audit entry
	// (kind AuditKindRun, actor ActorEngine) goes with it when the state,
	// stage or target changes. ErrInvalid when r fails Validate.
	SetRun(ctx context.Context, r Run) error
	// Runs returns the current run of every cluster, ordered by cluster
	// ID.
	Runs(ctx context.Context) ([]Run, error)

	// BeginStep records that an ARM operation is about to be issued,
	// before it is, in state StepIssuing (an empty State means that), and
	// returns it with its ID. ErrActiveStep when the cluster already has
	// a step issuing or running, whatever the case of its ID;
	// ErrInvalid when s fails ValidateBegin. An audit entry
	// (AuditKindStep) goes with it.
	BeginStep(ctx context.Context, s StepRecord) (StepRecord, error)
	// UpdateStep moves step s.ID on: State, UpdatedAt, ErrorCode, Error,
	// and ResumeToken when not empty (an empty one keeps the stored
	// token); the other fields are not changed. A step that has ended
	// does not change any more: the same end again is a no-op, another
	// state ErrInvalid. ErrNotFound for an unknown ID; ErrInvalid when s
	// fails ValidateUpdate or would be running without a resume token.
	// An audit entry (AuditKindStep) goes with a change of state.
	UpdateStep(ctx context.Context, s StepRecord) error
	// ActiveSteps returns the steps issuing or running, oldest first.
	ActiveSteps(ctx context.Context) ([]StepRecord, error)
	// Steps returns the steps of a cluster (all clusters when clusterID is
	// empty), newest first (by StartedAt, then ID), at most limit.
	Steps(ctx context.Context, clusterID string, limit int) ([]StepRecord, error)

	// Audit returns the audit entries q selects, newest first (by At,
	// then ID).
	Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
	// Log appends an audit entry that goes with no other change; its ID
	// is assigned. ErrInvalid when e fails Validate.
	Log(ctx context.Context, e AuditEntry) error

	// PutEvent stores an event unless one with the same (source, id) is
	// stored already; inserted tells which. A duplicate changes nothing,
	// even when its other fields differ. ErrInvalid when e fails
	// Validate.
	PutEvent(ctx context.Context, e Event) (inserted bool, err error)
	// PutEvents stores a batch of events in one transaction, each with
	// PutEvent's rules; inserted[i] tells whether es[i] was new (a
	// duplicate of an event stored before, or of an earlier one in the
	// batch, is not). All or nothing: ErrInvalid, before anything is
	// written, when one fails Validate.
	PutEvents(ctx context.Context, es []Event) (inserted []bool, err error)
	// PendingEvents returns unprocessed events, oldest first (by
	// ReceivedAt, then the order they were stored), at most limit.
	PendingEvents(ctx context.Context, limit int) ([]Event, error)
	// MarkProcessed marks events processed at at. An event processed
	// already keeps its first time; unknown keys are ignored.
	MarkProcessed(ctx context.Context, keys []EventKey, at time.Time) error
	// Events returns stored events, newest first (by ReceivedAt, then the
	// reverse of the order they were stored), at most limit.
	Events(ctx context.Context, limit int) ([]Event, error)
	// EventsAfter returns the events stored after cursor (0: from the
	// first) and received at or after since, in the order they were
	// stored, at most limit; and the cursor after the last of them
	// (cursor itself when there is none). Readers that must see every
	// event once, whatever arrives meanwhile, page with it.
	EventsAfter(ctx context.Context, cursor int64, since time.Time, limit int) ([]Event, int64, error)

	// EnqueueNotifications adds notifications to the outbox, in order.
	// An entry whose (Receiver, Key) the outbox holds already, in any
	// state, is skipped: a second enqueue of the same key for the same
	// receiver changes nothing, even when its other fields differ.
	// Nothing is written when one entry fails Validate (ErrInvalid).
	// ID, State, Attempts, LastError and DoneAt of the input are ignored.
	EnqueueNotifications(ctx context.Context, os []Outgoing) error
	// DueNotifications returns pending entries with DueAt at or before
	// now, in the order they were enqueued (by ID), at most limit. An
	// entry waits behind an earlier pending entry of the same receiver
	// that failed (Attempts > 0) and is not due again yet, so that each
	// receiver gets its messages in order; entries merely scheduled later
	// (grouping, mute times) hold nobody up.
	DueNotifications(ctx context.Context, now time.Time, limit int) ([]Outgoing, error)
	// ClaimNotification claims pending entry id for its sender until
	// until, so that no other sends it meanwhile: true when it was
	// claimed; false when another claim of it runs at now, or it is no
	// longer pending. The Mark methods end the claim. ErrNotFound for an
	// unknown id.
	ClaimNotification(ctx context.Context, id int64, now, until time.Time) (bool, error)
	// MarkSent records that entry id was delivered at at. MarkRetry
	// records a failed attempt: attempts is the number of failed
	// attempts so far, lastError what went wrong, next when to try again.
	// MarkFailed records that delivery was given up at at, because of
	// lastError (Attempts grows by one). Each changes a pending entry
	// only: on an entry sent or failed already it is a no-op.
	// ErrNotFound for an unknown id.
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkRetry(ctx context.Context, id int64, next time.Time, attempts int, lastError string) error
	MarkFailed(ctx context.Context, id int64, at time.Time, lastError string) error
	// Notifications returns outbox entries, newest first (by ID), at most
	// limit.
	Notifications(ctx context.Context, limit int) ([]Outgoing, error)

	// Prune deletes what r says has been kept long enough: processed
	// events received before r.EventsBefore (an event still pending is
	// kept, whatever its age), and outbox entries sent or given up
	// before r.OutboxBefore (pending ones are kept). The audit log is
	// never pruned. Zero times prune nothing of their kind.
	Prune(ctx context.Context, r Retention) (Pruned, error)

	// AcquireLease, ReleaseLease, CurrentLease and Fenced: see Lease.
	AcquireLease(ctx context.Context, r LeaseRequest) (Lease, error)
	ReleaseLease(ctx context.Context, holder string, epoch int64, at time.Time) error
	CurrentLease(ctx context.Context) (Lease, error)
	Fenced(epoch int64) Store

	// Writable checks that the store can take a write now (it writes
	// nothing): nil, or why not (ErrUnavailable when the database cannot
	// be reached or is locked past the wait).
	Writable(ctx context.Context) error

	// Close releases the database; the store answers ErrUnavailable
	// afterwards. Closing twice is harmless.
	Close() error
}

// Fleet is one observation of the fleet.
type Fleet struct {
	At       time.Time                                   `json:"at"`
	Clusters []aksupgrade.Cluster                        `json:"clusters"`
	Catalogs map[string]aksupgrade.KubernetesVersionList `json:"catalogs"`
	// Announced are, by region, the catalogue's versions people have been
	// told of ("1.31.5", "1.33.0 preview"): what a new-version event
	// brings beyond them is news.
	Announced map[string][]string `json:"announced,omitempty"`
}

// TransitionKind names a change of the rollout history. Every kind but
// retried creates the rollout of Target when it does not exist yet (a
// resume of an unknown rollout is a no-op); stage-level kinds create the
// StageProgress of Stage likewise.
type TransitionKind string

const (
	// Stage-level, for Stage and Target.

	// TransitionStarted sets StartedAt, unless set.
	TransitionStarted TransitionKind = "started"
	// TransitionReached sets ReachedAt and Evidence, unless ReachedAt is
	// set.
	TransitionReached TransitionKind = "reached"
	// TransitionProven sets ProvenAt, and Evidence and Gates (when
	// given), unless ProvenAt is set.
	TransitionProven TransitionKind = "proven"
	// TransitionApproved sets Approval (Actor, At), unless set.
	TransitionApproved TransitionKind = "approved"
	// TransitionHalted sets Halt (Cluster, Reason, At). A stage halted
	// already keeps its first halt; a different failure is still
	// audited, the same one again is a no-op.
	TransitionHalted TransitionKind = "halted"
	// TransitionRetried clears the halt of Stage (every target of it);
	// Target is not needed. A target halted after it was reached (its
	// clusters failed a gate during the soak) and not proven loses its
	// ReachedAt and Evidence too: it is reached again, and soaks again
	// from then, once its clusters pass.
	TransitionRetried TransitionKind = "retried"

	// Rollout-level, for Target.

	// TransitionPaused sets Rollout.Paused (Actor, At, Reason), unless set.
	TransitionPaused TransitionKind = "paused"
	// TransitionResumed clears Rollout.Paused.
	TransitionResumed TransitionKind = "resumed"
	// TransitionAborted sets Rollout.Aborted (Actor, At, Reason), unless
	// set.
	TransitionAborted TransitionKind = "aborted"
)

// Transition is one change of the rollout history.
type Transition struct {
	Kind   TransitionKind
	Stage  string
	Target aksupgrade.Target
	At     time.Time
	// Actor is ActorEngine or the person who acted.
	Actor string
	// Cluster and Reason go with halts; Evidence with reached and proven.
	// Reason also goes with approvals, retries, pauses and aborts.
	Cluster  string
	Reason   string
	Evidence []string
	// Gates go with proven: what the gates saw before the proof.
	Gates []string
}

// RunState is where a cluster stands on its way to a target.
type RunState string

const (
	RunPending   RunState = "pending"
	RunPreflight RunState = "preflight"
	// RunGated: preflight gates keep the cluster from its upgrade; Reason
	// says what they saw.
	RunGated        RunState = "gated"
	RunControlPlane RunState = "controlPlane"
	RunNodePools    RunState = "nodePools"
	RunNodeImage    RunState = "nodeImage"
	// RunCluster: one operation upgrades the control plane and every pool
	// (a recovery from a minor that left support).
	RunCluster   RunState = "cluster"
	RunVerifying RunState = "verifying"
	RunDone      RunState = "done"
	RunFailed    RunState = "failed"
	RunSkipped   RunState = "skipped"
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

// AuditEntry is one line of the append-only audit log. Kind is a
// TransitionKind, AuditKindRun, AuditKindStep, or what a Log caller chose;
// Message is written for people.
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
	Stage string
	// Cluster matches like aksupgrade.SameID.
	Cluster string
	Target  aksupgrade.Target
	// Since keeps entries at or after it.
	Since time.Time
	Limit int
}

// EventKey identifies an event: deliveries are deduplicated by it.
type EventKey struct {
	Source string `json:"source"`
	ID     string `json:"id"`
}

// Event is a fact from a source (Event Grid, the poller, the engine).
type Event struct {
	Key     EventKey             `json:"key"`
	Type    aksupgrade.EventType `json:"type"`
	Subject string               `json:"subject,omitempty"`
	Time    time.Time            `json:"time"`
	// Data is the event's payload as received (JSON); empty comes back
	// nil.
	Data       []byte    `json:"data,omitempty"`
	ReceivedAt time.Time `json:"receivedAt"`
	// ProcessedAt is set by MarkProcessed (or given to PutEvent for an
	// event that needs no processing).
	ProcessedAt *time.Time `json:"processedAt,omitempty"`
}

// Retention says what Prune deletes: what ended before these times.
type Retention struct {
	EventsBefore time.Time
	OutboxBefore time.Time
}

// Pruned counts what Prune deleted.
type Pruned struct {
	Events, Outbox int64
}
