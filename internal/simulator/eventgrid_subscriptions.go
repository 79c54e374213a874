package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Event Grid delivery schemas of an event subscription.
const (
	SchemaEventGrid   = "EventGrid"
	SchemaCloudEvents = "CloudEvents"
)

// EventSubscription is an Event Grid event subscription with a webhook
// endpoint: where the simulator, acting as Event Grid, delivers the events
// it publishes.
type EventSubscription struct {
	// Name is sent in aeg-subscription-name (upper-cased, as Event Grid
	// does); 3 to 64 letters, digits and hyphens. Default: the ID.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Endpoint is the webhook's http or https URL. (Event Grid takes https
	// only; the simulator also takes http for loopback receivers.)
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	// Schema is EventGrid (default) or CloudEvents (CloudEvents v1.0).
	Schema string `yaml:"schema,omitempty" json:"schema,omitempty"`
	// MaxEventsPerBatch is the most events one request carries, 1 to
	// 5000 (default 1). With CloudEvents, more than 1 switches to the
	// batched format (a JSON array, application/cloudevents-batch+json).
	MaxEventsPerBatch int `yaml:"maxEventsPerBatch,omitempty" json:"maxEventsPerBatch,omitempty"`
	// Headers are static delivery properties (a shared secret, say), sent
	// with the handshake and every delivery; at most 10, none named aeg-*.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Types filters the event types delivered (includedEventTypes);
	// empty: all.
	Types []string `yaml:"types,omitempty" json:"types,omitempty"`
	// Topic is the source of the subscription's system topic: a managed
	// cluster's resource ID (topic type Microsoft.ContainerService.
	// ManagedClusters: AKS's events are per cluster, one system topic
	// each) or /subscriptions/{id} (Azure Resource Notifications'
	// ContainerServiceEventResources: ScheduledEventEmitted). Empty:
	// every topic, a shortcut of the simulator's that Azure has no
	// equivalent of.
	Topic string `yaml:"topic,omitempty" json:"topic,omitempty"`
	// Duplicates, OutOfOrder and Delay make the subscription's deliveries
	// what Event Grid's at-least-once delivery allows: every batch
	// delivered twice, batches due together sent newest first, and every
	// batch sent Delay after its events were published
	// (learn.microsoft.com/azure/event-grid/delivery-and-retry: "Event
	// Grid ... might deliver the same event more than once" and does not
	// guarantee order).
	Duplicates bool     `yaml:"duplicates,omitempty" json:"duplicates,omitempty"`
	OutOfOrder bool     `yaml:"outOfOrder,omitempty" json:"outOfOrder,omitempty"`
	Delay      Duration `yaml:"delay,omitempty" json:"delay,omitempty"`
}

// EventSubscriptionStatus is an event subscription as the simulator holds
// it.
type EventSubscriptionStatus struct {
	ID string `json:"id"`
	EventSubscription
	// ProvisioningState is Creating (handshake still to do), Succeeded or
	// Failed (the handshake never succeeded).
	ProvisioningState string `json:"provisioningState"`
	// Pending counts the events waiting for their first delivery or a
	// retry.
	Pending int `json:"pending"`
}

// Provisioning states, as Event Grid names them.
const (
	subCreating  = "Creating"
	subSucceeded = "Succeeded"
	subFailed    = "Failed"
)

// HandshakeError is a validation handshake that failed: the endpoint did
// not agree to take the subscription's events.
type HandshakeError struct {
	Endpoint string
	// Reason says what the answer lacked.
	Reason string
}

func (e *HandshakeError) Error() string {
	return "Webhook validation handshake failed for " + e.Endpoint + ": " + e.Reason + ". For troubleshooting, visit https://aka.ms/esvalidation."
}

var (
	subscriptionNamePattern = regexp.MustCompile(`^[A-Za-z0-9-]{3,64}$`)
	headerNamePattern       = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	defaultNamePattern      = regexp.MustCompile(`(?i)^eventsub-[0-9]+$`)
)

// check returns the problems of e's fields, relative to field.
func (e *EventSubscription) check(field string) []problem {
	var ps []problem
	add := func(sub, format string, args ...any) {
		ps = append(ps, problem{field + sub, fmt.Sprintf(format, args...)})
	}
	switch {
	case e.Name != "" && !subscriptionNamePattern.MatchString(e.Name):
		add(".name", "found %q, want 3 to 64 letters, digits and hyphens", e.Name)
	case defaultNamePattern.MatchString(e.Name):
		add(".name", "%q is the kind of name given to subscriptions without one; choose another", e.Name)
	}
	if u, err := url.Parse(e.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add(".endpoint", "found %q, want an absolute http or https URL", e.Endpoint)
	}
	if e.Schema != "" && e.Schema != SchemaEventGrid && e.Schema != SchemaCloudEvents {
		add(".schema", "found %q, want EventGrid or CloudEvents", e.Schema)
	}
	if e.MaxEventsPerBatch < 0 || e.MaxEventsPerBatch > 5000 {
		add(".maxEventsPerBatch", "found %d, want 1 to 5000 (0: the default, 1)", e.MaxEventsPerBatch)
	}
	if len(e.Headers) > 10 {
		add(".headers", "found %d, Event Grid allows at most 10 delivery properties", len(e.Headers))
	}
	for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
		switch {
		case !headerNamePattern.MatchString(k):
			add(".headers", "%q is not an HTTP header name", k)
		case strings.HasPrefix(strings.ToLower(k), "aeg-"):
			add(".headers", "%q: the aeg- prefix is Event Grid's own", k)
		case len(e.Headers[k]) > 4096:
			add(".headers", "%q: a value is at most 4096 bytes", k)
		}
	}
	if e.Topic != "" && !strings.HasPrefix(strings.ToLower(e.Topic), "/subscriptions/") {
		add(".topic", "found %q, want a managed cluster's resource ID or /subscriptions/{id}", e.Topic)
	}
	if e.Delay < 0 {
		add(".delay", "found %s, want a duration of zero or more", e.Delay.D())
	}
	for i, t := range e.Types {
		if !slices.ContainsFunc(EventTypes(), func(known string) bool { return strings.EqualFold(known, t) }) {
			add(".types["+strconv.Itoa(i)+"]", "found %q, want one of %s", t, strings.Join(EventTypes(), ", "))
		}
	}
	return ps
}

// eventSub is an event subscription in the simulator.
type eventSub struct {
	id string
	// EventSubscription is defaulted and never changes once made, so
	// delivery reads it without the lock.
	EventSubscription
	state string
	// The handshake: when it is due, how many tries, whether one runs.
	validateAt  time.Time
	created     time.Time
	validations int
	busy        bool
	// pending are published events not yet in a batch; batches await
	// their first attempt or a retry.
	pending []Event
	batches []*batch
}

// batch is a request's worth of events. A failed batch is retried whole.
type batch struct {
	events   []Event
	attempts int
	due      time.Time
	busy     bool
	// again: the batch is a duplicate, not itself duplicated.
	again bool
}

// takes reports whether the subscription delivers ev: of a type it
// includes, from its topic.
func (es *eventSub) takes(ev Event) bool {
	if len(es.Types) > 0 && !slices.ContainsFunc(es.Types, func(t string) bool { return strings.EqualFold(t, ev.Type) }) {
		return false
	}
	return es.Topic == "" || strings.EqualFold(strings.TrimRight(es.Topic, "/"), ev.Source)
}

func (es *eventSub) removeBatch(b *batch) {
	es.batches = slices.DeleteFunc(es.batches, func(x *batch) bool { return x == b })
}

func (es *eventSub) status() EventSubscriptionStatus {
	st := EventSubscriptionStatus{ID: es.id, EventSubscription: es.EventSubscription, ProvisioningState: es.state, Pending: len(es.pending)}
	st.Headers = maps.Clone(es.Headers)
	st.Types = slices.Clone(es.Types)
	for _, b := range es.batches {
		st.Pending += len(b.events)
	}
	return st
}

// newEventSub makes a subscription, defaulted, without adding it.
func (s *Simulator) newEventSub(sub EventSubscription, now time.Time) (*eventSub, error) {
	s.grid.seq++
	es := &eventSub{id: "eventsub-" + strconv.Itoa(s.grid.seq), EventSubscription: sub, state: subCreating, validateAt: now, created: now}
	es.Name = orDefault(es.Name, es.id)
	es.Schema = orDefault(es.Schema, SchemaEventGrid)
	es.MaxEventsPerBatch = max(es.MaxEventsPerBatch, 1)
	es.Headers = maps.Clone(sub.Headers)
	es.Types = slices.Clone(sub.Types)
	if s.eventSubNamed(es.Name) != nil {
		return nil, fmt.Errorf("simulator: an event subscription named %s exists already", es.Name)
	}
	return es, nil
}

func (s *Simulator) eventSubNamed(name string) *eventSub {
	for _, es := range s.grid.subs {
		if strings.EqualFold(es.Name, name) {
			return es
		}
	}
	return nil
}

// errInvalidSubscription marks a subscription whose fields are wrong.
var errInvalidSubscription = errors.New("invalid event subscription")

// SubscribeContext creates an event subscription the way Event Grid
// does: it runs the validation handshake with the endpoint first (a
// SubscriptionValidationEvent for the Event Grid schema, an OPTIONS
// request for CloudEvents) and fails with a *HandshakeError when the
// endpoint does not agree; with ctx's error when ctx ends first. Events
// published from then on are delivered.
func (s *Simulator) SubscribeContext(ctx context.Context, sub EventSubscription) (id string, err error) {
	if ps := sub.check("eventSubscription"); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.field + ": " + p.msg
		}
		return "", fmt.Errorf("simulator: %w: %s", errInvalidSubscription, strings.Join(msgs, "; "))
	}
	s.mu.Lock()
	now := s.clock.Now()
	es, err := s.newEventSub(sub, now)
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	v := s.newValidation(es, now)
	s.mu.Unlock()

	status, reason := s.handshake(ctx, es, v)
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("simulator: subscribe %s: %w", es.Endpoint, err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	es.validations = 1
	d := Delivery{Time: now, SubscriptionID: es.id, SubscriptionName: es.Name, Kind: kindValidation, Attempt: 1, Status: status, Outcome: outcomeValidated}
	if reason == "" && s.eventSubNamed(es.Name) != nil {
		reason = "an event subscription named " + es.Name + " was created meanwhile"
	}
	if reason != "" {
		d.Outcome, d.Error = outcomeFailed, reason
		s.grid.deliveries = append(s.grid.deliveries, d)
		return "", &HandshakeError{Endpoint: es.Endpoint, Reason: reason}
	}
	es.state = subSucceeded
	s.grid.subs = append(s.grid.subs, es)
	s.grid.deliveries = append(s.grid.deliveries, d)
	s.log.Info("event subscription created", "id", es.id, "name", es.Name, "endpoint", es.Endpoint, "schema", es.Schema)
	s.notifyDelivery()
	return es.id, nil
}

// addScenarioSubscription adds a subscription from the scenario. Its
// handshake runs with the first delivery pass and is retried on Event
// Grid's schedule until it succeeds, for a day at most.
func (s *Simulator) addScenarioSubscription(sub EventSubscription) {
	es, err := s.newEventSub(sub, s.start)
	if err != nil {
		return // names checked by New
	}
	s.grid.subs = append(s.grid.subs, es)
}

// Unsubscribe deletes an event subscription and drops its undelivered
// events; false when there is none with that ID.
func (s *Simulator) Unsubscribe(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, es := range s.grid.subs {
		if es.id == id {
			s.grid.subs = slices.Delete(s.grid.subs, i, i+1)
			s.log.Info("event subscription deleted", "id", id)
			return true
		}
	}
	return false
}

// EventSubscriptions returns the event subscriptions, in the order they
// were made, as they stand at the clock's time.
func (s *Simulator) EventSubscriptions() []EventSubscriptionStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.clock.Now())
	out := make([]EventSubscriptionStatus, len(s.grid.subs))
	for i, es := range s.grid.subs {
		out[i] = es.status()
	}
	return out
}

// eventRoutes adds the event endpoints to the simulator's mux.
func (s *Simulator) eventRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /simulator/v1/events", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Events())
	})
	mux.HandleFunc("GET /simulator/v1/deliveries", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Deliveries())
	})
	mux.HandleFunc("GET /simulator/v1/eventSubscriptions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.EventSubscriptions())
	})
	mux.HandleFunc("POST /simulator/v1/eventSubscriptions", func(w http.ResponseWriter, r *http.Request) {
		var sub EventSubscription
		if err := decodeStrict(r, &sub); err != nil {
			writeError(w, errInvalidBody(err))
			return
		}
		id, err := s.SubscribeContext(r.Context(), sub)
		var he *HandshakeError
		switch {
		case errors.As(err, &he):
			// Azure's code for a failed handshake.
			writeError(w, &armError{status: http.StatusBadRequest, code: "Url validation", message: he.Error()})
		case err != nil:
			writeError(w, errInvalidParameter("%s", strings.TrimPrefix(err.Error(), "simulator: ")))
		default:
			writeJSON(w, http.StatusCreated, map[string]string{"id": id})
		}
	})
	mux.HandleFunc("DELETE /simulator/v1/eventSubscriptions/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.Unsubscribe(r.PathValue("id")) {
			writeError(w, errNotFound("NotFound", "No event subscription "+r.PathValue("id")+"."))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// decodeStrict decodes a JSON request body, refusing unknown fields.
func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
