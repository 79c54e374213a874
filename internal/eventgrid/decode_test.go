package eventgrid_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
)

func decode(t *testing.T, contentType, body string) *eventgrid.Delivery {
	t.Helper()
	d, err := eventgrid.Decode(contentType, []byte(body))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	for _, e := range d.Events {
		checkParse(t, e)
	}
	return d
}

// TestDecodeTraps: what real payloads do that a naive decoder gets wrong.
func TestDecodeTraps(t *testing.T) {
	d := decode(t, "application/json", `[
	 {"id":"a","topic":"/subscriptions/S1/resourcegroups/RG/providers/microsoft.containerservice/managedclusters/AKS-Prod-01",
	  "subject":"AKS-Prod-01","eventType":"microsoft.containerservice.nodepoolrollingstarted",
	  "eventTime":"2024-05-01T10:00:00.1234567","data":{"nodePoolName":"np1"},"dataVersion":"1","metadataVersion":"1"},
	 {"id":"b","topic":"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod-01/",
	  "subject":"aks-prod-01","eventType":"Microsoft.ContainerService.NodePoolRollingSucceeded",
	  "eventTime":"2024-05-01T12:00:00+02:00","data":{"nodePoolName":"np1"}},
	 {"id":"c","topic":"/subscriptions/s1","subject":"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod-01/scheduledEvents/e1",
	  "eventType":"Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted","eventTime":"0001-01-01T00:00:00",
	  "data":{"resourceInfo":{"id":"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod-01/scheduledEvents/e1",
	   "tags":"a string, as the specification says","properties":{"eventStatus":"Cancelled","scheduledTime":"2024-05-08T02:00:00",
	   "startTime":"0001-01-01T00:00:00","lastUpdateTime":"0001-01-01T00:00:00Z"}},
	   "operationalInfo":{"resourceEventTime":"2024-05-01T10:00:00.1"}}}
	]`)
	if len(d.Events) != 3 || d.Unknown != 0 {
		t.Fatalf("got %d events, %d unknown; want 3, 0", len(d.Events), d.Unknown)
	}
	a, b, c := d.Events[0], d.Events[1], d.Events[2]

	// Types match regardless of case and come back spelled as Azure does.
	if a.Type != aksupgrade.EventNodePoolRollingStarted || a.NodePool == nil {
		t.Errorf("type %q, pool %v: want %s with its payload", a.Type, a.NodePool, aksupgrade.EventNodePoolRollingStarted)
	}
	// IDs are kept as given, the same cluster whatever their case.
	if a.Cluster != "/subscriptions/S1/resourcegroups/RG/providers/microsoft.containerservice/managedclusters/AKS-Prod-01" {
		t.Errorf("ClusterID %q: want the topic as given", a.Cluster)
	}
	for _, e := range []eventgrid.Event{b, c} {
		if !aksupgrade.SameID(a.Cluster, e.Cluster) || aksupgrade.NormalizeID(a.Cluster) != aksupgrade.NormalizeID(e.Cluster) {
			t.Errorf("ClusterID %q and %q: want the same cluster", a.Cluster, e.Cluster)
		}
	}
	// A time without zone is UTC; offsets are converted.
	if want := time.Date(2024, 5, 1, 10, 0, 0, 123456700, time.UTC); !a.Time.Equal(want) || a.Time.Location() != time.UTC {
		t.Errorf("Time %v, want %v", a.Time, want)
	}
	if want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC); !b.Time.Equal(want) || b.Time.Location() != time.UTC {
		t.Errorf("Time %v, want %v in UTC", b.Time, want)
	}
	// 0001-01-01T00:00:00, with or without Z, is unset.
	if !c.Time.IsZero() {
		t.Errorf("Time %v, want zero", c.Time)
	}
	if c.Maintenance == nil {
		t.Fatal("no scheduled payload")
	}
	want := &aksupgrade.ScheduledMaintenance{
		ResourceID:        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod-01/scheduledEvents/e1",
		Status:            aksupgrade.MaintenanceCanceled,
		ScheduledTime:     time.Date(2024, 5, 8, 2, 0, 0, 0, time.UTC),
		ResourceEventTime: time.Date(2024, 5, 1, 10, 0, 0, 1e8, time.UTC),
	}
	if diff := cmp.Diff(want, c.Maintenance); diff != "" {
		t.Errorf("scheduled (-want +got):\n%s", diff)
	}
	// Without resources, the cluster comes from the scheduled event's ID.
	if c.Cluster != "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod-01" {
		t.Errorf("ClusterID %q", c.Cluster)
	}
}

func TestScheduledStatuses(t *testing.T) {
	for in, want := range map[string]string{
		"Scheduled": aksupgrade.MaintenanceScheduled, "started": aksupgrade.MaintenanceStarted, "COMPLETED": aksupgrade.MaintenanceCompleted,
		"Cancelled": aksupgrade.MaintenanceCanceled, "Canceled": aksupgrade.MaintenanceCanceled, "Failed": aksupgrade.MaintenanceFailed,
		"Postponed": "Postponed",
	} {
		d := decode(t, eventgrid.ContentTypeCloudEvents, `{"specversion":"1.0","id":"1","source":"/subscriptions/s",
		 "type":"Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted",
		 "data":{"resourceInfo":{"properties":{"eventStatus":"`+in+`"}}}}`)
		if got := d.Events[0].Maintenance; got == nil || got.Status != want {
			t.Errorf("eventStatus %q: got %+v, want status %q", in, got, want)
		}
	}
}

// TestDecodeUnknown: unknown types and unreadable data never fail the
// batch; they are kept as received and counted.
func TestDecodeUnknown(t *testing.T) {
	d := decode(t, "application/json", `[
	 {"id":"1","topic":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st","subject":"/blobServices/default",
	  "eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-05-01T10:00:00Z","data":{"api":"PutBlob"}},
	 {"id":"2","topic":"`+specCluster+`","subject":"{cluster}","eventType":"Microsoft.ContainerService.ClusterSupportEnding",
	  "data":{"kubernetesVersion":5}},
	 {"id":"3","topic":"`+specCluster+`","subject":"{cluster}","eventType":"Microsoft.ContainerService.ClusterSupportEnded",
	  "data":{"kubernetesVersion":"1.28.5"}},
	 {"id":"4","topic":"`+specCluster+`","subject":"{cluster}","eventType":"Microsoft.ContainerService.NewKubernetesVersionAvailable"}
	]`)
	if len(d.Events) != 4 || d.Unknown != 3 {
		t.Fatalf("got %d events, %d unknown; want 4, 3", len(d.Events), d.Unknown)
	}
	for i, e := range d.Events {
		if known := i == 2; e.Known() != known {
			t.Errorf("event %s: Known() = %t, want %t", e.ID, e.Known(), known)
		}
		if len(e.Raw) == 0 {
			t.Errorf("event %s: no Raw", e.ID)
		}
	}
	if got, want := d.Events[0].Describe(), "Microsoft.Storage.BlobCreated (/blobServices/default)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if got, want := d.Events[1].Cluster, specCluster; got != want {
		t.Errorf("ClusterID of an unreadable AKS event = %q, want %q", got, want)
	}
}

func TestDecodeCloudEvents(t *testing.T) {
	nkva := `{"specversion":"1.0","id":"%s","source":"` + specCluster + `","subject":"{cluster}",
	 "type":"Microsoft.ContainerService.NewKubernetesVersionAvailable","datacontenttype":"application/json",%s}`
	data := `{"latestSupportedKubernetesVersion":"1.31.4","latestStableKubernetesVersion":"1.30.9","lowestMinorKubernetesVersion":"1.29.12"}`
	event := func(id, dataField string) string {
		return strings.Replace(strings.Replace(nkva, "%s", id, 1), "%s", dataField, 1)
	}
	want := &aksupgrade.NewKubernetesVersionAvailable{LatestSupported: "1.31.4", LatestStable: "1.30.9", LowestMinor: "1.29.12"}

	tests := []struct {
		name, contentType, body string
	}{
		{"batch", eventgrid.ContentTypeCloudEventsBatch + "; charset=utf-8", "[" + event("1", `"data":`+data) + "," + event("2", `"data":`+data) + "]"},
		{"array in structured mode", eventgrid.ContentTypeCloudEvents, "[" + event("1", `"data":`+data) + "]"},
		{"data_base64", eventgrid.ContentTypeCloudEvents, event("1", `"data_base64":"`+base64.StdEncoding.EncodeToString([]byte(data))+`"`)},
		{"data as a JSON string", eventgrid.ContentTypeCloudEvents, event("1", `"data":`+jsonString(data))},
		{"byte order mark", eventgrid.ContentTypeCloudEvents, "\xef\xbb\xbf " + event("1", `"data":`+data) + "\n"},
		{"no content type", "", event("1", `"data":`+data)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decode(t, tt.contentType, tt.body)
			if len(d.Events) == 0 || d.Unknown != 0 {
				t.Fatalf("got %d events, %d unknown", len(d.Events), d.Unknown)
			}
			for _, e := range d.Events {
				if e.Schema != eventgrid.SchemaCloudEvents {
					t.Errorf("Schema %q", e.Schema)
				}
				if diff := cmp.Diff(want, e.NewVersion); diff != "" {
					t.Errorf("payload (-want +got):\n%s", diff)
				}
				if got, want := e.Describe(), "AKS announced Kubernetes versions for {cluster}: newest 1.31.4, stable 1.30.9, oldest 1.29.12"; got != want {
					t.Errorf("Describe = %q, want %q", got, want)
				}
			}
		})
	}
}

func jsonString(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

func TestDecodeBadRequest(t *testing.T) {
	eg := func(fields string) string {
		return `[{` + fields + `}]`
	}
	tests := []struct {
		name, contentType, body, reason string
	}{
		{"empty", "application/json", " \n", "empty body"},
		{"not JSON", "application/json", "hello", "not JSON"},
		{"truncated", "application/json", `[{"id":"1",`, "not a JSON array"},
		{"truncated object", eventgrid.ContentTypeCloudEvents, `{"id":"1",`, "not JSON"},
		{"a string", "application/json", `"event"`, "neither an event nor an array"},
		{"not an object", "application/json", `[1]`, "event 0: not a JSON object"},
		{"null element", "application/json", `[null]`, "event 0: not a JSON object"},
		{"no id", "application/json", eg(`"topic":"/t","eventType":"x"`), "has no id"},
		{"no type", "application/json", eg(`"id":"1","topic":"/t"`), "has no type"},
		{"no topic", "application/json", eg(`"id":"1","eventType":"x"`), "has no topic"},
		{"id not a string", "application/json", eg(`"id":1,"topic":"/t","eventType":"x"`), "id must not be a JSON number"},
		{"bad eventTime", "application/json", eg(`"id":"1","topic":"/t","eventType":"x","eventTime":"yesterday"`), "eventTime"},
		{"second event bad", "application/json", `[{"id":"1","topic":"/t","eventType":"x"},{"id":"2","topic":"/t"}]`, "event 1:"},
		{"Event Grid object", "application/json", `{"id":"1","topic":"/t","eventType":"x"}`, "is a JSON array"},
		{"neither schema", "application/json", eg(`"id":"1","kind":"x"`), "neither an Event Grid event"},
		{"Event Grid as CloudEvents", eventgrid.ContentTypeCloudEvents, eg(`"id":"1","topic":"/t","eventType":"x"`), "no specversion"},
		{"CloudEvent without source", eventgrid.ContentTypeCloudEvents, `{"specversion":"1.0","id":"1","type":"x"}`, "has no source"},
		{"CloudEvent without id", eventgrid.ContentTypeCloudEvents, `{"specversion":"1.0","source":"/s","type":"x"}`, "has no id"},
		{"CloudEvents 0.3", eventgrid.ContentTypeCloudEvents, `{"specversion":"0.3","id":"1","source":"/s","type":"x"}`, "specversion \"0.3\""},
		{"CloudEvent bad time", eventgrid.ContentTypeCloudEvents, `{"specversion":"1.0","id":"1","source":"/s","type":"x","time":"noon"}`, "time"},
		{"batch not an array", eventgrid.ContentTypeCloudEventsBatch, `{"specversion":"1.0","id":"1","source":"/s","type":"x"}`, "batch is a JSON array"},
		{"validation without code", "application/json", eg(`"id":"1","topic":"/t","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","data":{}`), "validationCode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := eventgrid.Decode(tt.contentType, []byte(tt.body))
			var bad *eventgrid.BadRequest
			if !errors.As(err, &bad) {
				t.Fatalf("Decode = %+v, %v; want a *BadRequest", d, err)
			}
			if !strings.Contains(bad.Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", bad.Reason, tt.reason)
			}
		})
	}
}

func TestDecodeContentTypes(t *testing.T) {
	body := []byte(`{"specversion":"1.0","id":"1","source":"/s","type":"x"}`)
	for _, ct := range []string{"", "application/json", "Application/JSON; charset=utf-8", eventgrid.ContentTypeCloudEvents + "; charset=UTF-8"} {
		if _, err := eventgrid.Decode(ct, body); err != nil {
			t.Errorf("Decode(%q): %v", ct, err)
		}
	}
	for _, ct := range []string{"text/plain", "application/xml", "application/x-www-form-urlencoded", "application/json;;;"} {
		_, err := eventgrid.Decode(ct, body)
		var unsupported *eventgrid.UnsupportedMediaType
		if !errors.As(err, &unsupported) {
			t.Errorf("Decode(%q) = %v, want an *UnsupportedMediaType", ct, err)
		}
	}
}

func TestParseRefusesWhatIsNotAnEvent(t *testing.T) {
	for _, raw := range []string{"", "[]", `{"id":"1"}`, "{"} {
		if e, err := eventgrid.Parse([]byte(raw)); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", raw, e)
		}
	}
}

// AKS's end-of-support notices carry eventDetails as an object
// (learn.microsoft.com/azure/aks/aks-end-of-support-notifications); other
// scheduled events carry text.
func TestEndOfSupportNotice(t *testing.T) {
	const cluster = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod-01"
	event := func(source, details string) *aksupgrade.ScheduledMaintenance {
		t.Helper()
		d := decode(t, eventgrid.ContentTypeCloudEvents, `{"specversion":"1.0","id":"1","source":"/subscriptions/s1",
		 "subject":"`+cluster+`/scheduledEvents/e1",
		 "type":"Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted",
		 "data":{"resourceInfo":{"id":"`+cluster+`/scheduledEvents/e1","properties":{"description":"KubernetesVersionEOLOneWeek",
		  "eventSource":"`+source+`","eventStatus":"Scheduled","eventDetails":`+details+`,"scheduledTime":"2026-03-01T00:00:00Z"}}}}`)
		if d.Events[0].Maintenance == nil {
			t.Fatalf("%s %s: no payload", source, details)
		}
		return d.Events[0].Maintenance
	}
	m := event("EOLNotification", `{"kubernetesVersion":"1.32.3","eolDate":"2026-03-01T00:00:00Z","supportType":"Community","daysUntilEOL":5,"region":"eastus"}`)
	want := &aksupgrade.EndOfSupportNotice{KubernetesVersion: "1.32.3", EOLDate: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), SupportType: "Community", DaysUntilEOL: 5, Region: "eastus"}
	if d := cmp.Diff(want, m.EndOfSupport); d != "" || !m.IsEndOfSupport() {
		t.Errorf("notice (-want +got):\n%s", d)
	}
	ev := aksupgrade.Event{Type: aksupgrade.EventScheduledMaintenance, Cluster: cluster, Maintenance: m}
	if got, want := ev.Describe(), "AKS: Kubernetes 1.32.3 on aks-prod-01 reaches the end of Community support on 2026-03-01 (in 5 days): upgrade it to a supported minor"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if m := event("AutoUpgrader", `"Node OS upgrade"`); m.Details != "Node OS upgrade" || m.EndOfSupport != nil || m.IsEndOfSupport() {
		t.Errorf("text details: %+v", m)
	}
	// An object Azure may send one day is kept as text, not dropped.
	if m := event("AutoUpgrader", `{"reason":"x"}`); m.Details != `{"reason":"x"}` {
		t.Errorf("object details: %+v", m)
	}
	if m := event("EOLNotification", `{"eolDate":"soon"}`); m.Details != `{"eolDate":"soon"}` || m.EndOfSupport != nil || !m.IsEndOfSupport() {
		t.Errorf("unreadable notice: %+v", m)
	}
}
