package aksupgrade

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// EventType names a kind of event the product knows. This is the one place
// that names them: Azure's (Event Grid, or derived by polling), the
// poller's own, and the engine's.
type EventType string

// Azure's events about AKS clusters: the system topic of
// Microsoft.ContainerService/managedClusters
// (https://learn.microsoft.com/azure/event-grid/event-schema-aks) and Azure
// Resource Notifications' scheduled events
// (https://learn.microsoft.com/azure/event-grid/event-schema-resource-notifications).
// AKS publishes no "rolling progress" event: started, succeeded and failed
// are all a pool's rolling upgrade reports.
const (
	EventNewKubernetesVersion     EventType = "Microsoft.ContainerService.NewKubernetesVersionAvailable"
	EventClusterSupportEnding     EventType = "Microsoft.ContainerService.ClusterSupportEnding"
	EventClusterSupportEnded      EventType = "Microsoft.ContainerService.ClusterSupportEnded"
	EventNodePoolRollingStarted   EventType = "Microsoft.ContainerService.NodePoolRollingStarted"
	EventNodePoolRollingSucceeded EventType = "Microsoft.ContainerService.NodePoolRollingSucceeded"
	EventNodePoolRollingFailed    EventType = "Microsoft.ContainerService.NodePoolRollingFailed"
	EventScheduledMaintenance     EventType = "Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted"
)

// EventNodeImageAvailable is the poller's own: a pool's latest node image
// changed (AKS publishes no event for new node images). It is encoded as
// Azure encodes its events, with NodeImageAvailable as data.
const EventNodeImageAvailable EventType = "aksupgrade.NodeImageAvailable"

// The engine's events, each written in the same transaction as the change
// it reports.
const (
	// An ARM operation of the engine changed state (StepEvent).
	EventStepRunning   EventType = "aksupgrade.step.running"
	EventStepSucceeded EventType = "aksupgrade.step.succeeded"
	EventStepFailed    EventType = "aksupgrade.step.failed"
	EventStepAbandoned EventType = "aksupgrade.step.abandoned"

	// A stage's progress through a target (StageEvent).
	EventStageStarted EventType = "aksupgrade.stage.started"
	EventStageReached EventType = "aksupgrade.stage.reached"
	EventStageProven  EventType = "aksupgrade.stage.proven"
	EventStageHalted  EventType = "aksupgrade.stage.halted"
	// EventApprovalNeeded: a stage waits for a person's approval before it
	// may receive a target, once per stage and target (StageEvent).
	EventApprovalNeeded EventType = "aksupgrade.approval.needed"

	// What people did, through the engine (OperatorAction).
	EventApproved EventType = "aksupgrade.rollout.approved"
	EventRetried  EventType = "aksupgrade.rollout.retried"
	EventPaused   EventType = "aksupgrade.rollout.paused"
	EventResumed  EventType = "aksupgrade.rollout.resumed"
	EventAborted  EventType = "aksupgrade.rollout.aborted"

	// News the engine tells once it planned with it: AKS offers new
	// Kubernetes versions in a region (VersionNews), once per region and
	// catalogue; a cluster's version leaves support (SupportNews), once
	// per cluster, version and kind.
	EventVersionAvailable EventType = "aksupgrade.version.available"
	EventSupportEnding    EventType = "aksupgrade.support.ending"
	EventSupportEnded     EventType = "aksupgrade.support.ended"

	// Gates (GateEvent): a blocking preflight gate keeps a cluster from
	// its upgrade; a gate in warn mode failed. Each is told once per
	// stage, target, cluster and gate. A blocking postflight gate
	// that fails halts the stage (EventStageHalted, the gate's words as
	// the reason).
	EventGateBlocked EventType = "aksupgrade.gate.blocked"
	EventGateWarned  EventType = "aksupgrade.gate.warned"

	// EventChannelsSet (ChannelsEvent): aksupgrade set a cluster's AKS
	// upgrade channels so that its stage manages it (the policy's
	// channels.takeOver).
	EventChannelsSet EventType = "aksupgrade.cluster.channelsSet"
)

// azureTypes are the types whose data is an Event Grid or CloudEvents
// envelope as Azure sends it (the poller's own included).
var azureTypes = []EventType{
	EventNewKubernetesVersion, EventClusterSupportEnding, EventClusterSupportEnded,
	EventNodePoolRollingStarted, EventNodePoolRollingSucceeded, EventNodePoolRollingFailed,
	EventScheduledMaintenance, EventNodeImageAvailable,
}

// Enveloped reports whether events of type t are stored as Azure sends
// them, envelope and all, rather than as the engine's JSON payload.
func (t EventType) Enveloped() bool {
	for _, a := range azureTypes {
		if a == t {
			return true
		}
	}
	return false
}

// Engine reports whether t is one of the engine's types, stored as the
// JSON of its payload.
func (t EventType) Engine() bool {
	switch t {
	case EventStepRunning, EventStepSucceeded, EventStepFailed, EventStepAbandoned,
		EventStageStarted, EventStageReached, EventStageProven, EventStageHalted, EventApprovalNeeded,
		EventApproved, EventRetried, EventPaused, EventResumed, EventAborted,
		EventVersionAvailable, EventSupportEnding, EventSupportEnded, EventGateBlocked, EventGateWarned, EventChannelsSet:
		return true
	}
	return false
}

// Canonical returns the spelling of a known type t names regardless of
// case (as Event Grid's filters match types), else t.
func (t EventType) Canonical() EventType {
	for _, a := range azureTypes {
		if strings.EqualFold(string(a), string(t)) {
			return a
		}
	}
	return t
}

// Short is the type without its namespace, for tables
// ("NodePoolRollingFailed", "stage.halted").
func (t EventType) Short() string {
	s := string(t)
	for _, p := range []string{"Microsoft.ContainerService.", "Microsoft.ResourceNotifications.ContainerServiceEventResources.", "aksupgrade."} {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" {
			return rest
		}
	}
	return s
}

// Event is a fact from a source (Event Grid, the poller, the engine), read
// into the payload of its type. At most one payload is set: the one of
// Type, when Type is known and its data could be read.
type Event struct {
	Type EventType `json:"type"`
	// Source and ID identify the event; deliveries are deduplicated by
	// them.
	Source string `json:"source"`
	ID     string `json:"id"`
	// Subject as given (for Azure's cluster events the cluster's name).
	Subject string    `json:"subject,omitempty"`
	Time    time.Time `json:"time"`
	// Cluster is the resource ID of the cluster the event is about, when
	// it is about one.
	Cluster string `json:"cluster,omitempty"`

	NewVersion  *NewKubernetesVersionAvailable `json:"newVersion,omitempty"`
	Support     *ClusterSupport                `json:"support,omitempty"`
	NodePool    *NodePoolRolling               `json:"nodePool,omitempty"`
	Maintenance *ScheduledMaintenance          `json:"maintenance,omitempty"`
	NodeImage   *NodeImageAvailable            `json:"nodeImage,omitempty"`
	Step        *StepEvent                     `json:"step,omitempty"`
	Stage       *StageEvent                    `json:"stage,omitempty"`
	Action      *OperatorAction                `json:"action,omitempty"`
	Versions    *VersionNews                   `json:"versions,omitempty"`
	SupportNews *SupportNews                   `json:"supportNews,omitempty"`
	Gate        *GateEvent                     `json:"gate,omitempty"`
	Channels    *ChannelsEvent                 `json:"channels,omitempty"`
}

// Known reports whether the event has a typed payload.
func (e Event) Known() bool { return e.Payload() != nil }

// Payload returns the payload that is set, nil when none is.
func (e Event) Payload() any {
	switch {
	case e.NewVersion != nil:
		return e.NewVersion
	case e.Support != nil:
		return e.Support
	case e.NodePool != nil:
		return e.NodePool
	case e.Maintenance != nil:
		return e.Maintenance
	case e.NodeImage != nil:
		return e.NodeImage
	case e.Step != nil:
		return e.Step
	case e.Stage != nil:
		return e.Stage
	case e.Action != nil:
		return e.Action
	case e.Versions != nil:
		return e.Versions
	case e.SupportNews != nil:
		return e.SupportNews
	case e.Gate != nil:
		return e.Gate
	case e.Channels != nil:
		return e.Channels
	}
	return nil
}

// DecodePayload sets the payload of the engine's event e (by e.Type) from
// data, its JSON encoding. Types stored as Azure envelopes are read by
// package eventgrid instead.
func (e *Event) DecodePayload(data []byte) error {
	var target any
	switch e.Type {
	case EventStepRunning, EventStepSucceeded, EventStepFailed, EventStepAbandoned:
		e.Step = &StepEvent{}
		target = e.Step
	case EventStageStarted, EventStageReached, EventStageProven, EventStageHalted, EventApprovalNeeded:
		e.Stage = &StageEvent{}
		target = e.Stage
	case EventApproved, EventRetried, EventPaused, EventResumed, EventAborted:
		e.Action = &OperatorAction{}
		target = e.Action
	case EventVersionAvailable:
		e.Versions = &VersionNews{}
		target = e.Versions
	case EventSupportEnding, EventSupportEnded:
		e.SupportNews = &SupportNews{}
		target = e.SupportNews
	case EventGateBlocked, EventGateWarned:
		e.Gate = &GateEvent{}
		target = e.Gate
	case EventChannelsSet:
		e.Channels = &ChannelsEvent{}
		target = e.Channels
	default:
		return fmt.Errorf("event type %q has no engine payload", e.Type)
	}
	if err := json.Unmarshal(data, target); err != nil {
		e.Step, e.Stage, e.Action, e.Versions, e.SupportNews, e.Gate, e.Channels = nil, nil, nil, nil, nil, nil, nil
		return fmt.Errorf("event %s: %w", e.Type, err)
	}
	if e.Cluster == "" {
		switch {
		case e.Step != nil:
			e.Cluster = e.Step.Step.ClusterID
		case e.Stage != nil:
			e.Cluster = e.Stage.Cluster
		case e.SupportNews != nil:
			e.Cluster = e.SupportNews.Cluster
		case e.Gate != nil:
			e.Cluster = e.Gate.Result.Cluster
		case e.Channels != nil:
			e.Cluster = e.Channels.Cluster
		}
	}
	return nil
}

// NewKubernetesVersionAvailable is the data of
// Microsoft.ContainerService.NewKubernetesVersionAvailable
// (ContainerServiceNewKubernetesVersionAvailableEventData).
type NewKubernetesVersionAvailable struct {
	// LatestSupported is the newest patch of the newest supported minor.
	LatestSupported string `json:"latestSupportedKubernetesVersion"`
	// LatestStable is the newest patch of the minor considered stable.
	LatestStable string `json:"latestStableKubernetesVersion"`
	// LowestMinor is the newest patch of the lowest minor still offered.
	LowestMinor string `json:"lowestMinorKubernetesVersion"`
	// LatestPreview is the newest preview version; empty when there is
	// none.
	LatestPreview string `json:"latestPreviewKubernetesVersion,omitempty"`
}

// ClusterSupport is the data of Microsoft.ContainerService.ClusterSupportEnding
// and ClusterSupportEnded (ContainerServiceClusterSupportBaseProperties).
type ClusterSupport struct {
	// KubernetesVersion is the cluster's version.
	KubernetesVersion string `json:"kubernetesVersion"`
}

// NodePoolRolling is the data of Microsoft.ContainerService.NodePoolRolling*
// (ContainerServiceNodePoolRollingBaseProperties). Azure publishes no error
// detail with NodePoolRollingFailed: only the pool's name.
type NodePoolRolling struct {
	NodePoolName string `json:"nodePoolName"`
}

// NodeImageAvailable is the data of EventNodeImageAvailable.
type NodeImageAvailable struct {
	NodePoolName string `json:"nodePoolName"`
	// NodeImageVersion is what the pool runs, Latest what AKS offers it.
	NodeImageVersion string `json:"nodeImageVersion"`
	Latest           string `json:"latestNodeImageVersion"`
}

// Scheduled maintenance statuses (ScheduledMaintenance.Status).
const (
	MaintenanceScheduled = "Scheduled"
	MaintenanceStarted   = "Started"
	MaintenanceCompleted = "Completed"
	// MaintenanceCanceled is also what "Cancelled", which older
	// documentation gives, becomes.
	MaintenanceCanceled = "Canceled"
	MaintenanceFailed   = "Failed"
)

// ScheduledMaintenance is the data of
// Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted:
// AKS-initiated or customer-initiated maintenance of a cluster, announced 7
// days and 24 hours ahead and followed through its stages.
type ScheduledMaintenance struct {
	// ResourceID is data.resourceInfo.id, the scheduled event's resource
	// ID; Name its last segment; ResourceType its ARM type
	// (Microsoft.ContainerService/managedClusters/scheduledEvents).
	ResourceID   string `json:"resourceId,omitempty"`
	Name         string `json:"name,omitempty"`
	ResourceType string `json:"resourceType,omitempty"`
	Location     string `json:"location,omitempty"`

	// From data.resourceInfo.properties.
	EventID     string `json:"eventId,omitempty"`
	Description string `json:"description,omitempty"`
	// EventSource says what does the maintenance, e.g. the auto-upgrader.
	EventSource string `json:"eventSource,omitempty"`
	// Status is one of the Maintenance* constants when Azure sent one of
	// them (in any case, either spelling of Canceled), else as given.
	Status string `json:"status,omitempty"`
	// Details is eventDetails when Azure sent text.
	Details string `json:"details,omitempty"`
	// EndOfSupport is eventDetails of an end-of-support notice (event
	// source EOLNotification), which Azure sends as an object.
	EndOfSupport *EndOfSupportNotice `json:"endOfSupport,omitempty"`
	// ScheduledTime is when the maintenance is scheduled to start;
	// StartTime when it started; LastUpdateTime when its status last
	// changed. Zero when unset (Azure sends 0001-01-01T00:00:00).
	ScheduledTime  time.Time `json:"scheduledTime"`
	StartTime      time.Time `json:"startTime"`
	LastUpdateTime time.Time `json:"lastUpdateTime"`
	// Resources are the resource IDs affected, as given.
	Resources []string `json:"resources,omitempty"`
	// AffectedType is properties.resourceType, e.g. ManagedCluster.
	AffectedType string `json:"affectedType,omitempty"`

	// ResourceEventTime is data.operationalInfo.resourceEventTime.
	ResourceEventTime time.Time `json:"resourceEventTime"`
	// APIVersion is data.apiVersion, the version of the properties.
	APIVersion string `json:"apiVersion,omitempty"`
}

// MaintenanceSourceEOL is the eventSource of AKS's end-of-support notices:
// scheduled events that announce no maintenance, only that a cluster's
// version is leaving (or has left) support.
// learn.microsoft.com/azure/aks/aks-end-of-support-notifications
const MaintenanceSourceEOL = "EOLNotification"

// EndOfSupportNotice is the eventDetails object of an end-of-support
// notice.
type EndOfSupportNotice struct {
	// KubernetesVersion is the version the cluster runs.
	KubernetesVersion string `json:"kubernetesVersion"`
	// EOLDate is when that version leaves support.
	EOLDate time.Time `json:"eolDate"`
	// SupportType is Community or LTS (whose end of support is later).
	SupportType string `json:"supportType,omitempty"`
	// DaysUntilEOL is how many days are left when the notice was sent.
	DaysUntilEOL int    `json:"daysUntilEOL"`
	Region       string `json:"region,omitempty"`
}

// IsEndOfSupport reports whether the scheduled event is an end-of-support
// notice rather than a maintenance: it belongs on no maintenance calendar.
func (p *ScheduledMaintenance) IsEndOfSupport() bool {
	return strings.EqualFold(p.EventSource, MaintenanceSourceEOL)
}

// StepEvent is the data of the step events: an ARM operation of the
// engine changed state.
type StepEvent struct {
	// StepID is the store's ID of the operation.
	StepID int64  `json:"id"`
	Stage  string `json:"stage"`
	Target Target `json:"target"`
	Step   Step   `json:"step"`
	// State is running, succeeded, failed or abandoned.
	State string `json:"state"`
	// ErrorCode and Error say why a failed step failed.
	ErrorCode ErrorCode `json:"errorCode,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// StageEvent is the data of the stage events and of EventApprovalNeeded.
type StageEvent struct {
	Stage  string `json:"stage"`
	Target Target `json:"target"`
	// Cluster is the cluster whose failure halted the stage (halted).
	Cluster string `json:"cluster,omitempty"`
	// Reason says why (halted, approval needed) or what the planner saw.
	Reason string `json:"reason,omitempty"`
	// Evidence names the clusters that reached or proved the target.
	Evidence []string `json:"evidence,omitempty"`
}

// OperatorAction is the data of what a person did: approved, retried,
// paused, resumed, aborted.
type OperatorAction struct {
	// Stage is set for approvals and retries.
	Stage string `json:"stage,omitempty"`
	// Target is set for approvals, pauses, resumes and aborts.
	Target Target `json:"target"`
	By     string `json:"by"`
	Reason string `json:"reason,omitempty"`
}
