package eventgrid_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
)

// FuzzDecode: whatever the body, Decode refuses it with a *BadRequest or
// an *UnsupportedMediaType, or returns events that can be stored and read
// back.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/*/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		ct := eventgrid.ContentTypeJSON
		if strings.Contains(file, "cloudevents") {
			ct = eventgrid.ContentTypeCloudEvents
		}
		f.Add(ct, body)
		f.Add(eventgrid.ContentTypeCloudEventsBatch, append(append([]byte("["), body...), ']'))
	}
	f.Add("", []byte(`[{"id":"1","topic":"/t","eventType":"x","eventTime":"0001-01-01T00:00:00","data":"{\"a\":1}"}]`))
	f.Add("text/plain", []byte(`[]`))
	f.Add(eventgrid.ContentTypeCloudEvents, []byte(`{"specversion":"1.0","id":"1","source":"/s","type":"x","data_base64":"e30="}`))

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		d, err := eventgrid.Decode(contentType, body)
		if err != nil {
			var bad *eventgrid.BadRequest
			var unsupported *eventgrid.UnsupportedMediaType
			if !errors.As(err, &bad) && !errors.As(err, &unsupported) {
				t.Fatalf("Decode error %T %v: want *BadRequest or *UnsupportedMediaType", err, err)
			}
			return
		}
		unknown := 0
		for _, e := range d.Events {
			if e.ID == "" || e.Type == "" || e.Source == "" {
				t.Errorf("event without id, type or source: %+v", e)
			}
			if e.Schema != eventgrid.SchemaEventGrid && e.Schema != eventgrid.SchemaCloudEvents {
				t.Errorf("schema %q", e.Schema)
			}
			if !json.Valid(e.Raw) {
				t.Errorf("Raw is not JSON: %q", e.Raw)
			}
			if !e.Time.IsZero() && e.Time.Location().String() != "UTC" {
				t.Errorf("time %v not in UTC", e.Time)
			}
			payloads := 0
			for _, set := range []bool{e.NewVersion != nil, e.Support != nil, e.NodePool != nil, e.Maintenance != nil} {
				if set {
					payloads++
				}
			}
			if payloads > 1 {
				t.Errorf("%d typed payloads", payloads)
			}
			if payloads == 0 {
				unknown++
			}
			back, err := eventgrid.Parse(e.Raw)
			if err != nil {
				t.Fatalf("Parse(Raw): %v", err)
			}
			if diff := cmp.Diff(e, back); diff != "" {
				t.Errorf("Parse(Raw) differs (-decoded +parsed):\n%s", diff)
			}
			_ = e.Describe()
		}
		if unknown != d.Unknown {
			t.Errorf("Unknown = %d, but %d events have no payload", d.Unknown, unknown)
		}
		if d.Validation != nil && d.Validation.Code == "" {
			t.Error("validation without code")
		}
	})
}
