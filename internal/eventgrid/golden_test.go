package eventgrid_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/aksupgrade/aksupgrade/internal/eventgrid"

	"github.com/aksupgrade/aksupgrade"
)

// The resource IDs of Azure's examples, placeholders included.
const (
	specCluster  = "/subscriptions/{subscription-id}/resourceGroups/{resource-group}/providers/Microsoft.ContainerService/managedClusters/{cluster}"
	seedCluster  = "/subscriptions/XXXXXXXXXX/resourceGroups/krmt-AKS01/providers/Microsoft.ContainerService/managedClusters/krmt-AKS01"
	exampleEvent = "1234567890abcdef1234567890abcdef12345678"
)

var ignoreRaw = cmpopts.IgnoreFields(eventgrid.Event{}, "Raw")

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// scheduled is the data of Azure's ScheduledEventEmitted examples, for a
// cluster spelled cluster in resources and rg in the event's own ID.
func scheduled(rg, cluster, location, eventID string) *aksupgrade.ScheduledMaintenance {
	return &aksupgrade.ScheduledMaintenance{
		ResourceID:        "/subscriptions/{subscription-id}/" + rg + "/{rg-name}/providers/Microsoft.ContainerService/managedClusters/" + cluster + eventID,
		Name:              "{event-id}",
		ResourceType:      "Microsoft.ContainerService/managedClusters/scheduledEvents",
		Location:          location,
		EventID:           "bbe82027-0444-4f73-897a-0bbfe3af66f1",
		Description:       "ScheduledEvents",
		EventSource:       "AutoUprader",
		Status:            aksupgrade.MaintenanceStarted,
		Details:           "Start to upgrade security vhd",
		ScheduledTime:     utc("2024-04-16T22:17:12.103268606Z"),
		Resources:         []string{"/subscriptions/{subscription-id}/resourcegroups/{rg-name}/providers/Microsoft.ContainerService/managedClusters/" + cluster},
		AffectedType:      "ManagedCluster",
		ResourceEventTime: utc("2024-04-16T22:17:12.1032748Z"),
		APIVersion:        "2023-11-02-preview",
	}
}

// TestGolden decodes every payload Azure publishes (testdata/README.md
// names their sources) and compares the typed events and their one-line
// descriptions.
func TestGolden(t *testing.T) {
	eg, ce := eventgrid.SchemaEventGrid, eventgrid.SchemaCloudEvents
	supportTime, nkvaTime := utc("2023-03-29T18:00:00Z"), utc("2021-07-01T04:52:57Z")
	nkva := &aksupgrade.NewKubernetesVersionAvailable{LatestSupported: "1.20.7", LatestStable: "1.19.11", LowestMinor: "1.18.19", LatestPreview: "1.21.1"}
	aks := func(schema string, typ aksupgrade.EventType, at time.Time) eventgrid.Event {
		return eventgrid.Event{Schema: schema, ID: exampleEvent, Type: typ, Source: specCluster, Subject: "{cluster}", Time: at, Cluster: specCluster}
	}
	with := func(e eventgrid.Event, set func(*eventgrid.Event)) eventgrid.Event { set(&e); return e }
	pool := &aksupgrade.NodePoolRolling{NodePoolName: "nodepool1"}
	schedSubject := "/providers/Microsoft.ContainerService/managedClusters/"

	tests := []struct {
		file     string
		want     eventgrid.Delivery
		describe string
	}{
		{
			file: "eventgrid/new_kubernetes_version_available.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(eg, aksupgrade.EventNewKubernetesVersion, nkvaTime),
				func(e *eventgrid.Event) { e.NewVersion = nkva })}},
			describe: "AKS announced Kubernetes versions for {cluster}: newest 1.20.7, stable 1.19.11, preview 1.21.1, oldest 1.18.19",
		},
		{
			file: "eventgrid/new_kubernetes_version_available_seed000.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{{
				Schema: eg, ID: "XXXXXXXXXX", Type: aksupgrade.EventNewKubernetesVersion,
				Source: seedCluster, Subject: "krmt-AKS01", Time: utc("2023-08-01T13:53:15Z"), Cluster: seedCluster,
				NewVersion: &aksupgrade.NewKubernetesVersionAvailable{LatestSupported: "1.26.3", LatestStable: "1.25.6", LowestMinor: "1.24.10", LatestPreview: "1.27.1"},
			}}},
			describe: "AKS announced Kubernetes versions for krmt-AKS01: newest 1.26.3, stable 1.25.6, preview 1.27.1, oldest 1.24.10",
		},
		{
			file: "eventgrid/cluster_support_ended.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(eg, aksupgrade.EventClusterSupportEnded, supportTime),
				func(e *eventgrid.Event) { e.Support = &aksupgrade.ClusterSupport{KubernetesVersion: "1.23.15"} })}},
			describe: "{cluster} runs Kubernetes 1.23.15, which is out of support",
		},
		{
			file: "eventgrid/cluster_support_ending.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(eg, aksupgrade.EventClusterSupportEnding, supportTime),
				func(e *eventgrid.Event) { e.Support = &aksupgrade.ClusterSupport{KubernetesVersion: "1.24.10"} })}},
			describe: "{cluster} runs Kubernetes 1.24.10, which leaves support soon",
		},
		{
			file: "eventgrid/node_pool_rolling_started.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(eg, aksupgrade.EventNodePoolRollingStarted, supportTime),
				func(e *eventgrid.Event) { e.NodePool = pool })}},
			describe: "Node pool nodepool1 of {cluster}: rolling upgrade started",
		},
		{
			file: "eventgrid/node_pool_rolling_succeeded.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(eg, aksupgrade.EventNodePoolRollingSucceeded, supportTime),
				func(e *eventgrid.Event) { e.NodePool = pool })}},
			describe: "Node pool nodepool1 of {cluster}: rolling upgrade succeeded",
		},
		{
			file: "eventgrid/node_pool_rolling_failed.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(eg, aksupgrade.EventNodePoolRollingFailed, supportTime),
				func(e *eventgrid.Event) { e.NodePool = pool })}},
			describe: "Node pool nodepool1 of {cluster}: rolling upgrade failed",
		},
		{
			file: "eventgrid/scheduled_event_emitted.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{{
				Schema: eg, ID: "5bdb52cf-5489-4845-86c8-7fe94a4fc6c1", Type: aksupgrade.EventScheduledMaintenance,
				Source:      "/subscriptions/{subscription-id}",
				Subject:     "/subscriptions/{subscription-id}/resourcegroups/{rg-name}" + schedSubject + "{managedcluster-id}/scheduledEvents/{event-id}",
				Time:        utc("2024-04-16T22:17:12.1032748Z"),
				Cluster:     "/subscriptions/{subscription-id}/resourcegroups/{rg-name}" + schedSubject + "{managedcluster-id}",
				Maintenance: scheduled("resourcegroups", "{managedcluster-id}", "westus2", "/scheduledEvents/{event-id}"),
			}}},
			describe: "Azure maintenance on {managedcluster-id}: started, scheduled for 2024-04-16 22:17 UTC: Start to upgrade security vhd (AutoUprader)",
		},
		{
			file: "eventgrid/scheduled_event_emitted_docs.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{{
				Schema: eg, ID: "5bdb52cf-5489-4845-86c8-7fe94a4fc6c1", Type: aksupgrade.EventScheduledMaintenance,
				Source:      "/subscriptions/{subscription-id}",
				Subject:     "/subscriptions/{subscription-id}/resourcegroups/{rg-name}" + schedSubject + "{managedcluster-name}/scheduledEvents/{event-id}",
				Time:        utc("2024-04-16T22:17:12.1032748Z"),
				Cluster:     "/subscriptions/{subscription-id}/resourcegroups/{rg-name}" + schedSubject + "{managedcluster-name}",
				Maintenance: scheduled("resourcegroups", "{managedcluster-name}", "westus2", "/{event-id}"),
			}}},
			describe: "Azure maintenance on {managedcluster-name}: started, scheduled for 2024-04-16 22:17 UTC: Start to upgrade security vhd (AutoUprader)",
		},
		{
			file: "eventgrid/subscription_validation.json",
			want: eventgrid.Delivery{Validation: &eventgrid.Validation{
				Code: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
				URL:  "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/estest/validate?id=512d38b6-c7b8-40c8-89fe-f46f9e9622b6&t=2018-04-26T20:30:54.4538837Z&apiVersion=2018-05-01-preview&token=1A1A1A1A",
			}},
		},
		{
			file: "cloudevents/new_kubernetes_version_available.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(ce, aksupgrade.EventNewKubernetesVersion, nkvaTime),
				func(e *eventgrid.Event) { e.NewVersion = nkva })}},
			describe: "AKS announced Kubernetes versions for {cluster}: newest 1.20.7, stable 1.19.11, preview 1.21.1, oldest 1.18.19",
		},
		{
			file: "cloudevents/cluster_support_ended.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(ce, aksupgrade.EventClusterSupportEnded, supportTime),
				func(e *eventgrid.Event) { e.Support = &aksupgrade.ClusterSupport{KubernetesVersion: "1.23.15"} })}},
			describe: "{cluster} runs Kubernetes 1.23.15, which is out of support",
		},
		{
			file: "cloudevents/cluster_support_ending.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(ce, aksupgrade.EventClusterSupportEnding, supportTime),
				func(e *eventgrid.Event) { e.Support = &aksupgrade.ClusterSupport{KubernetesVersion: "1.24.10"} })}},
			describe: "{cluster} runs Kubernetes 1.24.10, which leaves support soon",
		},
		{
			file: "cloudevents/node_pool_rolling_started.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(ce, aksupgrade.EventNodePoolRollingStarted, supportTime),
				func(e *eventgrid.Event) { e.NodePool = pool })}},
			describe: "Node pool nodepool1 of {cluster}: rolling upgrade started",
		},
		{
			file: "cloudevents/node_pool_rolling_succeeded.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(ce, aksupgrade.EventNodePoolRollingSucceeded, supportTime),
				func(e *eventgrid.Event) { e.NodePool = pool })}},
			describe: "Node pool nodepool1 of {cluster}: rolling upgrade succeeded",
		},
		{
			file: "cloudevents/node_pool_rolling_failed.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{with(aks(ce, aksupgrade.EventNodePoolRollingFailed, supportTime),
				func(e *eventgrid.Event) { e.NodePool = pool })}},
			describe: "Node pool nodepool1 of {cluster}: rolling upgrade failed",
		},
		{
			file: "cloudevents/scheduled_event_emitted.json",
			want: eventgrid.Delivery{Events: []eventgrid.Event{{
				Schema: ce, ID: "5bdb52cf-5489-4845-86c8-7fe94a4fc6c1", Type: aksupgrade.EventScheduledMaintenance,
				Source:      "/subscriptions/{subscription-id}",
				Subject:     "/subscriptions/{subscription-id}/resourceGroups/{rg-name}" + schedSubject + "{managedcluster-name}/scheduledEvents/{event-id}",
				Time:        utc("2024-04-16T22:17:12.1032748Z"),
				Cluster:     "/subscriptions/{subscription-id}/resourcegroups/{rg-name}" + schedSubject + "{managedcluster-name}",
				Maintenance: scheduled("resourceGroups", "{managedcluster-name}", "", "/scheduledEvents/{event-id}"),
			}}},
			describe: "Azure maintenance on {managedcluster-name}: started, scheduled for 2024-04-16 22:17 UTC: Start to upgrade security vhd (AutoUprader)",
		},
	}
	files, err := filepath.Glob("testdata/*/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("%d files in testdata, %d golden tests: every payload needs its test", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			contentType := eventgrid.ContentTypeJSON
			if strings.HasPrefix(tt.file, "cloudevents/") {
				contentType = eventgrid.ContentTypeCloudEvents + "; charset=utf-8"
			}
			got, err := eventgrid.Decode(contentType, body)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(&tt.want, got, ignoreRaw, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
			// Both schemas are also accepted as plain JSON.
			if asJSON, err := eventgrid.Decode(eventgrid.ContentTypeJSON, body); err != nil {
				t.Errorf("Decode as application/json: %v", err)
			} else if diff := cmp.Diff(got, asJSON); diff != "" {
				t.Errorf("Decode as application/json differs (-%s +json):\n%s", contentType, diff)
			}
			for _, e := range got.Events {
				checkParse(t, e)
				if got := e.Describe(); got != tt.describe {
					t.Errorf("Describe:\n got %q\nwant %q", got, tt.describe)
				}
			}
		})
	}
}

// checkParse checks that e.Raw, as the store keeps it, reads back as e.
func checkParse(t *testing.T, e eventgrid.Event) {
	t.Helper()
	back, err := eventgrid.Parse(e.Raw)
	if err != nil {
		t.Fatalf("Parse(Raw of %s): %v", e.ID, err)
	}
	if diff := cmp.Diff(e, back); diff != "" {
		t.Errorf("Parse(Raw) differs from the decoded event (-decoded +parsed):\n%s", diff)
	}
}
