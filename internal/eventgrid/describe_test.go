package eventgrid_test

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
)

func TestDescribe(t *testing.T) {
	const cluster = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod-01"
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		e    eventgrid.Event
		want string
	}{
		{
			eventgrid.Event{Type: eventgrid.TypeNewKubernetesVersionAvailable, ClusterID: cluster, Subject: "ignored",
				NewVersion: &eventgrid.NewKubernetesVersionAvailable{LatestSupported: "1.31.4", LatestStable: "1.30.9", LatestPreview: "1.32.1"}},
			"New Kubernetes versions for aks-prod-01: 1.31.4 supported, 1.30.9 stable, 1.32.1 preview",
		},
		{
			eventgrid.Event{Type: eventgrid.TypeNewKubernetesVersionAvailable, Subject: "aks-prod-01",
				NewVersion: &eventgrid.NewKubernetesVersionAvailable{LowestMinor: "1.29.12"}},
			"New Kubernetes versions for aks-prod-01; oldest offered 1.29.12",
		},
		{
			eventgrid.Event{Type: eventgrid.TypeClusterSupportEnding, Subject: "aks-dev-01", Support: &eventgrid.ClusterSupport{KubernetesVersion: "1.28.5"}},
			"aks-dev-01 on 1.28.5 leaves support soon: upgrade it",
		},
		{
			eventgrid.Event{Type: eventgrid.TypeScheduledEventEmitted, ClusterID: cluster,
				Scheduled: &eventgrid.ScheduledEvent{Status: eventgrid.StatusScheduled, ScheduledTime: at.Add(7 * 24 * time.Hour), Description: "Node OS upgrade"}},
			"Azure maintenance on aks-prod-01: Scheduled for 2026-03-08 08:00 UTC: Node OS upgrade",
		},
		{
			eventgrid.Event{Type: eventgrid.TypeScheduledEventEmitted, Source: "/subscriptions/s", Scheduled: &eventgrid.ScheduledEvent{}},
			"Azure maintenance on /subscriptions/s: status unknown",
		},
		{
			eventgrid.Event{Type: eventgrid.TypeNodePoolRollingFailed, Subject: "aks-x", NodePool: &eventgrid.NodePoolRolling{NodePoolName: "user1"}},
			"Node pool user1 of aks-x: rolling upgrade failed",
		},
		{
			eventgrid.Event{Type: "Microsoft.Resources.ResourceWriteSuccess", Source: "/subscriptions/s"},
			"Microsoft.Resources.ResourceWriteSuccess about /subscriptions/s",
		},
		{eventgrid.Event{Type: eventgrid.TypeSubscriptionValidation}, "Event Grid subscription validation"},
	}
	for _, tt := range tests {
		if got := eventgrid.Describe(tt.e); got != tt.want {
			t.Errorf("Describe(%s):\n got %q\nwant %q", tt.e.Type, got, tt.want)
		}
	}
}
