// Package eventlog reads and writes the domain's events as the store keeps
// them. Azure's events (and the poller's, which are encoded the same way)
// are stored as received, envelope and all, and read with package
// eventgrid; the engine's are stored as the JSON of their payload. Every
// reader (the engine's inbox, notifications, the API, the demo) reads
// events through Decode, so none of them matches event types by string.
package eventlog

import (
	"cmp"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Decode reads a stored event into the domain's event. An event of a type
// the product does not know, or whose data it cannot read, comes back
// without a payload (Known is false) and with an error that says why.
func Decode(e store.Event) (aksupgrade.Event, error) {
	ev := aksupgrade.Event{Type: e.Type, Source: e.Key.Source, ID: e.Key.ID, Subject: e.Subject, Time: e.Time}
	if ev.Time.IsZero() {
		ev.Time = e.ReceivedAt
	}
	if ev.Type.Engine() {
		err := ev.DecodePayload(e.Data)
		return ev, err
	}
	g, err := eventgrid.Parse(e.Data)
	if err != nil {
		return ev, fmt.Errorf("event %s/%s: %w", e.Key.Source, e.Key.ID, err)
	}
	payload := g.Domain()
	payload.Source, payload.ID, payload.Time = ev.Source, ev.ID, ev.Time
	if payload.Subject == "" {
		payload.Subject = ev.Subject
	}
	if !payload.Known() {
		return payload, fmt.Errorf("event %s/%s: type %s has no payload this version reads", e.Key.Source, e.Key.ID, g.Type)
	}
	return payload, nil
}

// Encode writes one of the engine's events for the store, received at its
// Time, with its Subject (else the cluster it is about) as subject.
func Encode(e aksupgrade.Event) (store.Event, error) {
	if !e.Type.Engine() {
		return store.Event{}, fmt.Errorf("encode event: %s is not one of the engine's types", e.Type)
	}
	p := e.Payload()
	if p == nil {
		return store.Event{}, fmt.Errorf("encode event %s: no payload", e.Type)
	}
	data, err := json.Marshal(p)
	if err != nil {
		return store.Event{}, fmt.Errorf("encode event %s: %w", e.Type, err)
	}
	return store.Event{Key: store.EventKey{Source: e.Source, ID: e.ID}, Type: e.Type, Subject: cmp.Or(e.Subject, e.Cluster),
		Time: e.Time.UTC(), Data: data, ReceivedAt: e.Time.UTC()}, nil
}

// Processed marks an encoded event as needing no processing by the
// engine's inbox (its own events), at at.
func Processed(e store.Event, at time.Time) store.Event {
	at = at.UTC()
	e.ProcessedAt = &at
	return e
}
