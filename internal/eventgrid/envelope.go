package eventgrid

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/aksupgrade/aksupgrade"
)

// envelope holds the attributes of both schemas. encoding/json matches
// names regardless of case, which also reads the "specVersion" of
// Azure's own CloudEvents examples.
type envelope struct {
	ID      string          `json:"id"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`

	// Event Grid schema.
	Topic     string `json:"topic"`
	EventType string `json:"eventType"`
	EventTime string `json:"eventTime"`

	// CloudEvents 1.0.
	SpecVersion     string `json:"specversion"`
	Source          string `json:"source"`
	Type            string `json:"type"`
	Time            string `json:"time"`
	DataContentType string `json:"datacontenttype"`
	DataBase64      string `json:"data_base64"`
}

// decodeEvent reads one event object. A SubscriptionValidationEvent gives
// its Validation too.
func decodeEvent(raw json.RawMessage, kind mediaKind) (Event, *Validation, *BadRequest) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return Event{}, nil, badRequest("not an event: %s", jsonError(err))
	}
	e := Event{ID: env.ID, Subject: env.Subject, Raw: raw}
	var data []byte
	switch {
	case env.SpecVersion != "":
		if env.SpecVersion != "1.0" {
			return Event{}, nil, badRequest("CloudEvents specversion %q is not supported (want 1.0)", env.SpecVersion)
		}
		e.Schema, e.Source, e.Type = SchemaCloudEvents, env.Source, aksupgrade.EventType(env.Type)
		if e.Source == "" {
			return Event{}, nil, badRequest("CloudEvent %q has no source", env.ID)
		}
		t, err := parseTime(env.Time)
		if err != nil {
			return Event{}, nil, badRequest("CloudEvent %q: time: %s", env.ID, err)
		}
		e.Time = t
		data = cloudEventData(&env)
	case kind != mediaJSON:
		return Event{}, nil, badRequest("not a CloudEvent: no specversion")
	case env.EventType != "" || env.Topic != "":
		e.Schema, e.Source, e.Type = SchemaEventGrid, env.Topic, aksupgrade.EventType(env.EventType)
		if e.Source == "" {
			return Event{}, nil, badRequest("event %q has no topic", env.ID)
		}
		t, err := parseTime(env.EventTime)
		if err != nil {
			return Event{}, nil, badRequest("event %q: eventTime: %s", env.ID, err)
		}
		e.Time = t
		data = env.Data
	default:
		return Event{}, nil, badRequest("neither an Event Grid event (eventType, topic) nor a CloudEvent (specversion)")
	}
	switch {
	case e.ID == "":
		return Event{}, nil, badRequest("%s event has no id", e.Schema)
	case e.Type == "":
		return Event{}, nil, badRequest("%s event %q has no type", e.Schema, e.ID)
	}
	if strings.EqualFold(string(e.Type), TypeSubscriptionValidation) {
		e.Type = TypeSubscriptionValidation
		v, err := validation(data)
		if err != nil {
			return Event{}, nil, err
		}
		return e, v, nil
	}
	decodePayload(&e, unwrapData(data))
	if e.Cluster == "" {
		e.Cluster = clusterID(e.Source, e.Subject)
	}
	return e, nil, nil
}

// cloudEventData returns a CloudEvent's data: data, or data_base64 when
// it decodes to JSON.
func cloudEventData(env *envelope) []byte {
	if len(env.Data) > 0 || env.DataBase64 == "" {
		return env.Data
	}
	b, err := base64.StdEncoding.DecodeString(env.DataBase64)
	if err != nil || !json.Valid(b) {
		return nil
	}
	return b
}

// unwrapData returns the JSON inside data that a publisher sent as a
// JSON string, else data.
func unwrapData(data []byte) []byte {
	if len(data) == 0 || data[0] != '"' {
		return data
	}
	var s string
	if json.Unmarshal(data, &s) != nil || !json.Valid([]byte(s)) {
		return data
	}
	return []byte(s)
}

// validation reads the data of a SubscriptionValidationEvent.
func validation(data []byte) (*Validation, *BadRequest) {
	var v struct {
		Code string `json:"validationCode"`
		URL  string `json:"validationUrl"`
	}
	if len(data) > 0 && json.Unmarshal(data, &v) != nil {
		return nil, badRequest("validation event: data is not a validation request")
	}
	if v.Code == "" {
		return nil, badRequest("validation event without validationCode")
	}
	return &Validation{Code: v.Code, URL: v.URL}, nil
}
