package app_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/demo"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// counting is a receiver that counts what it accepts.
type counting struct {
	mu sync.Mutex
	n  int
}

func (c *counting) Name() string { return "terminal" }

func (c *counting) Send(context.Context, notify.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return nil
}

// TestMetrics: the app serves /metrics with what its parts did — messages
// the receiver accepted, webhook handshakes and refusals, and the fleet
// by stage and state as the last plan has it.
func TestMetrics(t *testing.T) {
	rec := &counting{}
	env := apptest.Start(t, func(o *app.Options) {
		o.Receivers = map[string]notify.Receiver{"terminal": rec}
		o.WebhookSecrets = []string{"s3cret"}
	})
	ctx := context.Background()
	if got := scrapeApp(t, env.API.URL)["aksupgrade_plan_ok"]; got == nil || got.GetMetric()[0].GetGauge().GetValue() != 0 {
		t.Errorf("aksupgrade_plan_ok before the first plan: %v, want 0", got)
	}
	// One subscription refused (wrong secret), one accepted.
	sub := simulator.EventSubscription{Name: "aks", Endpoint: env.API.URL + "/webhooks/eventgrid", MaxEventsPerBatch: 10}
	sub.Headers = map[string]string{"X-Aksupgrade-Secret": "wrong"}
	if _, err := env.Sim.SubscribeContext(t.Context(), sub); err == nil {
		t.Fatal("a subscription with a wrong secret passed the handshake")
	}
	sub.Headers = map[string]string{"X-Aksupgrade-Secret": "s3cret"}
	if _, err := env.Sim.SubscribeContext(t.Context(), sub); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	for range 8 { // eight hours: 1.31.5 starts in sandbox and dev
		env.Run(t, time.Hour)
		if _, err := env.App.Notify(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rec.mu.Lock()
	delivered := rec.n
	rec.mu.Unlock()
	if delivered == 0 {
		t.Fatal("no message delivered in eight hours")
	}

	fams := scrapeApp(t, env.API.URL)
	if got := sumOf(fams, "aksupgrade_notifications_sent_total", map[string]string{"receiver": "terminal"}); got != float64(delivered) {
		t.Errorf(`aksupgrade_notifications_sent_total{receiver="terminal"} = %v, want %d (the messages the receiver got)`, got, delivered)
	}
	if got := sumOf(fams, "aksupgrade_eventgrid_rejected_total", nil); got < 1 {
		t.Errorf("aksupgrade_eventgrid_rejected_total = %v, want the wrong secret counted", got)
	}
	if got := sumOf(fams, "aksupgrade_eventgrid_validations_total", nil) + sumOf(fams, "aksupgrade_eventgrid_handshakes_total", nil); got < 1 {
		t.Errorf("validations + handshakes = %v, want the accepted subscription counted", got)
	}
	if got := sumOf(fams, "aksupgrade_plan_ok", nil); got != 1 {
		t.Errorf("aksupgrade_plan_ok = %v, want 1", got)
	}
	// Every stage of the policy has its clusters counted, and the counts
	// add up to the plan's.
	pol, err := policy.Parse("demo", demo.Policy())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := env.App.Engine.LastPlan()
	if err != nil || plan == nil {
		t.Fatalf("last plan: %v, %v", plan, err)
	}
	if got, want := sumOf(fams, "aksupgrade_plan_timestamp_seconds", nil), float64(plan.Now.UnixNano())/1e9; got != want {
		t.Errorf("aksupgrade_plan_timestamp_seconds = %v, want %v (the last plan's time)", got, want)
	}
	inPlan := map[string]int{}
	for _, sp := range plan.Stages {
		inPlan[sp.Name] = len(sp.Clusters)
	}
	for _, s := range pol.Stages {
		if !hasSeries(fams, "aksupgrade_clusters", map[string]string{"stage": s.Name}) {
			t.Errorf("no aksupgrade_clusters series for stage %s", s.Name)
			continue
		}
		if got := sumOf(fams, "aksupgrade_clusters", map[string]string{"stage": s.Name}); got != float64(inPlan[s.Name]) {
			t.Errorf(`sum(aksupgrade_clusters{stage=%q}) = %v, want %d`, s.Name, got, inPlan[s.Name])
		}
		if !hasSeries(fams, "aksupgrade_stage_halted", map[string]string{"stage": s.Name}) {
			t.Errorf("no aksupgrade_stage_halted series for stage %s", s.Name)
		}
	}
	if got := sumOf(fams, "aksupgrade_clusters", map[string]string{"state": "upgrading"}) +
		sumOf(fams, "aksupgrade_clusters", map[string]string{"state": "starting"}) +
		sumOf(fams, "aksupgrade_clusters", map[string]string{"state": "upToDate"}); got == 0 {
		t.Error("eight hours in, no cluster upgrading, starting or up to date")
	}
}

// scrapeApp GETs /metrics from the app's API and parses it.
func scrapeApp(t *testing.T, api string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// matching returns the series of family name whose labels include want.
func matching(fams map[string]*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range fams[name].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range want {
			ok = ok && labels[k] == v
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

func hasSeries(fams map[string]*dto.MetricFamily, name string, want map[string]string) bool {
	return len(matching(fams, name, want)) > 0
}

// sumOf adds up the counters and gauges of family name whose labels
// include want.
func sumOf(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	for _, m := range matching(fams, name, want) {
		sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return sum
}
