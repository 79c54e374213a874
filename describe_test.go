package aksupgrade

import "testing"

func TestDescribe(t *testing.T) {
	id := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-test-1"
	k := Target{TargetKubernetes, "1.31.4"}
	for _, tt := range []struct {
		e    Event
		want string
	}{
		{Event{Type: EventStepFailed, Step: &StepEvent{Step: Step{Kind: StepNodePool, ClusterID: id, Pool: "np1", Version: "1.31.4"}, State: "failed", ErrorCode: ErrDrainFailed, Error: "eviction blocked"}},
			"Node pool np1 of aks-test-1 to 1.31.4: failed (drainFailed: eviction blocked)"},
		{Event{Type: EventStageHalted, Stage: &StageEvent{Stage: "test", Target: k, Cluster: id}}, "Stage test halted: 1.31.4 failed on aks-test-1"},
		{Event{Type: EventStageProven, Stage: &StageEvent{Stage: "dev", Target: k}}, "1.31.4 is proven in dev"},
		{Event{Type: EventApprovalNeeded, Stage: &StageEvent{Stage: "prod", Target: k}}, "1.31.4 waits for approval to enter prod"},
		{Event{Type: EventPaused, Action: &OperatorAction{Target: Target{TargetNodeImage, "202502.03.0"}, By: "bob"}}, "Rollout of node image 202502.03.0 paused by bob"},
		{Event{Type: EventRetried, Action: &OperatorAction{Stage: "test", By: "alice"}}, "Stage test retried by alice: its upgrades go on"},
		{Event{Type: EventVersionAvailable, Versions: &VersionNews{Region: "westeurope", New: []NewVersion{{Version: "1.33.0", WasPreview: true}}}},
			"Kubernetes 1.33.0 is generally available (it was in preview) in westeurope"},
		{Event{Type: EventNodePoolRollingFailed, Cluster: id, NodePool: &NodePoolRolling{NodePoolName: "np1"}}, "Node pool np1 of aks-test-1: rolling upgrade failed"},
		{Event{Type: "Microsoft.Storage.BlobCreated", Subject: "/blobServices/default"}, "Microsoft.Storage.BlobCreated (/blobServices/default)"},
	} {
		if got := tt.e.Describe(); got != tt.want {
			t.Errorf("Describe(%s) = %q, want %q", tt.e.Type, got, tt.want)
		}
	}
}

func TestDecodePayload(t *testing.T) {
	e := Event{Type: EventStageHalted}
	if err := e.DecodePayload([]byte(`{"stage":"test","target":"1.31.4","cluster":"/x/aks-1","reason":"drain"}`)); err != nil {
		t.Fatal(err)
	}
	if e.Stage == nil || e.Stage.Target != (Target{TargetKubernetes, "1.31.4"}) || e.Cluster != "/x/aks-1" {
		t.Errorf("decoded %+v, cluster %q", e.Stage, e.Cluster)
	}
	bad := Event{Type: EventNewKubernetesVersion}
	if err := bad.DecodePayload([]byte(`{}`)); err == nil {
		t.Error("an Azure type decoded as an engine payload")
	}
	if !EventStageProven.Engine() || EventNewKubernetesVersion.Engine() || !EventNewKubernetesVersion.Enveloped() {
		t.Error("Engine/Enveloped disagree with the types' origins")
	}
	if EventType("microsoft.containerservice.newkubernetesversionavailable").Canonical() != EventNewKubernetesVersion {
		t.Error("Canonical does not fold case")
	}
}
