package eventgrid

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// BadRequest is a body that can never be accepted, whatever the retry:
// not JSON, the wrong shape, an event without its id or type.
type BadRequest struct {
	// Reason says what is wrong, for the sender; it quotes nothing but
	// the body.
	Reason string
}

func (e *BadRequest) Error() string { return "bad delivery: " + e.Reason }

func badRequest(format string, args ...any) *BadRequest {
	return &BadRequest{Reason: fmt.Sprintf(format, args...)}
}

// Decode reads one delivery body sent with contentType. It fails with a
// *UnsupportedMediaType for a content type that is neither JSON nor
// CloudEvents, and with a *BadRequest for a body that can never be
// accepted. Events of unknown types are kept and counted, never refused.
func Decode(contentType string, body []byte) (*Delivery, error) {
	kind, err := mediaKindOf(contentType)
	if err != nil {
		return nil, err
	}
	return decodeBody(kind, body)
}

// Parse reads back one event as Decode returned it in Event.Raw (the
// store keeps it as store.Event.Data). The schema is told by the fields,
// as for application/json.
func Parse(raw []byte) (Event, error) {
	raw = trimJSON(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return Event{}, badRequest("an event is a JSON object")
	}
	e, _, err := decodeEvent(bytes.Clone(raw), mediaJSON)
	if err != nil {
		return Event{}, err
	}
	return e, nil
}

func decodeBody(kind mediaKind, body []byte) (*Delivery, error) {
	body = trimJSON(body)
	if len(body) == 0 {
		return nil, badRequest("empty body")
	}
	d := &Delivery{}
	switch body[0] {
	case '[':
		var raws []json.RawMessage
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, badRequest("body is not a JSON array of events: %s", jsonError(err))
		}
		d.Events = make([]Event, 0, len(raws))
		for i, raw := range raws {
			if err := d.add(kind, raw); err != nil {
				return nil, badRequest("event %d: %s", i, err.Reason)
			}
		}
	case '{':
		if kind == mediaCloudEventsBatch {
			return nil, badRequest("a CloudEvents batch is a JSON array")
		}
		if !json.Valid(body) {
			var v any
			return nil, badRequest("body is not JSON: %s", jsonError(json.Unmarshal(body, &v)))
		}
		e, v, err := decodeEvent(bytes.Clone(body), kind)
		if err != nil {
			return nil, err
		}
		if e.Schema == SchemaEventGrid {
			return nil, badRequest("an Event Grid schema delivery is a JSON array")
		}
		d.put(e, v)
	default:
		if !json.Valid(body) {
			var v any
			return nil, badRequest("body is not JSON: %s", jsonError(json.Unmarshal(body, &v)))
		}
		return nil, badRequest("body is neither an event nor an array of events")
	}
	return d, nil
}

// add decodes one event of the delivery into d.
func (d *Delivery) add(kind mediaKind, raw json.RawMessage) *BadRequest {
	if len(raw) == 0 || raw[0] != '{' {
		return badRequest("not a JSON object")
	}
	e, v, err := decodeEvent(raw, kind)
	if err != nil {
		return err
	}
	d.put(e, v)
	return nil
}

// put adds a decoded event, or the handshake it is, to d.
func (d *Delivery) put(e Event, v *Validation) {
	if v != nil {
		if d.Validation == nil {
			d.Validation = v
		}
		return
	}
	if !e.Known() {
		d.Unknown++
	}
	d.Events = append(d.Events, e)
}

// trimJSON drops surrounding white space and a UTF-8 byte order mark.
func trimJSON(b []byte) []byte {
	b = bytes.TrimSpace(b)
	return bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
}

// jsonError says what encoding/json found wrong, without naming Go types.
func jsonError(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("%s (at byte %d)", e.Error(), e.Offset)
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return fmt.Sprintf("%s must not be a JSON %s", e.Field, e.Value)
		}
		return fmt.Sprintf("unexpected JSON %s", e.Value)
	case nil:
		return "invalid JSON"
	}
	return err.Error()
}
