package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var updateGoldens = flag.Bool("update", false, "rewrite the golden files under testdata/events")

const day = 24 * time.Hour

// withEvents adds to small.yaml what makes every kind of event: 1.29 in
// westeurope (aks-c runs 1.29.12) announced ending at +1h and removed at
// +2h, maintenance of aks-a from +1d for 4h, and a quota fault that fails
// aks-b's apps pool. small.yaml already adds 1.31.5 to eastus (aks-d,
// aks-e) at +48h.
func withEvents(sc *Scenario) {
	sc.Timeline = append(sc.Timeline,
		TimelineEntry{After: Duration(time.Hour), Region: "westeurope", SupportEnding: "1.29"},
		TimelineEntry{After: Duration(2 * time.Hour), Region: "westeurope", Remove: "1.29"},
	)
	sc.Maintenance = []MaintenanceEvent{{
		ID: "bbe82027-0444-4f73-897a-0bbfe3af66f1", Cluster: "aks-a", After: Duration(day), Duration: Duration(4 * time.Hour),
		Description: "Konnectivity tunnel switch",
	}}
	sc.Faults = append(sc.Faults, Fault{Kind: FaultQuota, Cluster: "aks-b", Pool: "apps"})
}

// TestEventsInBothSchemas plays a scenario that publishes every event
// type, delivers at each moment something happens, and checks each
// type's first delivery against a golden file (ids and envelope times
// masked) and the moment it happened.
func TestEventsInBothSchemas(t *testing.T) {
	for _, schema := range []string{SchemaEventGrid, SchemaCloudEvents} {
		t.Run(schema, func(t *testing.T) {
			e := newEnv(t, "small.yaml", withEvents)
			rc := newReceiver(t, nil)
			subscribe(t, e, EventSubscription{Name: "goldens", Endpoint: rc.url(), Schema: schema})
			start := e.sim.Start()

			// At the start: maintenance is announced (both notices fall
			// before the start), two node image upgrades start and one
			// fails at once for want of quota.
			e.upgradeImage("rg-a", "aks-a", "system")
			e.upgradeImage("rg-a", "aks-b", "apps")
			steps := []time.Duration{0, 24 * time.Minute, time.Hour, 2 * time.Hour, day, day + 4*time.Hour, 2 * day}
			type seen struct {
				at time.Time // delivered at
				r  received
				ev map[string]any
			}
			first := map[string]seen{}
			var order []string
			for _, step := range steps {
				e.clock.Set(start.Add(step))
				before := len(rc.notifications())
				e.sim.DeliverDue(context.Background())
				for _, r := range rc.notifications()[before:] {
					for _, ev := range eventsIn(t, r) {
						typ := eventType(ev)
						order = append(order, shortType(typ)+"@"+step.String())
						if _, ok := first[typ]; !ok {
							first[typ] = seen{at: e.clock.Now(), r: r, ev: ev}
						}
					}
				}
			}
			wantOrder := []string{
				"ScheduledEventEmitted@0s", "NodePoolRollingStarted@0s", "NodePoolRollingStarted@0s", "NodePoolRollingFailed@0s",
				"NodePoolRollingSucceeded@24m0s",
				"ClusterSupportEnding@1h0m0s", "ScheduledEventEmitted@1h0m0s",
				"ClusterSupportEnded@2h0m0s", "ScheduledEventEmitted@2h0m0s",
				"ScheduledEventEmitted@24h0m0s",
				"ScheduledEventEmitted@28h0m0s",
				"NewKubernetesVersionAvailable@48h0m0s", "NewKubernetesVersionAvailable@48h0m0s",
			}
			if diff := cmp.Diff(wantOrder, order); diff != "" {
				t.Errorf("deliveries (-want +got):\n%s", diff)
			}
			for _, typ := range EventTypes() {
				s, ok := first[typ]
				if !ok {
					t.Errorf("no %s delivered", typ)
					continue
				}
				// Each event is delivered the moment it happens, and says so.
				if got := eventTime(t, s.ev); !got.Equal(s.at) {
					t.Errorf("%s: eventTime %v, delivered at %v", shortType(typ), got, s.at)
				}
				checkHeaders(t, schema, s.r)
				body := s.r.body
				if schema == SchemaEventGrid {
					// The Event Grid schema always sends an array.
					if !bytes.HasPrefix(body, []byte("[")) {
						t.Errorf("%s: body is not an array: %s", typ, body)
					}
				}
				golden(t, filepath.Join("testdata", "events", strings.ToLower(schema), shortType(typ)+".json"), body)
			}
		})
	}
}

func eventType(ev map[string]any) string {
	if t, ok := ev["eventType"].(string); ok {
		return t
	}
	t, _ := ev["type"].(string)
	return t
}

func shortType(typ string) string { return typ[strings.LastIndexByte(typ, '.')+1:] }

func eventTime(t *testing.T, ev map[string]any) time.Time {
	t.Helper()
	text, _ := ev["eventTime"].(string)
	if text == "" {
		text, _ = ev["time"].(string)
	}
	tm, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		t.Fatalf("event time %q: %v", text, err)
	}
	return tm
}

func checkHeaders(t *testing.T, schema string, r received) {
	t.Helper()
	want := map[string]string{
		"aeg-event-type":        "Notification",
		"aeg-subscription-name": "GOLDENS",
		"aeg-delivery-count":    "0",
		"Content-Type":          "application/json; charset=utf-8",
		"aeg-metadata-version":  "1",
		"aeg-data-version":      "1",
	}
	if schema == SchemaCloudEvents {
		want["Content-Type"] = "application/cloudevents+json; charset=utf-8"
		want["aeg-metadata-version"] = "1.0"
		want["aeg-data-version"] = ""
		want["Origin"] = "eventgrid.azure.net"
	}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

// golden compares a delivery body with a golden file after masking the
// envelope's id and time, which change with every event.
func golden(t *testing.T, path string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	mask := func(ev any) {
		if m, ok := ev.(map[string]any); ok {
			for _, k := range []string{"id", "eventTime", "time"} {
				if _, ok := m[k]; ok {
					m[k] = "<" + k + ">"
				}
			}
		}
	}
	if list, ok := v.([]any); ok {
		for _, ev := range list {
			mask(ev)
		}
	} else {
		mask(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	if *updateGoldens {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// TestEventData checks the computed payloads against the catalogue and the
// clusters, beyond the golden files' shape.
func TestEventData(t *testing.T) {
	e := newEnv(t, "small.yaml", withEvents)
	e.upgradeImage("rg-a", "aks-a", "system")
	e.upgradeImage("rg-a", "aks-b", "apps")
	e.clock.Set(e.sim.Start().Add(2 * day))
	byType := map[string][]Event{}
	for _, ev := range e.sim.Events() {
		byType[ev.Type] = append(byType[ev.Type], ev)
	}
	data := func(ev Event) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(ev.Data, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// eastus lists 1.30 (1.30.9, 1.30.10), 1.31 (default; now 1.31.4 and
	// 1.31.5) and 1.32.0; no preview.
	nkva := byType[EventNewKubernetesVersionAvailable]
	if len(nkva) != 2 || nkva[0].Subject != "aks-d" || nkva[1].Subject != "aks-e" {
		t.Fatalf("NewKubernetesVersionAvailable = %+v", nkva)
	}
	wantData := map[string]any{
		"latestSupportedKubernetesVersion": "1.32.0",
		"latestStableKubernetesVersion":    "1.31.5",
		"lowestMinorKubernetesVersion":     "1.30.10",
	}
	if diff := cmp.Diff(wantData, data(nkva[0])); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	// The topic names the cluster with resourceGroups, unlike ARM's own
	// IDs; the subject is the bare name.
	if want := "/subscriptions/" + subTwo + "/resourceGroups/rg-c/providers/Microsoft.ContainerService/managedClusters/aks-e"; nkva[1].Source != want {
		t.Errorf("source = %s, want %s", nkva[1].Source, want)
	}
	for _, typ := range []string{EventClusterSupportEnding, EventClusterSupportEnded} {
		evs := byType[typ]
		if len(evs) != 1 || evs[0].Subject != "aks-c" || data(evs[0])["kubernetesVersion"] != "1.29.12" {
			t.Errorf("%s = %+v", typ, evs)
		}
	}
	if evs := byType[EventNodePoolRollingFailed]; len(evs) != 1 || evs[0].Subject != "aks-b" || data(evs[0])["nodePoolName"] != "apps" {
		t.Errorf("NodePoolRollingFailed = %+v", evs)
	}
	var statuses []string
	var notices []eolDetails
	for _, ev := range byType[EventScheduledEventEmitted] {
		if bytes.Contains(ev.Data, []byte(`"eventSource":"EOLNotification"`)) {
			var d scheduledEventData[eolDetails]
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				t.Fatal(err)
			}
			p := d.ResourceInfo.Properties
			if ev.Source != "/subscriptions/"+subOne || p.Resources[0] != clusterID(subOne, "rg-a", "aks-c") {
				t.Errorf("notice source %s, resources %v", ev.Source, p.Resources)
			}
			notices = append(notices, p.EventDetails)
			statuses = append(statuses, p.Description+"@"+ev.Time.Sub(e.sim.Start()).String())
			continue
		}
		var d scheduledEventData[string]
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, d.ResourceInfo.Properties.EventStatus+"@"+ev.Time.Sub(e.sim.Start()).String())
		if ev.Source != "/subscriptions/"+subOne || d.ResourceInfo.Properties.Resources[0] != clusterID(subOne, "rg-a", "aks-a") {
			t.Errorf("scheduled event source %s, resources %v", ev.Source, d.ResourceInfo.Properties.Resources)
		}
	}
	want := []string{"Scheduled@0s", "KubernetesVersionEOLOneWeek@1h0m0s", "KubernetesVersionOutOfSupport@2h0m0s", "Started@24h0m0s", "Completed@28h0m0s"}
	if !cmp.Equal(want, statuses) {
		t.Errorf("scheduled events = %v, want %v", statuses, want)
	}
	// End-of-support notices carry an object: the date is the removal of
	// 1.29 from westeurope (+2h).
	eol := e.sim.Start().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	wantNotices := []eolDetails{
		{KubernetesVersion: "1.29.12", EOLDate: eol, SupportType: "Community", DaysUntilEOL: 1, Region: "westeurope"},
		{KubernetesVersion: "1.29.12", EOLDate: eol, SupportType: "Community", DaysUntilEOL: 0, Region: "westeurope"},
	}
	if d := cmp.Diff(wantNotices, notices); d != "" {
		t.Errorf("end-of-support notices (-want +got):\n%s", d)
	}
}

func TestVersionDataPicksFromCatalogue(t *testing.T) {
	r, ps := newRegion(Region{Name: "x", KubernetesVersions: []MinorVersion{
		{Version: "1.24", Patches: []string{"1.24.9", "1.24.10"}},
		{Version: "1.25", Patches: []string{"1.25.6"}, IsDefault: true},
		{Version: "1.26", Patches: []string{"1.26.3"}},
		{Version: "1.27", Patches: []string{"1.27.1"}, IsPreview: true},
	}})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	// The seed's real payload (2023-08-01): 1.26.3, 1.25.6, 1.24.10, 1.27.1.
	want := newVersionData{"1.26.3", "1.25.6", "1.24.10", "1.27.1"}
	if got := versionData(r, "KubernetesOfficial"); got != want {
		t.Errorf("versionData = %+v, want %+v", got, want)
	}
}

// TestMaintenanceNotices checks the notice times: 7 days and 24 hours
// ahead, and a canceled maintenance.
func TestMaintenanceNotices(t *testing.T) {
	e := newEnv(t, "small.yaml", func(sc *Scenario) {
		sc.Maintenance = []MaintenanceEvent{
			{Cluster: "aks-a", After: Duration(10 * day), Duration: Duration(2 * time.Hour), Description: "Underlay migration"},
			{Cluster: clusterID(subTwo, "rg-c", "aks-e"), After: Duration(3 * day), Description: "Node OS upgrade", Canceled: true},
		}
	})
	e.clock.Set(e.sim.Start().Add(11 * day))
	var got []string
	for _, ev := range e.sim.Events() {
		if ev.Type != EventScheduledEventEmitted {
			continue
		}
		var d scheduledEventData[string]
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		p := d.ResourceInfo.Properties
		got = append(got, ev.Time.Sub(e.sim.Start()).String()+" "+p.EventStatus+" "+p.EventDetails)
	}
	want := []string{
		"0s Scheduled Node OS upgrade",
		"48h0m0s Scheduled Node OS upgrade",
		"72h0m0s Scheduled Underlay migration",
		"72h0m0s Canceled Node OS upgrade",
		"216h0m0s Scheduled Underlay migration",
		"240h0m0s Started Underlay migration",
		"242h0m0s Completed Underlay migration",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
}

// TestTimelineEventsSeeTheWorldInTimeOrder: an upgrade that ends before a
// minor is removed spares its cluster the ClusterSupportEnded, even when
// nothing looks at the simulator in between.
func TestTimelineEventsSeeTheWorldInTimeOrder(t *testing.T) {
	e := newEnv(t, "small.yaml", func(sc *Scenario) {
		sc.Timeline = append(sc.Timeline, TimelineEntry{After: Duration(time.Hour), Region: "westeurope", Remove: "1.29"})
	})
	if _, err := e.upgradeControlPlane("rg-a", "aks-c", "1.30.9"); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.sim.Start().Add(2 * time.Hour))
	for _, ev := range e.sim.Events() {
		if ev.Type == EventClusterSupportEnded {
			t.Errorf("support ended for %s, upgraded before the removal", ev.Subject)
		}
	}
}

func TestScenarioEventFields(t *testing.T) {
	doc := `
start: 2025-03-03T08:00:00Z
subscriptions:
  - id: 11111111-1111-4111-8111-111111111111
    clusters:
      - {name: a, resourceGroup: rg, location: westeurope, nodeOSUpgradeChannel: None, kubernetesVersion: 1.30.9, nodePools: [{name: system, count: 1}]}
regions:
  - name: westeurope
    kubernetesVersions: [{version: "1.30", patches: [1.30.9]}]
    nodeImages: [AKSUbuntu-2204gen2containerd-202501.12.0]
timeline:
  - {after: 1d, region: westeurope, supportEnding: "1.30"}
maintenance:
  - {cluster: a, after: 2d, duration: 4h, description: Konnectivity tunnel switch}
eventSubscriptions:
  - name: aksupgrade
    endpoint: https://aksupgrade.example.com/webhooks/eventgrid
    schema: CloudEvents
    maxEventsPerBatch: 10
    headers: {X-Aksupgrade-Secret: s3cret}
    types: [Microsoft.ContainerService.ClusterSupportEnding]
`
	if _, err := ParseScenario("s.yaml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	bad := strings.NewReplacer(
		`supportEnding: "1.30"`, `supportEnding: "1.29"`,
		"cluster: a,", "cluster: nope,",
		"schema: CloudEvents", "schema: cloudevents",
		"types: [Microsoft.ContainerService.ClusterSupportEnding]", "types: [Microsoft.ContainerService.Nope]",
		"X-Aksupgrade-Secret", "aeg-secret",
	).Replace(doc)
	_, err := ParseScenario("s.yaml", []byte(bad))
	want := []string{
		`s.yaml:12:52: timeline[0].supportEnding: minor 1.29 is not in westeurope's catalogue then`,
		`s.yaml:14:15: maintenance[0].cluster: found "nope", want a cluster of the scenario`,
		`s.yaml:18:13: eventSubscriptions[0].schema: found "cloudevents", want EventGrid or CloudEvents`,
		`s.yaml:20:15: eventSubscriptions[0].headers: "aeg-secret": the aeg- prefix is Event Grid's own`,
		`s.yaml:21:13: eventSubscriptions[0].types[0]: found "Microsoft.ContainerService.Nope", want one of`,
	}
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("errors:\n%s", err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d = %s, want %s...", i, lines[i], w)
		}
	}
}
