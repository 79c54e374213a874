package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The simulator acting as Event Grid: it delivers published events to the
// event subscriptions' webhooks, on the simulated clock. Behaviour follows
// https://learn.microsoft.com/azure/event-grid/delivery-and-retry,
// .../end-point-validation-event-grid-events-schema and
// .../end-point-validation-cloud-events-schema:
//
//   - success is 200, 201, 202, 203 or 204; anything else fails;
//   - 400, 401, 403 and 413 are not retried (the events are dropped, no
//     dead-lettering is simulated);
//   - other failures, and no answer, are retried after 10s, 30s, 1m, 5m,
//     10m, 30m, 1h, 3h, 6h, then every 12h, but 503 waits at least 30s and
//     408 at least 2m;
//   - an event is dropped after 30 attempts or once a retry would fall
//     more than 24h (the default time to live) after it was published;
//   - a batch is all or nothing: a failed batch is retried whole.
//
// The small randomisation Event Grid adds to its retries, and its delayed
// delivery to endpoints that keep failing, are left out so tests can tell
// the exact attempt times.

// Delivery kinds and outcomes.
const (
	kindValidation   = "validation"
	kindNotification = "notification"

	outcomeDelivered = "delivered"
	outcomeRetry     = "retry"
	outcomeDropped   = "dropped"
	outcomeValidated = "validated"
	outcomeFailed    = "failed"
)

// Delivery is one request the simulator sent as Event Grid.
type Delivery struct {
	// Time is the simulated time of the attempt.
	Time             time.Time `json:"time"`
	SubscriptionID   string    `json:"subscriptionId"`
	SubscriptionName string    `json:"subscriptionName"`
	// Kind is validation (the handshake) or notification.
	Kind string `json:"kind"`
	// Attempt counts from 1 per batch (or per handshake); the
	// aeg-delivery-count header is Attempt-1.
	Attempt int `json:"attempt"`
	// Status is the HTTP status answered; 0 when none was.
	Status   int      `json:"status"`
	EventIDs []string `json:"eventIds,omitempty"`
	// Outcome is delivered, retry or dropped (notifications), validated,
	// retry or failed (handshakes).
	Outcome string `json:"outcome"`
	// Reason says why a notification was dropped: NotRetried (the status
	// is one Event Grid does not retry), MaxDeliveryAttemptsExceeded or
	// TimeToLiveExceeded.
	Reason string `json:"reason,omitempty"`
	// Error is the transport error or what the handshake answer lacked.
	Error string `json:"error,omitempty"`
	// NextAttempt is when a retry is due.
	NextAttempt time.Time `json:"nextAttempt,omitzero"`
}

const (
	maxDeliveryAttempts = 30
	eventTimeToLive     = 24 * time.Hour
	// eventGridOrigin is the origin Event Grid names in CloudEvents
	// deliveries and their handshake.
	eventGridOrigin = "eventgrid.azure.net"
)

// gridState is the simulated Event Grid's state.
type gridState struct {
	client *http.Client
	// topic and region appear in the validation event.
	topic, region string
	subs          []*eventSub
	seq           int
	deliveries    []Delivery
	// wake tells StartDelivery's loop that something may be due.
	wake chan struct{}
}

// Deliveries returns every request sent as Event Grid so far, in order.
func (s *Simulator) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.grid.deliveries)
	for i := range out {
		out[i].EventIDs = slices.Clone(out[i].EventIDs)
	}
	return out
}

// enqueue queues a published event for the subscriptions that take it.
func (s *Simulator) enqueue(ev Event) {
	queued := false
	for _, es := range s.grid.subs {
		if es.state != subFailed && es.takes(ev) {
			es.pending = append(es.pending, ev)
			queued = true
		}
	}
	if queued {
		s.notifyDelivery()
	}
}

func (s *Simulator) notifyDelivery() {
	select {
	case s.grid.wake <- struct{}{}:
	default:
	}
}

// retryDelay is how long Event Grid waits after the n-th failed attempt
// that was answered status (0: no answer).
func retryDelay(n, status int) time.Duration {
	var d time.Duration
	switch n {
	case 1:
		d = 10 * time.Second
	case 2:
		d = 30 * time.Second
	case 3:
		d = time.Minute
	case 4:
		d = 5 * time.Minute
	case 5:
		d = 10 * time.Minute
	case 6:
		d = 30 * time.Minute
	case 7:
		d = time.Hour
	case 8:
		d = 3 * time.Hour
	case 9:
		d = 6 * time.Hour
	default:
		d = 12 * time.Hour
	}
	switch status {
	case http.StatusServiceUnavailable:
		d = max(d, 30*time.Second)
	case http.StatusRequestTimeout:
		d = max(d, 2*time.Minute)
	}
	return d
}

func delivered(status int) bool { return status >= 200 && status <= 204 }

// notRetried reports whether Event Grid gives up on a webhook at once.
func notRetried(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		return true
	}
	return false
}

// job is one request to send: a batch, or the handshake when b is nil.
type job struct {
	sub     *eventSub
	b       *batch
	attempt int
	v       validation
}

// DeliverDue sends everything due at the clock's time: handshakes of
// subscriptions still Creating, then new batches and retries. Requests go
// out one at a time, without the simulator's lock held, so a receiver may
// call the simulator back. It returns how many requests it sent; it stops
// early, leaving the rest due, when ctx is done (an attempt ctx cuts short
// is not counted and is sent again: delivery is at least once).
func (s *Simulator) DeliverDue(ctx context.Context) int {
	sent := 0
	// A handshake that succeeds makes its subscription's events due at
	// once: one more round sends them.
	for range 2 {
		s.mu.Lock()
		now := s.clock.Now()
		s.advance(now)
		jobs := s.dueJobs(now)
		s.mu.Unlock()
		validated := false
		for i, j := range jobs {
			if ctx.Err() != nil {
				s.release(jobs[i:])
				return sent
			}
			ok, done := s.run(ctx, j)
			if !done {
				s.release(jobs[i:])
				return sent
			}
			sent++
			validated = validated || (j.b == nil && ok)
		}
		if !validated {
			break
		}
	}
	return sent
}

// dueJobs batches pending events and claims what is due at now.
func (s *Simulator) dueJobs(now time.Time) []job {
	var jobs []job
	for _, es := range s.grid.subs {
		switch es.state {
		case subCreating:
			if !es.busy && !es.validateAt.After(now) {
				es.busy = true
				jobs = append(jobs, job{sub: es, attempt: es.validations + 1, v: s.newValidation(es, now)})
			}
		case subSucceeded:
			for len(es.pending) > 0 {
				n := min(len(es.pending), es.MaxEventsPerBatch)
				b := &batch{events: slices.Clone(es.pending[:n]), due: now}
				if late := b.events[n-1].Time.Add(es.Delay.D()); late.After(now) {
					b.due = late
				}
				es.batches = append(es.batches, b)
				es.pending = es.pending[n:]
			}
			es.pending = nil
			var due []job
			for _, b := range es.batches {
				if !b.busy && !b.due.After(now) {
					b.busy = true
					due = append(due, job{sub: es, b: b, attempt: b.attempts + 1})
				}
			}
			if es.OutOfOrder {
				slices.Reverse(due)
			}
			jobs = append(jobs, due...)
		}
	}
	return jobs
}

// release gives back jobs claimed but not sent.
func (s *Simulator) release(jobs []job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range jobs {
		if j.b != nil {
			j.b.busy = false
		} else {
			j.sub.busy = false
		}
	}
}

// run sends one job and records the outcome. ok: delivered or validated;
// done: false when ctx ended the attempt, which then does not count.
func (s *Simulator) run(ctx context.Context, j job) (ok, done bool) {
	at := s.clock.Now()
	if j.b == nil {
		status, reason := s.handshake(ctx, j.sub, j.v)
		if ctx.Err() != nil {
			return false, false
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.recordHandshake(j, at, status, reason)
		return reason == "", true
	}
	ctype, body := encodeBatch(j.sub, j.b.events)
	h := j.sub.header("Notification", j.attempt-1)
	h["Content-Type"] = []string{ctype}
	if len(j.b.events) == 1 {
		h["aeg-output-event-id"] = []string{j.b.events[0].ID}
	}
	resp, err := s.send(ctx, http.MethodPost, j.sub.Endpoint, h, body)
	if ctx.Err() != nil {
		return false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recordDelivery(j, at, resp.status, err), true
}

func (s *Simulator) recordDelivery(j job, at time.Time, status int, err error) bool {
	es, b := j.sub, j.b
	b.busy = false
	b.attempts = j.attempt
	d := Delivery{Time: at, SubscriptionID: es.id, SubscriptionName: es.Name, Kind: kindNotification, Attempt: j.attempt, Status: status}
	for _, ev := range b.events {
		d.EventIDs = append(d.EventIDs, ev.ID)
	}
	if err != nil {
		d.Error = err.Error()
	}
	published := b.events[0].Time
	for _, ev := range b.events {
		if ev.Time.Before(published) {
			published = ev.Time
		}
	}
	next := at.Add(retryDelay(j.attempt, status))
	switch {
	case delivered(status):
		d.Outcome = outcomeDelivered
	case status != 0 && notRetried(status):
		d.Outcome, d.Reason = outcomeDropped, "NotRetried"
	case j.attempt >= maxDeliveryAttempts:
		d.Outcome, d.Reason = outcomeDropped, "MaxDeliveryAttemptsExceeded"
	case next.After(published.Add(eventTimeToLive)):
		d.Outcome, d.Reason = outcomeDropped, "TimeToLiveExceeded"
	default:
		d.Outcome, d.NextAttempt = outcomeRetry, next
		b.due = next
	}
	if d.Outcome != outcomeRetry {
		es.removeBatch(b)
	}
	if d.Outcome == outcomeDelivered && es.Duplicates && !b.again {
		es.batches = append(es.batches, &batch{events: b.events, due: at, again: true})
	}
	s.grid.deliveries = append(s.grid.deliveries, d)
	s.log.Info("event delivery", "subscription", es.Name, "attempt", j.attempt, "status", status, "outcome", d.Outcome, "events", len(b.events))
	s.notifyDelivery()
	return d.Outcome == outcomeDelivered
}

func (s *Simulator) recordHandshake(j job, at time.Time, status int, reason string) {
	es := j.sub
	es.busy = false
	es.validations = j.attempt
	d := Delivery{Time: at, SubscriptionID: es.id, SubscriptionName: es.Name, Kind: kindValidation, Attempt: j.attempt, Status: status, Error: reason}
	next := at.Add(retryDelay(j.attempt, status))
	switch {
	case reason == "":
		d.Outcome = outcomeValidated
		es.state = subSucceeded
	case next.Sub(es.created) > eventTimeToLive:
		d.Outcome = outcomeFailed
		es.state = subFailed
		es.pending = nil
	default:
		d.Outcome, d.NextAttempt = outcomeRetry, next
		es.validateAt = next
	}
	s.grid.deliveries = append(s.grid.deliveries, d)
	s.log.Info("event subscription handshake", "subscription", es.Name, "attempt", j.attempt, "status", status, "outcome", d.Outcome, "error", reason)
	s.notifyDelivery()
}

// nextDelivery is when something may next be due: a handshake, a retry, or
// a change that publishes events. false: nothing is waited for.
func (s *Simulator) nextDelivery(now time.Time) (time.Time, bool) {
	var next time.Time
	found, active := false, false
	consider := func(t time.Time) {
		if !found || t.Before(next) {
			next, found = t, true
		}
	}
	for _, es := range s.grid.subs {
		switch es.state {
		case subCreating:
			active = true
			if !es.busy {
				consider(es.validateAt)
			}
		case subSucceeded:
			active = true
			if len(es.pending) > 0 {
				consider(now)
			}
			for _, b := range es.batches {
				if !b.busy {
					consider(b.due)
				}
			}
		}
	}
	if !active {
		return time.Time{}, false
	}
	if s.nextEntry < len(s.timeline) {
		consider(s.timeline[s.nextEntry].at)
	}
	for _, op := range s.ops {
		if op.status == statusInProgress {
			consider(op.end)
		}
	}
	if s.ev.nextNotice < len(s.ev.notices) {
		consider(s.ev.notices[s.ev.nextNotice].at)
	}
	return next, found
}

// StartDelivery delivers events in the background until ctx is done: it
// calls DeliverDue, then waits on the clock (Clock.After) until the next
// thing is due, or until something new is published. The channel closes
// when the loop has stopped.
func (s *Simulator) StartDelivery(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			s.DeliverDue(ctx)
			if ctx.Err() != nil {
				return
			}
			s.mu.Lock()
			now := s.clock.Now()
			next, ok := s.nextDelivery(now)
			s.mu.Unlock()
			var timer <-chan time.Time
			if ok {
				timer = s.clock.After(next.Sub(now))
			}
			select {
			case <-ctx.Done():
				return
			case <-s.grid.wake:
			case <-timer:
			}
		}
	}()
	return done
}

// header is what every request to es carries: its delivery properties and
// Event Grid's aeg- headers (written in lower case, as Event Grid does).
func (es *eventSub) header(eventType string, deliveryCount int) http.Header {
	h := http.Header{}
	for k, v := range es.Headers {
		h.Set(k, v)
	}
	h["aeg-event-type"] = []string{eventType}
	h["aeg-subscription-name"] = []string{strings.ToUpper(es.Name)}
	h["aeg-delivery-count"] = []string{strconv.Itoa(deliveryCount)}
	if es.Schema == SchemaCloudEvents {
		h["aeg-metadata-version"] = []string{"1.0"}
		h["Origin"] = []string{eventGridOrigin}
	} else {
		h["aeg-metadata-version"] = []string{"1"}
		h["aeg-data-version"] = []string{"1"}
	}
	return h
}

// answer is what an endpoint answered.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request; the answer's body is read up to 64 KiB.
func (s *Simulator) send(ctx context.Context, method, endpoint string, h http.Header, body []byte) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header = h
	resp, err := s.grid.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	// Drained only so the connection can be reused; a failure costs a
	// new connection, nothing more.
	_, _ = io.Copy(io.Discard, resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// The schemas' envelopes, with their fields in the order Azure's examples
// show them.
type eventGridEvent struct {
	Topic           string          `json:"topic"`
	Subject         string          `json:"subject"`
	EventType       string          `json:"eventType"`
	ID              string          `json:"id"`
	Data            json.RawMessage `json:"data"`
	DataVersion     string          `json:"dataVersion"`
	MetadataVersion string          `json:"metadataVersion"`
	EventTime       string          `json:"eventTime"`
}

type cloudEvent struct {
	Source      string          `json:"source"`
	Subject     string          `json:"subject"`
	Type        string          `json:"type"`
	Time        string          `json:"time"`
	ID          string          `json:"id"`
	Data        json.RawMessage `json:"data"`
	SpecVersion string          `json:"specversion"`
}

func toEventGrid(ev Event) eventGridEvent {
	return eventGridEvent{Topic: ev.Source, Subject: ev.Subject, EventType: ev.Type, ID: ev.ID, Data: ev.Data,
		DataVersion: "1", MetadataVersion: "1", EventTime: ev.Time.UTC().Format(azureTime)}
}

func toCloudEvent(ev Event) cloudEvent {
	return cloudEvent{Source: ev.Source, Subject: ev.Subject, Type: ev.Type, Time: ev.Time.UTC().Format(azureTime),
		ID: ev.ID, Data: ev.Data, SpecVersion: "1.0"}
}

// encodeBatch is a delivery's body and Content-Type: an array of events in
// the Event Grid schema; one CloudEvent, or an array of them when the
// subscription batches.
func encodeBatch(es *eventSub, evs []Event) (string, []byte) {
	var v any
	ctype := "application/json; charset=utf-8"
	switch {
	case es.Schema != SchemaCloudEvents:
		out := make([]eventGridEvent, len(evs))
		for i, ev := range evs {
			out[i] = toEventGrid(ev)
		}
		v = out
	case es.MaxEventsPerBatch > 1:
		out := make([]cloudEvent, len(evs))
		for i, ev := range evs {
			out[i] = toCloudEvent(ev)
		}
		v, ctype = out, "application/cloudevents-batch+json; charset=utf-8"
	default:
		v, ctype = toCloudEvent(evs[0]), "application/cloudevents+json; charset=utf-8"
	}
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs and valid raw JSON
	}
	return ctype, body
}
