package simulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The validation handshake Event Grid runs before it delivers to a
// webhook: https://learn.microsoft.com/azure/event-grid/end-point-validation-event-grid-events-schema
// and .../end-point-validation-cloud-events-schema.

// validation is one handshake's validation event.
type validation struct {
	eventID, code, url, topic string
	at                        time.Time
}

type validationData struct {
	ValidationCode string `json:"validationCode"`
	ValidationURL  string `json:"validationUrl"`
}

// validationEvent is a SubscriptionValidationEvent, its fields in the
// order of Azure's example.
type validationEvent struct {
	ID              string         `json:"id"`
	Topic           string         `json:"topic"`
	Subject         string         `json:"subject"`
	Data            validationData `json:"data"`
	EventType       string         `json:"eventType"`
	EventTime       string         `json:"eventTime"`
	MetadataVersion string         `json:"metadataVersion"`
	DataVersion     string         `json:"dataVersion"`
}

func (s *Simulator) newValidation(es *eventSub, now time.Time) validation {
	v := validation{eventID: s.newEventID(), code: s.newEventID(), topic: s.grid.topic, at: now}
	v.url = fmt.Sprintf("https://rp-%s.eventgrid.azure.net:553/eventsubscriptions/%s/validate?id=%s&t=%s&apiVersion=2018-05-01-preview&token=%s",
		s.grid.region, lower(es.Name), strings.ToUpper(v.code), now.UTC().Format(azureTime), shortHash(v.code))
	return v
}

// handshake asks es's endpoint to agree to deliveries. reason is empty
// when it did, else what was wrong; status is the answer's, 0 without one.
func (s *Simulator) handshake(ctx context.Context, es *eventSub, val validation) (status int, reason string) {
	h := es.header("SubscriptionValidation", 0)
	if es.Schema == SchemaCloudEvents {
		// CloudEvents' abuse protection: an OPTIONS request naming the
		// origin; the endpoint agrees with WebHook-Allowed-Origin.
		h = http.Header{}
		for k, v := range es.Headers {
			h.Set(k, v)
		}
		h.Set("WebHook-Request-Origin", eventGridOrigin)
		a, err := s.send(ctx, http.MethodOptions, es.Endpoint, h, nil)
		if err != nil {
			return 0, "OPTIONS request failed: " + err.Error()
		}
		allowed := a.header.Get("WebHook-Allowed-Origin")
		switch {
		case a.status < 200 || a.status > 299:
			return a.status, fmt.Sprintf("OPTIONS answered %d", a.status)
		case allowed != eventGridOrigin && allowed != "*":
			return a.status, fmt.Sprintf("the OPTIONS answer has WebHook-Allowed-Origin %q, want %s or *", allowed, eventGridOrigin)
		}
		return a.status, ""
	}
	ev := []validationEvent{{
		ID: val.eventID, Topic: val.topic, Subject: "",
		Data:      validationData{ValidationCode: val.code, ValidationURL: val.url},
		EventType: "Microsoft.EventGrid.SubscriptionValidationEvent", EventTime: val.at.UTC().Format(azureTime),
		MetadataVersion: "1", DataVersion: "1",
	}}
	body, _ := json.Marshal(ev)
	h["Content-Type"] = []string{"application/json; charset=utf-8"}
	a, err := s.send(ctx, http.MethodPost, es.Endpoint, h, body)
	if err != nil {
		return 0, "Http POST request failed: " + err.Error()
	}
	if a.status != http.StatusOK {
		return a.status, fmt.Sprintf("Http POST request failed with response code %d, want 200 OK (202 Accepted does not validate)", a.status)
	}
	// Event Grid reads validationResponse with exactly that case.
	var fields map[string]json.RawMessage
	var got string
	if json.Unmarshal(a.body, &fields) != nil || json.Unmarshal(fields["validationResponse"], &got) != nil {
		return a.status, "the answer has no JSON validationResponse (manual validation through validationUrl is not simulated)"
	}
	if got != val.code {
		return a.status, fmt.Sprintf("the answer's validationResponse is %q, want the validationCode %q", got, val.code)
	}
	return a.status, ""
}
