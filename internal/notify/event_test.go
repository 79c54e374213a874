package notify

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

const prodID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/aks-prod-01"

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// azure is an event as the webhook or the poller stores it: Data is the
// Event Grid event as received.
func azure(typ aksupgrade.EventType, id string, data any) store.Event {
	raw, _ := json.Marshal(map[string]any{
		"id": id, "topic": prodID, "subject": "aks-prod-01", "eventType": typ, "eventTime": t0,
		"data": data, "dataVersion": "1", "metadataVersion": "1",
	})
	return store.Event{Key: store.EventKey{Source: strings.ToLower(prodID), ID: id}, Type: typ, Subject: "aks-prod-01", Time: t0, Data: raw, ReceivedAt: t0}
}

// scheduled is a ScheduledEventEmitted about aks-prod-01, scheduled ahead
// of t0.
func scheduled(id, status string, ahead time.Duration) store.Event {
	raw, _ := json.Marshal(map[string]any{
		"id": id, "topic": "/subscriptions/00000000-0000-0000-0000-000000000001",
		"subject":   prodID + "/scheduledEvents/" + id,
		"eventType": "Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted",
		"eventTime": t0, "dataVersion": "1", "metadataVersion": "1",
		"data": map[string]any{
			"resourceInfo": map[string]any{
				"id": prodID + "/scheduledEvents/" + id, "name": id,
				"type": "Microsoft.ContainerService/managedClusters/scheduledEvents", "location": "westeurope",
				"properties": map[string]any{
					"description": "ScheduledEvents", "eventId": id, "eventSource": "AutoUpgrader", "eventStatus": status,
					"eventDetails": "Node image upgrade", "scheduledTime": t0.Add(ahead),
					"startTime": "0001-01-01T00:00:00Z", "lastUpdateTime": "0001-01-01T00:00:00Z",
					"resources": []string{prodID}, "resourceType": "ManagedCluster",
				},
			},
			"operationalInfo": map[string]any{"resourceEventTime": t0},
			"apiVersion":      "2023-11-02-preview",
		},
	})
	return store.Event{Key: store.EventKey{Source: "eventgrid", ID: id}, Type: "Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted",
		Subject: prodID + "/scheduledEvents/" + id, Time: t0, Data: raw, ReceivedAt: t0}
}

// endOfSupport is AKS's end-of-support notice about aks-prod-01: a
// scheduled event whose eventDetails is an object.
func endOfSupport(id string) store.Event {
	e := scheduled(id, "Scheduled", 5*24*time.Hour)
	e.Data = []byte(strings.Replace(strings.Replace(string(e.Data), `"eventSource":"AutoUpgrader"`, `"eventSource":"EOLNotification"`, 1),
		`"eventDetails":"Node image upgrade"`, `"eventDetails":{"kubernetesVersion":"1.32.3","eolDate":"2026-03-01T00:00:00Z","supportType":"Community","daysUntilEOL":5,"region":"westeurope"}`, 1))
	return e
}

// engine is an event as the engine emits it.
func engine(typ aksupgrade.EventType, id string, data map[string]any) store.Event {
	raw, _ := json.Marshal(data)
	return store.Event{Key: store.EventKey{Source: "aksupgrade/engine", ID: id}, Type: typ, Time: t0, Data: raw, ReceivedAt: t0}
}

var kube1314 = map[string]string{"kind": "kubernetes", "version": "1.31.4"}

func options() MessageOptions {
	return MessageOptions{BaseURL: "https://aksupgrade.example.com/", Stages: []string{"dev", "test", "prod"}}
}

func TestFromEvent(t *testing.T) {
	link := "https://aksupgrade.example.com/rollouts/1.31.4"
	for _, tc := range []struct {
		name string
		e    store.Event
		want Message // Key and Time are checked apart
	}{
		{"new version", engine(aksupgrade.EventVersionAvailable, "version.available/westeurope/1.32.2/1.31.6/", map[string]any{
			"region": "westeurope", "new": []map[string]any{{"version": "1.32.2"}},
			"latestSupported": "1.32.2", "latestStable": "1.31.6", "lowestMinor": "1.29.12",
			"clusters": []string{"aks-dev-01", "aks-prod-01"},
			"stages": []map[string]any{
				{"stage": "dev", "zone": "Europe/Berlin", "version": "1.32.2", "state": "rolling", "reachedAt": t0.Add(14 * time.Hour), "provenAt": t0.Add(38 * time.Hour)},
				{"stage": "test", "zone": "America/New_York", "version": "1.32.2", "state": "pending", "note": "needs approval to enter test"},
				{"stage": "prod", "zone": "Europe/Berlin", "version": "1.31.6", "then": "1.32.2", "state": "pending", "clusters": 3, "projected": 3, "finish": t0.Add(60 * time.Hour)},
				{"stage": "legacy", "note": "stays on 1.30.9: the policy's channel patch picks none of them"},
			}}),
			Message{Kind: KindNewVersion, Severity: SeverityInfo, Target: "1.32.2", Link: "https://aksupgrade.example.com/timeline",
				Summary: "Kubernetes 1.32.2 is available in westeurope",
				Details: []string{"AKS offers: newest 1.32.2, stable 1.31.6, oldest 1.29.12.",
					"dev: 1.32.2 on every cluster by Tue 2026-03-03 00:30 CET, proven Wed 2026-03-04 00:30 CET",
					"test: 1.32.2, not projected yet: needs approval to enter test",
					"prod: 1.31.6 on the 3 clusters still to go by Wed 2026-03-04 22:30 CET; then 1.32.2",
					"legacy: stays on 1.30.9: the policy's channel patch picks none of them",
					"Clusters in westeurope: aks-dev-01, aks-prod-01"}}},
		{"support ending", engine(aksupgrade.EventSupportEnding, "support.ending/x/1.29.12", map[string]any{
			"cluster": prodID, "name": "aks-prod-01", "version": "1.29.12", "support": "supported until 2026-03-31",
			"stage": "prod", "zone": "Europe/Berlin", "target": "1.30.9", "goal": "1.31.6", "state": "waiting",
			"start": t0.Add(24 * time.Hour), "finish": t0.Add(26 * time.Hour)}),
			Message{Kind: KindSupportEnding, Severity: SeverityWarning, Cluster: prodID, Stage: "prod", Target: "1.30.9",
				Link:    "https://aksupgrade.example.com/rollouts/1.30.9",
				Summary: "aks-prod-01 runs Kubernetes 1.29.12, which leaves support soon (supported until 2026-03-31)",
				Details: []string{"Stage: prod",
					"Planned fix: upgrade to 1.30.9 in stage prod, expected Tue 2026-03-03 10:30 CET to Tue 2026-03-03 12:30 CET."}}},
		{"support ended, nothing planned", engine(aksupgrade.EventSupportEnded, "support.ended/x/1.28.9", map[string]any{
			"cluster": prodID, "name": "aks-prod-01", "version": "1.28.9", "ended": true, "support": "out of support since 2026-01-01",
			"reason": "no stage selects it"}),
			Message{Kind: KindSupportEnded, Severity: SeverityCritical, Cluster: prodID, Link: "https://aksupgrade.example.com/",
				Summary: "aks-prod-01 runs Kubernetes 1.28.9, which is out of support (out of support since 2026-01-01)",
				Details: []string{"No upgrade is planned for it: no stage selects it.",
					"AKS no longer fixes this version and may upgrade the cluster on its own."}}},
		{"node pool failed", azure("Microsoft.ContainerService.NodePoolRollingFailed", "np1", map[string]string{"nodePoolName": "user1"}),
			Message{Kind: KindNodePoolFailed, Severity: SeverityWarning, Cluster: prodID,
				Summary: "Node pool user1 of aks-prod-01: rolling upgrade failed",
				Details: []string{"Cluster: " + prodID, "Azure sends no detail with this event; the cluster's activity log has it.",
					"What to do: fix the cause (often a PodDisruptionBudget that blocks draining a node), then upgrade the pool again."}}},
		{"maintenance 7 days ahead", scheduled("m7", "Scheduled", 7*24*time.Hour),
			Message{Kind: KindMaintenanceScheduled, Severity: SeverityInfo, Cluster: prodID,
				Summary: "Azure maintenance on aks-prod-01 in 7 days (Mon 2026-03-09 09:30 UTC)",
				Details: []string{"Node image upgrade", "By: AutoUpgrader", "Affects: " + prodID,
					"What to do: nothing if the time suits you; to move it, change the cluster's maintenance configuration, or let aksupgrade upgrade the cluster before then."}}},
		{"maintenance 24 hours ahead", scheduled("m1", "Scheduled", 24*time.Hour),
			Message{Kind: KindMaintenanceScheduled, Severity: SeverityWarning, Cluster: prodID,
				Summary: "Azure maintenance on aks-prod-01 in 24 hours (Tue 2026-03-03 09:30 UTC)",
				Details: []string{"Node image upgrade", "By: AutoUpgrader", "Affects: " + prodID,
					"What to do: nothing if the time suits you; to move it, change the cluster's maintenance configuration, or let aksupgrade upgrade the cluster before then."}}},
		{"maintenance failed", scheduled("mf", "Failed", 0),
			Message{Kind: KindMaintenanceUpdate, Severity: SeverityWarning, Cluster: prodID,
				Summary: "Azure maintenance on aks-prod-01: failed",
				Details: []string{"Node image upgrade", "By: AutoUpgrader", "Scheduled for Mon 2026-03-02 09:30 UTC"}}},
		{"rollout started", engine(aksupgrade.EventStageStarted, "started/dev/1.31.4", map[string]any{"stage": "dev", "target": kube1314}),
			Message{Kind: KindRolloutStarted, Severity: SeverityInfo, Stage: "dev", Target: "1.31.4", Link: link,
				Summary: "Rollout of 1.31.4 started in dev",
				Details: []string{"Next: test, once 1.31.4 is proven in dev."}}},
		{"later stage started", engine(aksupgrade.EventStageStarted, "started/test/1.31.4", map[string]any{"stage": "test", "target": kube1314}),
			Message{Kind: KindStageStarted, Severity: SeverityInfo, Stage: "test", Target: "1.31.4", Link: link,
				Summary: "1.31.4 started in stage test"}},
		{"stage proven", engine(aksupgrade.EventStageProven, "proven/test/1.31.4", map[string]any{"stage": "test", "target": kube1314,
			"evidence": []string{"aks-test-01", "aks-test-02"}, "reason": "1.31.4 ran in test for 2d with no failure"}),
			Message{Kind: KindStageProven, Severity: SeverityInfo, Stage: "test", Target: "1.31.4", Link: link,
				Summary: "1.31.4 is proven in test",
				Details: []string{"1.31.4 ran in test for 2d with no failure", "Clusters: aks-test-01, aks-test-02", "prod may receive it now, inside its windows."}}},
		{"rollout completed", engine(aksupgrade.EventStageProven, "proven/prod/1.31.4", map[string]any{"stage": "prod", "target": kube1314}),
			Message{Kind: KindRolloutCompleted, Severity: SeverityInfo, Stage: "prod", Target: "1.31.4", Link: link,
				Summary: "Rollout of 1.31.4 completed: proven in prod, the last stage"}},
		{"stage halted", engine(aksupgrade.EventStageHalted, "halted/test/1.31.4/7", map[string]any{"stage": "test", "target": kube1314, "cluster": prodID,
			"reason": "the upgrade of node pool user1 to 1.31.4 failed (DrainFailed: eviction blocked): a node could not be drained"}),
			Message{Kind: KindStageHalted, Severity: SeverityCritical, Stage: "test", Target: "1.31.4", Cluster: prodID, Link: "https://aksupgrade.example.com/approvals",
				Summary: "Stage test halted: 1.31.4 failed on aks-prod-01",
				Details: []string{"What failed: the upgrade of node pool user1 to 1.31.4 failed (DrainFailed: eviction blocked): a node could not be drained",
					"Halted Mon 2026-03-02 09:30 UTC; no other cluster of test starts until the stage is retried.",
					"What to do: fix the cause, then run: aksupgrade rollout retry --stage test"}}},
		{"approval needed", engine(aksupgrade.EventApprovalNeeded, "approval/prod/1.31.4", map[string]any{"stage": "prod", "target": "1.31.4", "reason": "minor upgrades need approval in prod"}),
			Message{Kind: KindApprovalNeeded, Severity: SeverityWarning, Stage: "prod", Target: "1.31.4", Link: "https://aksupgrade.example.com/approvals",
				Summary: "1.31.4 waits for approval to enter prod",
				Details: []string{"minor upgrades need approval in prod", "To approve: aksupgrade rollout approve 1.31.4 --stage prod"}}},
		{"channels set", engine(aksupgrade.EventChannelsSet, "channels/x/1", map[string]any{"cluster": prodID, "stage": "prod",
			"from": map[string]string{"autoUpgrade": "none", "nodeOS": "NodeImage"}, "to": map[string]string{"nodeOS": "None"}}),
			Message{Kind: KindChannelsSet, Severity: SeverityInfo, Stage: "prod", Cluster: prodID,
				Summary: "aksupgrade set aks-prod-01's AKS node OS channel from NodeImage to None, so that stage prod manages it (policy channels.takeOver)",
				Details: []string{"AKS no longer upgrades aks-prod-01 on its own: stage prod rolls out only what the stages before it proved.",
					"The change is in the audit log, recorded as done by aksupgrade."}}},
		{"approved", engine(aksupgrade.EventApproved, "approved/prod/1.31.4/x", map[string]any{"stage": "prod", "target": kube1314, "by": "alice"}),
			Message{Kind: KindApproved, Severity: SeverityInfo, Stage: "prod", Target: "1.31.4", Link: link,
				Summary: "1.31.4 approved for prod by alice"}},
		{"paused node image", engine(aksupgrade.EventPaused, "paused//img/x", map[string]any{"target": map[string]string{"kind": "nodeImage", "version": "202502.03.0"}, "by": "bob", "reason": "freeze"}),
			Message{Kind: KindPaused, Severity: SeverityWarning, Target: "node image 202502.03.0",
				Link:    "https://aksupgrade.example.com/rollouts/nodeImage:202502.03.0",
				Summary: "Rollout of node image 202502.03.0 paused by bob",
				Details: []string{"Reason: freeze", "No new upgrade towards node image 202502.03.0 starts until: aksupgrade rollout resume nodeImage:202502.03.0"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := FromEvent(tc.e, options())
			if !ok {
				t.Fatalf("FromEvent = false")
			}
			if !strings.HasPrefix(got.Key, tc.want.Kind+":") || !got.Time.Equal(t0) {
				t.Errorf("Key %q, Time %v", got.Key, got.Time)
			}
			got.Key, got.Time = "", time.Time{}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("FromEvent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromEventSkips(t *testing.T) {
	for name, e := range map[string]store.Event{
		"step":            engine(aksupgrade.EventStepRunning, "step/1/running", map[string]any{"id": 1}),
		"node pool start": azure("Microsoft.ContainerService.NodePoolRollingStarted", "s", map[string]string{"nodePoolName": "p"}),
		"unknown type":    {Key: store.EventKey{Source: "x", ID: "1"}, Type: "Other.Thing", Time: t0},
		"unreadable":      {Key: store.EventKey{Source: "x", ID: "1"}, Type: aksupgrade.EventStageHalted, Data: []byte("{"), Time: t0},
		"no payload":      azure("Microsoft.ContainerService.ClusterSupportEnding", "x", "not an object"),
		// Azure's news is told by the engine once it planned with it.
		"Azure new version": azure("Microsoft.ContainerService.NewKubernetesVersionAvailable", "nv1", map[string]string{
			"latestSupportedKubernetesVersion": "1.32.2", "latestStableKubernetesVersion": "1.31.6"}),
		"Azure support ending": azure("Microsoft.ContainerService.ClusterSupportEnding", "se1", map[string]string{"kubernetesVersion": "1.29.12"}),
		// A version leaving support is told as the engine's news, not as
		// a maintenance.
		"end-of-support notice": endOfSupport("eol1"),
		"news without versions": engine(aksupgrade.EventVersionAvailable, "v", map[string]any{"region": "westeurope"}),
		"unknown transfer":      engine("aksupgrade.rollout.somethingNew", "x", map[string]any{}),
	} {
		if m, ok := FromEvent(e, options()); ok {
			t.Errorf("%s: FromEvent = %+v, want false", name, m)
		}
	}
}

// TestFromEventKey: the key depends on the event's key only, so a
// redelivery dedupes; another event gets another key.
func TestFromEventKey(t *testing.T) {
	e := engine(aksupgrade.EventStageProven, "proven/test/1.31.4", map[string]any{"stage": "test", "target": kube1314})
	a, _ := FromEvent(e, options())
	e.ReceivedAt, e.Data = t0.Add(time.Hour), []byte(`{"stage":"test","target":{"kind":"kubernetes","version":"1.31.4"},"reason":"again"}`)
	b, _ := FromEvent(e, MessageOptions{})
	if a.Key != b.Key {
		t.Errorf("redelivery: key %q then %q", a.Key, b.Key)
	}
	e.Key.ID = "proven/test/1.31.5"
	if c, _ := FromEvent(e, options()); c.Key == a.Key {
		t.Errorf("another event got the same key %q", c.Key)
	}
	if a.Link == "" || b.Link != "" {
		t.Errorf("links %q, %q: want one only with a BaseURL", a.Link, b.Link)
	}
}

func TestFromEventTemplates(t *testing.T) {
	e := engine(aksupgrade.EventStageHalted, "halted/test/1.31.4/7", map[string]any{"stage": "test", "target": kube1314, "cluster": prodID, "reason": "boom"})
	o := options()
	o.Templates = map[string]string{KindStageHalted: "[fleet A] {{.Summary}}\n\n{{range .Details}}{{.}}\n{{end}}Owner: platform team ({{.Cluster}})\n"}
	if err := o.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	m, _ := FromEvent(e, o)
	want := []string{"What failed: boom", "Halted Mon 2026-03-02 09:30 UTC; no other cluster of test starts until the stage is retried.",
		"What to do: fix the cause, then run: aksupgrade rollout retry --stage test", "Owner: platform team (aks-prod-01)"}
	if m.Summary != "[fleet A] Stage test halted: 1.31.4 failed on aks-prod-01" || !cmp.Equal(m.Details, want) {
		t.Errorf("overridden: %q %q", m.Summary, m.Details)
	}

	// A template that fails at run time falls back to the default.
	o.Templates[KindStageHalted] = "{{.Nope}}"
	m, _ = FromEvent(e, o)
	if m.Summary != "Stage test halted: 1.31.4 failed on aks-prod-01" {
		t.Errorf("failing template: summary %q", m.Summary)
	}
	good := MessageOptions{Templates: map[string]string{KindNewVersion: "{{.NewVersion.LatestSupported}}", KindStageProven: "{{.Summary}}"}}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(%v) = %v", good.Templates, err)
	}
	for _, bad := range []map[string]string{{KindStageHalted: "{{"}, {"noSuchKind": "x"}, {KindStageHalted: "{{.Nope}}"}} {
		if err := (MessageOptions{Templates: bad}).Validate(); err == nil {
			t.Errorf("Validate(%v) = nil", bad)
		}
	}
}

// TestDefaultTemplates: every kind has a template that renders a summary
// from data with nothing but the event's one-line description (which
// FromEvent always sets).
func TestDefaultTemplates(t *testing.T) {
	for _, k := range Kinds() {
		if DefaultTemplate(k) == "" {
			t.Errorf("no default template for %s", k)
			continue
		}
		s, _, err := execute(k, DefaultTemplate(k), TemplateData{Kind: k, Description: "what happened"})
		if err != nil || s == "" {
			t.Errorf("%s: %q, %v", k, s, err)
		}
	}
}

// TestFromEventZones: a message about a stage, or about a cluster of a
// stage, shows dates in the stage window's zone and routes by the stage.
func TestFromEventZones(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	o := options()
	o.Zones = map[string]*time.Location{"prod": berlin}
	o.StageOf = func(id string) string {
		if id == prodID {
			return "prod"
		}
		return ""
	}
	m, ok := FromEvent(scheduled("m7", "Scheduled", 7*24*time.Hour), o)
	if !ok || m.Stage != "prod" || m.Summary != "Azure maintenance on aks-prod-01 in 7 days (Mon 2026-03-09 10:30 CET)" {
		t.Errorf("maintenance: stage %q, summary %q", m.Stage, m.Summary)
	}
	halted := engine(aksupgrade.EventStageHalted, "halted/prod/1.31.4/7", map[string]any{"stage": "prod", "target": kube1314, "cluster": prodID, "reason": "boom"})
	m, _ = FromEvent(halted, o)
	if want := "Halted Mon 2026-03-02 10:30 CET; no other cluster of prod starts until the stage is retried."; !slices.Contains(m.Details, want) {
		t.Errorf("halted: details %q, want %q", m.Details, want)
	}
	// Another stage, or no stage: UTC (or o.Location).
	o.StageOf = func(string) string { return "" }
	m, _ = FromEvent(scheduled("m7", "Scheduled", 7*24*time.Hour), o)
	if m.Stage != "" || !strings.HasSuffix(m.Summary, "(Mon 2026-03-09 09:30 UTC)") {
		t.Errorf("no stage: stage %q, summary %q", m.Stage, m.Summary)
	}
}
