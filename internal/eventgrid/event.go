package eventgrid

import (
	"encoding/json"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// Delivery schemas (Event.Schema).
const (
	SchemaEventGrid   = "EventGrid"
	SchemaCloudEvents = "CloudEvents"
)

// TypeSubscriptionValidation is Event Grid's handshake; it is answered,
// never returned as an Event. The event types with a typed payload are
// the aksupgrade.Event* constants.
const TypeSubscriptionValidation = "Microsoft.EventGrid.SubscriptionValidationEvent"

// Event is one event of a delivery, in either schema.
type Event struct {
	// Schema is SchemaEventGrid or SchemaCloudEvents.
	Schema string `json:"schema"`
	ID     string `json:"id"`
	// Type as given, or the canonical spelling of a known type.
	Type aksupgrade.EventType `json:"type"`
	// Source is the Event Grid topic or the CloudEvents source, as given.
	Source string `json:"source"`
	// Subject as given: for the Microsoft.ContainerService events the
	// cluster's name, for ScheduledEventEmitted the scheduled event's
	// resource ID.
	Subject string `json:"subject,omitempty"`
	// Time is eventTime or time, in UTC; zero when absent.
	Time time.Time `json:"time"`
	// Cluster is the resource ID of the AKS cluster the event is about,
	// as given (compare with aksupgrade.SameID); empty when it is about no
	// cluster this package can tell.
	Cluster string `json:"cluster,omitempty"`

	// At most one of the payloads below is set: the one of Type, when
	// Type is known and its data could be read.
	NewVersion  *aksupgrade.NewKubernetesVersionAvailable `json:"newVersion,omitempty"`
	Support     *aksupgrade.ClusterSupport                `json:"support,omitempty"`
	NodePool    *aksupgrade.NodePoolRolling               `json:"nodePool,omitempty"`
	NodeImage   *aksupgrade.NodeImageAvailable            `json:"nodeImage,omitempty"`
	Maintenance *aksupgrade.ScheduledMaintenance          `json:"maintenance,omitempty"`

	// Raw is the event as received (one element of a batch).
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Known reports whether the event has a typed payload.
func (e Event) Known() bool {
	return e.NewVersion != nil || e.Support != nil || e.NodePool != nil || e.NodeImage != nil || e.Maintenance != nil
}

// Domain returns the event as the domain knows it.
func (e Event) Domain() aksupgrade.Event {
	return aksupgrade.Event{Type: e.Type, Source: e.Source, ID: e.ID, Subject: e.Subject, Time: e.Time, Cluster: e.Cluster,
		NewVersion: e.NewVersion, Support: e.Support, NodePool: e.NodePool, NodeImage: e.NodeImage, Maintenance: e.Maintenance}
}

// Describe says in one line, for people, what the event means (the
// domain's describer).
func (e Event) Describe() string { return e.Domain().Describe() }

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
