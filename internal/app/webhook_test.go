package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// TestEventGridWakesTheEngine: the simulator, acting as Event Grid,
// delivers NewKubernetesVersionAvailable to the service's webhook over
// HTTP (handshake first, shared secret); the engine reads the region's
// catalogue again at once and starts the upgrade, long before its next
// observation would have found the version.
func TestEventGridWakesTheEngine(t *testing.T) {
	env := apptest.Start(t, func(o *app.Options) {
		o.ObserveInterval = 24 * time.Hour
		o.WebhookSecrets = []string{"old-secret", "s3cret"}
	})
	a, clk, sim, api := env.App, env.Clock, env.Sim, env.API
	start := clk.Now()
	if _, err := sim.SubscribeContext(t.Context(), simulator.EventSubscription{Name: "aks", Endpoint: api.URL + "/webhooks/eventgrid", MaxEventsPerBatch: 10,
		Headers: map[string]string{"X-Aksupgrade-Secret": "wrong"}}); err == nil {
		t.Fatal("a subscription with a wrong secret passed the handshake")
	}
	if _, err := sim.SubscribeContext(t.Context(), simulator.EventSubscription{Name: "aks", Endpoint: api.URL + "/webhooks/eventgrid", MaxEventsPerBatch: 10,
		Headers: map[string]string{"X-Aksupgrade-Secret": "s3cret"}}); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	ctx := context.Background()
	if _, err := a.Engine.Step(ctx); err != nil { // the first observation
		t.Fatal(err)
	}
	clk.Set(start.Add(2*time.Hour + 5*time.Minute)) // 1.31.5 reached westeurope at +2h
	if n := sim.DeliverDue(ctx); n == 0 {
		t.Fatal("the simulator delivered nothing")
	}
	if _, err := a.Engine.Step(ctx); err != nil {
		t.Fatal(err)
	}
	steps, err := a.Store.Steps(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	started := false
	for _, s := range steps {
		started = started || (strings.HasSuffix(s.Step.ClusterID, "sbx-weu-01") && s.Step.Version == "1.31.5")
	}
	if !started {
		t.Errorf("no upgrade of sbx-weu-01 to 1.31.5 started after the event (steps %+v); the engine waited for its next observation", steps)
	}
	// Azure's maintenance of prod-weu-03, announced 7 days ahead, is in
	// the calendar the planner avoids.
	maint := a.Engine.AzureMaintenance(clk.Now())
	if len(maint) != 1 || !strings.HasSuffix(maint[0].ClusterID, "prod-weu-03") || !maint[0].Start.Equal(start.Add(69*time.Hour)) {
		t.Errorf("Azure maintenance calendar %+v, want prod-weu-03 at +69h", maint)
	}
	evs, err := a.Store.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, e := range evs {
		if e.Type == "Microsoft.ContainerService.NewKubernetesVersionAvailable" && !strings.HasPrefix(e.Key.Source, "aksupgrade/") {
			got++
		}
	}
	if got == 0 {
		t.Error("no NewKubernetesVersionAvailable from Event Grid stored")
	}
}

// TestEventGridAtLeastOnce: Azure's scheduled maintenance of prod-weu-03
// reaches the webhook from the subscription's resource notifications
// topic twice, two hours late and newest first: each event is stored
// once, and the calendar keeps the newest status, not the one delivered
// last.
func TestEventGridAtLeastOnce(t *testing.T) {
	env := apptest.Start(t, func(o *app.Options) {
		o.ObserveInterval = 24 * time.Hour
		o.WebhookSecrets = []string{"s3cret"}
	})
	a, clk, sim, api := env.App, env.Clock, env.Sim, env.API
	start := clk.Now()
	prodSub := "/subscriptions/0b9a8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"
	if _, err := sim.SubscribeContext(t.Context(), simulator.EventSubscription{Name: "notices", Endpoint: api.URL + "/webhooks/eventgrid",
		Topic: prodSub, Duplicates: true, OutOfOrder: true, Delay: simulator.Duration(2 * time.Hour),
		Headers: map[string]string{"X-Aksupgrade-Secret": "s3cret"}}); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	ctx := context.Background()
	if _, err := a.Engine.Step(ctx); err != nil {
		t.Fatal(err)
	}
	// The maintenance starts at +69h and completes at +72h; both notices
	// arrive at +74h, Completed first, then Started; then their duplicates.
	clk.Set(start.Add(74*time.Hour + time.Minute))
	for range 3 {
		sim.DeliverDue(ctx)
	}
	if _, err := a.Engine.Step(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := a.Store.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	stored, ids := 0, map[string]bool{}
	for _, e := range evs {
		if e.Type == "Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted" {
			stored++
			ids[e.Key.ID] = true
		}
	}
	var sent int
	for _, d := range sim.Deliveries() {
		if d.Kind == "notification" {
			sent += len(d.EventIDs)
		}
	}
	if stored == 0 || stored != len(ids) || sent != 2*stored {
		t.Errorf("%d notices stored (%d distinct) of %d delivered; want each once, delivered twice", stored, len(ids), sent)
	}
	maint := a.Engine.AzureMaintenance(start.Add(70 * time.Hour))
	if len(maint) != 1 || maint[0].Status != "Completed" || !maint[0].End.Equal(start.Add(72*time.Hour)) {
		t.Errorf("calendar %+v, want prod-weu-03's maintenance Completed at +72h", maint)
	}
}
