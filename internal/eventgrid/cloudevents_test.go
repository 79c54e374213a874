package eventgrid_test

import (
	"net/http"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/eventgrid"

	"github.com/aksupgrade/aksupgrade"
)

// TestCloudEventsClient: the CloudEvents SDK, sending in structured mode
// as Event Grid does, delivers to the webhook and the event is stored.
func TestCloudEventsClient(t *testing.T) {
	f := newFixture(t, nil)
	const cluster = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/aks-dev-01"
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

	send := func(t *testing.T, secret string, e cloudevents.Event) (int, error) {
		t.Helper()
		c, err := cloudevents.NewClientHTTP(
			cehttp.WithTarget(f.srv.URL+webhookPath),
			cehttp.WithHeader(eventgrid.HeaderSecret, secret),
			cehttp.WithClient(*f.srv.Client()),
		)
		if err != nil {
			t.Fatal(err)
		}
		res := c.Send(binding.WithForceStructured(t.Context()), e)
		var hr *cehttp.Result
		if !cloudevents.ResultAs(res, &hr) {
			t.Fatalf("Send: %v", res)
		}
		if cloudevents.IsACK(res) {
			return hr.StatusCode, nil
		}
		return hr.StatusCode, res
	}

	e := cloudevents.NewEvent()
	e.SetID("9d7c1b2e-0f4a-4c57-9f0b-3f1e2d4c5b6a")
	e.SetSource(cluster)
	e.SetType(string(aksupgrade.EventClusterSupportEnding))
	e.SetSubject("aks-dev-01")
	e.SetTime(at)
	if err := e.SetData(cloudevents.ApplicationJSON, map[string]string{"kubernetesVersion": "1.28.5"}); err != nil {
		t.Fatal(err)
	}

	if status, err := send(t, "wrong", e); status != http.StatusUnauthorized {
		t.Fatalf("with a wrong secret: %d, %v; want 401", status, err)
	}
	if status, err := send(t, testSecret, e); status != http.StatusOK || err != nil {
		t.Fatalf("Send: %d, %v; want 200", status, err)
	}
	if status, err := send(t, testSecret, e); status != http.StatusOK || err != nil {
		t.Fatalf("Send again: %d, %v; want 200", status, err)
	}

	events := f.events()
	if len(events) != 1 {
		t.Fatalf("stored %d events, want 1", len(events))
	}
	got, err := eventgrid.Parse(events[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	want := eventgrid.Event{
		Schema: eventgrid.SchemaCloudEvents, ID: e.ID(), Type: aksupgrade.EventClusterSupportEnding,
		Source: cluster, Subject: "aks-dev-01", Time: at, Cluster: cluster,
		Support: &aksupgrade.ClusterSupport{KubernetesVersion: "1.28.5"},
	}
	if diff := cmp.Diff(want, got, ignoreRaw); diff != "" {
		t.Errorf("stored event (-want +got):\n%s", diff)
	}
	if got, want := got.Describe(), "aks-dev-01 runs Kubernetes 1.28.5, which leaves support soon"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if st := f.handler.Stats(); st.Stored != 1 || st.Duplicates != 1 {
		t.Errorf("stats %+v", st)
	}
}
