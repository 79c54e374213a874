package eventgrid

import (
	"encoding/json"
	"time"
)

// Delivery schemas (Event.Schema).
const (
	SchemaEventGrid   = "EventGrid"
	SchemaCloudEvents = "CloudEvents"
)

// Event types with a typed payload, and the validation handshake.
const (
	TypeNewKubernetesVersionAvailable = "Microsoft.ContainerService.NewKubernetesVersionAvailable"
	TypeClusterSupportEnding          = "Microsoft.ContainerService.ClusterSupportEnding"
	TypeClusterSupportEnded           = "Microsoft.ContainerService.ClusterSupportEnded"
	TypeNodePoolRollingStarted        = "Microsoft.ContainerService.NodePoolRollingStarted"
	TypeNodePoolRollingSucceeded      = "Microsoft.ContainerService.NodePoolRollingSucceeded"
	TypeNodePoolRollingFailed         = "Microsoft.ContainerService.NodePoolRollingFailed"
	TypeScheduledEventEmitted         = "Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted"

	// TypeSubscriptionValidation is Event Grid's handshake; it is answered,
	// never returned as an Event.
	TypeSubscriptionValidation = "Microsoft.EventGrid.SubscriptionValidationEvent"
)

// Event is one event of a delivery, in either schema.
type Event struct {
	// Schema is SchemaEventGrid or SchemaCloudEvents.
	Schema string `json:"schema"`
	ID     string `json:"id"`
	Type   string `json:"type"`
	// Source is the Event Grid topic or the CloudEvents source, as given.
	Source string `json:"source"`
	// Subject as given: for the Microsoft.ContainerService events the
	// cluster's name, for ScheduledEventEmitted the scheduled event's
	// resource ID.
	Subject string `json:"subject,omitempty"`
	// Time is eventTime or time, in UTC; zero when absent.
	Time time.Time `json:"time"`
	// ClusterID is the resource ID of the AKS cluster the event is about,
	// as given (compare with aksupgrade.SameID); empty when it is about no
	// cluster this package can tell.
	ClusterID string `json:"clusterId,omitempty"`

	// At most one of the payloads below is set: the one of Type, when Type
	// is known and its data could be read.
	NewVersion *NewKubernetesVersionAvailable `json:"newVersion,omitempty"`
	// Support is set for ClusterSupportEnding and ClusterSupportEnded.
	Support *ClusterSupport `json:"support,omitempty"`
	// NodePool is set for NodePoolRollingStarted, Succeeded and Failed.
	NodePool  *NodePoolRolling `json:"nodePool,omitempty"`
	Scheduled *ScheduledEvent  `json:"scheduled,omitempty"`

	// Raw is the event as received (one element of a batch).
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Known reports whether the event has a typed payload.
func (e Event) Known() bool {
	return e.NewVersion != nil || e.Support != nil || e.NodePool != nil || e.Scheduled != nil
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

// Scheduled maintenance statuses (ScheduledEvent.Status).
const (
	StatusScheduled = "Scheduled"
	StatusStarted   = "Started"
	StatusCompleted = "Completed"
	// StatusCanceled is also what "Cancelled", which older documentation
	// gives, becomes.
	StatusCanceled = "Canceled"
	StatusFailed   = "Failed"
)

// ScheduledEvent is the data of
// Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted:
// AKS-initiated or customer-initiated maintenance of a cluster, announced 7
// days and 24 hours ahead and followed through its stages.
type ScheduledEvent struct {
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
	// Status is one of the Status constants when Azure sent one of them
	// (in any case, either spelling of Canceled), else as given.
	Status  string `json:"status,omitempty"`
	Details string `json:"details,omitempty"`
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

// Validation is Event Grid's subscription validation handshake.
type Validation struct {
	// Code is echoed back as validationResponse.
	Code string
	// URL allows validating by hand (GET) instead.
	URL string
}

// Delivery is one decoded request body.
type Delivery struct {
	// Validation is set when the body held a SubscriptionValidationEvent;
	// it is not among Events.
	Validation *Validation
	// Events in the order received.
	Events []Event
	// Unknown counts the Events without a typed payload: types this
	// package does not know, or known types whose data it could not read.
	Unknown int
}
