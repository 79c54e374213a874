package eventlog_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const cluster = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-test-1"

// TestRoundTrip: each of the engine's payloads comes back as it went.
func TestRoundTrip(t *testing.T) {
	k := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.4"}
	for _, ev := range []aksupgrade.Event{
		{Type: aksupgrade.EventStepFailed, Cluster: cluster, Step: &aksupgrade.StepEvent{StepID: 7, Stage: "test", Target: k,
			Step: aksupgrade.Step{Kind: aksupgrade.StepNodePool, ClusterID: cluster, Pool: "np1", Version: "1.31.4"}, State: "failed", ErrorCode: aksupgrade.ErrDrainFailed, Error: "blocked"}},
		{Type: aksupgrade.EventStageHalted, Cluster: cluster, Stage: &aksupgrade.StageEvent{Stage: "test", Target: k, Cluster: cluster, Reason: "drain"}},
		{Type: aksupgrade.EventStageProven, Stage: &aksupgrade.StageEvent{Stage: "dev", Target: k, Evidence: []string{cluster}}},
		{Type: aksupgrade.EventApproved, Action: &aksupgrade.OperatorAction{Stage: "prod", Target: k, By: "alice"}},
		{Type: aksupgrade.EventVersionAvailable, Subject: "westeurope", Versions: &aksupgrade.VersionNews{Region: "westeurope", New: []aksupgrade.NewVersion{{Version: "1.31.5"}}}},
		{Type: aksupgrade.EventSupportEnded, Cluster: cluster, SupportNews: &aksupgrade.SupportNews{Cluster: cluster, Name: "aks-test-1", Version: "1.29.9", Ended: true}},
	} {
		ev.Source, ev.ID, ev.Time = "aksupgrade/engine", "id-"+string(ev.Type), t0
		se, err := eventlog.Encode(ev)
		if err != nil {
			t.Fatalf("Encode(%s): %v", ev.Type, err)
		}
		if se.Subject == "" && (ev.Subject != "" || ev.Cluster != "") {
			t.Errorf("%s: no subject", ev.Type)
		}
		back, err := eventlog.Decode(se)
		if err != nil {
			t.Fatalf("Decode(%s): %v", ev.Type, err)
		}
		ev.Subject = se.Subject
		if d := cmp.Diff(ev, back); d != "" {
			t.Errorf("%s round trip (-sent +read):\n%s", ev.Type, d)
		}
	}
}

// TestDecodeAzure: an event as Event Grid delivers it (and the poller
// writes it) reads into the domain's payload, with the cluster it is
// about; one of a type nobody knows says so.
func TestDecodeAzure(t *testing.T) {
	raw, err := json.Marshal(map[string]any{"id": "e1", "topic": cluster, "subject": "aks-test-1",
		"eventType": "Microsoft.ContainerService.NodePoolRollingFailed", "eventTime": t0, "data": map[string]string{"nodePoolName": "np1"},
		"dataVersion": "1", "metadataVersion": "1"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := eventlog.Decode(store.Event{Key: store.EventKey{Source: cluster, ID: "e1"}, Type: aksupgrade.EventNodePoolRollingFailed, Time: t0, Data: raw, ReceivedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if ev.NodePool == nil || ev.NodePool.NodePoolName != "np1" || ev.Cluster != cluster || ev.Describe() != "Node pool np1 of aks-test-1: rolling upgrade failed" {
		t.Errorf("decoded %+v", ev)
	}
	blob := []byte(`{"id":"b1","topic":"/subscriptions/s/storage","subject":"/blobServices/default","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2026-03-02T09:30:00Z","data":{}}`)
	unknown, err := eventlog.Decode(store.Event{Key: store.EventKey{Source: "x", ID: "b1"}, Type: "Microsoft.Storage.BlobCreated", Time: t0, Data: blob, ReceivedAt: t0})
	if err == nil || unknown.Known() {
		t.Errorf("Decode(BlobCreated) = %+v, %v; want no payload and an error", unknown, err)
	}
	if _, err := eventlog.Encode(aksupgrade.Event{Type: aksupgrade.EventNodePoolRollingFailed, NodePool: &aksupgrade.NodePoolRolling{NodePoolName: "np1"}}); err == nil {
		t.Error("Encode of an Azure type: no error")
	}
}
