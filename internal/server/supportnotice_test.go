package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/server"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// TestNoticesFollowTheFleet: a support notice is shown as it holds for
// what the cluster runs now: not at all once the cluster runs a newer
// minor, nor an "ended" one the plan shows supported; told with the patch
// the cluster runs now when it moved within the minor.
func TestNoticesFollowTheFleet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, time.Minute) // observed: sbx-01 and prod-01 on 1.31.4, supported
	f, err := e.st.Fleet(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	idOf := map[string]string{"ghost-01": "/subscriptions/6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f/resourceGroups/rg-gone/providers/Microsoft.ContainerService/managedClusters/ghost-01"}
	for _, c := range f.Clusters {
		idOf[c.Name] = c.ID
	}
	const (
		ending = aksupgrade.EventClusterSupportEnding
		ended  = aksupgrade.EventClusterSupportEnded
	)
	for i, step := range []struct {
		name    string
		cluster string
		typ     aksupgrade.EventType
		version string
		// want are the notices by cluster after the event.
		want map[string]string
	}{
		{"a minor the cluster left", "sbx-01", ended, "1.30.9", map[string]string{}},
		{"a patch the cluster left", "prod-01", ending, "1.31.3", map[string]string{
			"prod-01": "prod-01 runs Kubernetes 1.31.4, which leaves support soon"}},
		{"ended, yet the plan has it supported", "sbx-01", ended, "1.31.4", map[string]string{
			"prod-01": "prod-01 runs Kubernetes 1.31.4, which leaves support soon"}},
		{"what the cluster runs", "sbx-01", ending, "1.31.4", map[string]string{
			"sbx-01":  "sbx-01 runs Kubernetes 1.31.4, which leaves support soon",
			"prod-01": "prod-01 runs Kubernetes 1.31.4, which leaves support soon"}},
		{"a cluster not observed", "ghost-01", ended, "1.29.2", map[string]string{
			"ghost-01": "ghost-01 runs Kubernetes 1.29.2, which is out of support",
			"sbx-01":   "sbx-01 runs Kubernetes 1.31.4, which leaves support soon",
			"prod-01":  "prod-01 runs Kubernetes 1.31.4, which leaves support soon"}},
	} {
		at := e.clk.Now().Add(time.Duration(i) * time.Second)
		// As Event Grid delivers it.
		data, err := json.Marshal(map[string]any{"id": fmt.Sprint("support-", i), "topic": idOf[step.cluster], "subject": step.cluster,
			"eventType": step.typ, "eventTime": at, "data": aksupgrade.ClusterSupport{KubernetesVersion: step.version},
			"dataVersion": "1", "metadataVersion": "1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.PutEvent(t.Context(), store.Event{Key: store.EventKey{Source: "test", ID: fmt.Sprint("support-", i)}, Type: step.typ,
			Subject: step.cluster, Time: at, Data: data, ReceivedAt: at, ProcessedAt: &at}); err != nil {
			t.Fatal(err)
		}
		a := call(t, e.h, "GET", "/api/v1/status", "")
		wantStatus(t, a, http.StatusOK)
		var st server.Status
		a.decode(t, &st)
		got := map[string]string{}
		for _, n := range st.Notices {
			got[n.Cluster] = n.Summary
		}
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("after %s: notices (-want +got):\n%s", step.name, diff)
		}
	}
}
