package metrics_test

import (
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/lease"
	"github.com/aksupgrade/aksupgrade/internal/metrics"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// scrape serves h over loopback HTTP, GETs it and returns the metric
// families by name. It GETs twice: the handler serves what it can when a
// collector errs (a duplicate series, say) and counts the error in
// promhttp_metric_handler_errors_total, which shows from the next scrape
// on; a count above zero fails the test.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func() map[string]*dto.MetricFamily {
		resp, err := http.Get(srv.URL)
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
			t.Fatalf("parse exposition: %v", err)
		}
		return fams
	}
	fams := get()
	for _, m := range get()["promhttp_metric_handler_errors_total"].GetMetric() {
		if v := m.GetCounter().GetValue(); v != 0 {
			t.Errorf("promhttp_metric_handler_errors_total%v = %v after one scrape, want 0", m.GetLabel(), v)
		}
	}
	return fams
}

// values flattens the named families into "name{l=v,...}" → value;
// labels come in the order the exposition gives them (sorted by name).
func values(fams map[string]*dto.MetricFamily, names ...string) map[string]float64 {
	out := map[string]float64{}
	for _, name := range names {
		f, ok := fams[name]
		if !ok {
			continue
		}
		for _, m := range f.GetMetric() {
			key := name
			if len(m.GetLabel()) > 0 {
				key += "{"
				for i, l := range m.GetLabel() {
					if i > 0 {
						key += ","
					}
					key += l.GetName() + "=" + l.GetValue()
				}
				key += "}"
			}
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			default:
				out[key] = m.GetUntyped().GetValue()
			}
		}
	}
	return out
}

func TestNotify(t *testing.T) {
	h := metrics.Handler(metrics.Sources{Notify: func() map[string]notify.ReceiverStats {
		return map[string]notify.ReceiverStats{
			"ops":   {Sent: 3, Failed: 1, Retried: 2},
			"slack": {Sent: 7},
		}
	}})
	fams := scrape(t, h)
	got := values(fams, "aksupgrade_notifications_sent_total", "aksupgrade_notifications_failed_total", "aksupgrade_notifications_retried_total")
	want := map[string]float64{
		"aksupgrade_notifications_sent_total{receiver=ops}":      3,
		"aksupgrade_notifications_failed_total{receiver=ops}":    1,
		"aksupgrade_notifications_retried_total{receiver=ops}":   2,
		"aksupgrade_notifications_sent_total{receiver=slack}":    7,
		"aksupgrade_notifications_failed_total{receiver=slack}":  0,
		"aksupgrade_notifications_retried_total{receiver=slack}": 0,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("notification metrics (-want +got):\n%s", d)
	}
	if typ := fams["aksupgrade_notifications_sent_total"].GetType(); typ != dto.MetricType_COUNTER {
		t.Errorf("sent is a %v, want a counter", typ)
	}
}

// TestNotifyReadAtScrape: the numbers are the source's at each scrape,
// not copies taken when the handler was made.
func TestNotifyReadAtScrape(t *testing.T) {
	var sent atomic.Int64
	h := metrics.Handler(metrics.Sources{Notify: func() map[string]notify.ReceiverStats {
		return map[string]notify.ReceiverStats{"ops": {Sent: sent.Load()}}
	}})
	for _, want := range []int64{1, 5} {
		sent.Store(want)
		got := values(scrape(t, h), "aksupgrade_notifications_sent_total")["aksupgrade_notifications_sent_total{receiver=ops}"]
		if got != float64(want) {
			t.Errorf("sent = %v, want %d", got, want)
		}
	}
}

func TestWebhook(t *testing.T) {
	h := metrics.Handler(metrics.Sources{Webhook: func() eventgrid.Stats {
		return eventgrid.Stats{
			Deliveries: 10, Received: 12, Stored: 9, Duplicates: 3, Unknown: 2, Validations: 1, Handshakes: 4,
			Rejected: map[string]uint64{eventgrid.RejectUnauthorized: 5, eventgrid.RejectTooLarge: 1, "something_new": 2},
		}
	}})
	fams := scrape(t, h)
	got := values(fams,
		"aksupgrade_eventgrid_deliveries_total",
		"aksupgrade_eventgrid_events_received_total",
		"aksupgrade_eventgrid_events_stored_total",
		"aksupgrade_eventgrid_events_duplicate_total",
		"aksupgrade_eventgrid_events_unknown_total",
		"aksupgrade_eventgrid_validations_total",
		"aksupgrade_eventgrid_handshakes_total",
		"aksupgrade_eventgrid_rejected_total",
	)
	want := map[string]float64{
		"aksupgrade_eventgrid_deliveries_total":                              10,
		"aksupgrade_eventgrid_events_received_total":                         12,
		"aksupgrade_eventgrid_events_stored_total":                           9,
		"aksupgrade_eventgrid_events_duplicate_total":                        3,
		"aksupgrade_eventgrid_events_unknown_total":                          2,
		"aksupgrade_eventgrid_validations_total":                             1,
		"aksupgrade_eventgrid_handshakes_total":                              4,
		"aksupgrade_eventgrid_rejected_total{reason=unauthorized}":           5,
		"aksupgrade_eventgrid_rejected_total{reason=too_large}":              1,
		"aksupgrade_eventgrid_rejected_total{reason=something_new}":          2,
		"aksupgrade_eventgrid_rejected_total{reason=forbidden}":              0,
		"aksupgrade_eventgrid_rejected_total{reason=method_not_allowed}":     0,
		"aksupgrade_eventgrid_rejected_total{reason=unsupported_media_type}": 0,
		"aksupgrade_eventgrid_rejected_total{reason=bad_request}":            0,
		"aksupgrade_eventgrid_rejected_total{reason=unavailable}":            0,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("webhook metrics (-want +got):\n%s", d)
	}
}

func testPlan() *planner.Result {
	k131 := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.5"}
	img := aksupgrade.Target{Kind: aksupgrade.TargetNodeImage, Version: "202501.12.0"}
	return &planner.Result{
		Now: time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC),
		Stages: []planner.StagePlan{
			{
				Name: "dev",
				Targets: []planner.TargetPlan{
					{Target: k131, State: planner.TargetRolling, Pending: 2, Done: 1},
					{Target: img, State: planner.TargetApproval, Pending: 3},
				},
				Clusters: []planner.ClusterPlan{
					{Cluster: "a", State: planner.ClusterUpToDate},
					{Cluster: "b", State: planner.ClusterUpgrading},
					{Cluster: "c", State: planner.ClusterWaiting},
					{Cluster: "d", State: planner.ClusterWaiting},
				},
			},
			{
				Name:   "prod",
				Halted: "upgrade of e failed",
				Targets: []planner.TargetPlan{
					{Target: k131, State: planner.TargetHalted, Pending: 2},
				},
				Clusters: []planner.ClusterPlan{
					{Cluster: "e", State: planner.ClusterHalted},
					{Cluster: "f", State: planner.ClusterHalted},
				},
			},
		},
		Unmanaged: []planner.ClusterNote{{Cluster: "x"}},
		Conflicts: []planner.ClusterNote{{Cluster: "y"}, {Cluster: "z"}},
		Errors:    []planner.ClusterNote{{Cluster: "w"}},
	}
}

var planNames = []string{
	"aksupgrade_plan_ok",
	"aksupgrade_plan_timestamp_seconds",
	"aksupgrade_clusters",
	"aksupgrade_stage_halted",
	"aksupgrade_target_clusters_pending",
	"aksupgrade_rollouts_awaiting_approval",
	"aksupgrade_clusters_unmanaged",
	"aksupgrade_clusters_conflict",
	"aksupgrade_clusters_unplaced",
}

func TestPlan(t *testing.T) {
	h := metrics.Handler(metrics.Sources{Plan: func() (*planner.Result, error) { return testPlan(), nil }})
	got := values(scrape(t, h), planNames...)
	want := map[string]float64{
		"aksupgrade_plan_ok":                                                          1,
		"aksupgrade_plan_timestamp_seconds":                                           float64(time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC).Unix()),
		"aksupgrade_stage_halted{stage=dev}":                                          0,
		"aksupgrade_stage_halted{stage=prod}":                                         1,
		"aksupgrade_target_clusters_pending{stage=dev,target=1.31.5}":                 2,
		"aksupgrade_target_clusters_pending{stage=dev,target=node image 202501.12.0}": 3,
		"aksupgrade_target_clusters_pending{stage=prod,target=1.31.5}":                2,
		"aksupgrade_rollouts_awaiting_approval":                                       1,
		"aksupgrade_clusters_unmanaged":                                               1,
		"aksupgrade_clusters_conflict":                                                2,
		"aksupgrade_clusters_unplaced":                                                1,
	}
	// Every state of every stage is there, at zero when no cluster is in it.
	for _, stage := range []string{"dev", "prod"} {
		for _, st := range []string{"upToDate", "starting", "upgrading", "waiting", "awaitingApproval", "blocked", "halted", "conflict", "held", "gated"} {
			want["aksupgrade_clusters{stage="+stage+",state="+st+"}"] = 0
		}
	}
	want["aksupgrade_clusters{stage=dev,state=upToDate}"] = 1
	want["aksupgrade_clusters{stage=dev,state=upgrading}"] = 1
	want["aksupgrade_clusters{stage=dev,state=waiting}"] = 2
	want["aksupgrade_clusters{stage=prod,state=halted}"] = 2
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("plan metrics (-want +got):\n%s", d)
	}
}

// TestNoPlan: before the first plan, or when the last one failed, only
// plan_ok is there, at 0.
func TestNoPlan(t *testing.T) {
	for name, plan := range map[string]func() (*planner.Result, error){
		"none yet": func() (*planner.Result, error) { return nil, nil },
		"failed":   func() (*planner.Result, error) { return nil, errors.New("observe: arm unreachable") },
		"failed with a result": func() (*planner.Result, error) {
			return testPlan(), errors.New("plan: policy broken")
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := values(scrape(t, metrics.Handler(metrics.Sources{Plan: plan})), planNames...)
			if d := cmp.Diff(map[string]float64{"aksupgrade_plan_ok": 0}, got); d != "" {
				t.Errorf("plan metrics (-want +got):\n%s", d)
			}
		})
	}
}

// TestNilSources: a nil source leaves its metrics out; the Go runtime and
// process metrics are always there.
func TestNilSources(t *testing.T) {
	fams := scrape(t, metrics.Handler(metrics.Sources{}))
	for name := range fams {
		if strings.HasPrefix(name, "aksupgrade_") {
			t.Errorf("metric %s with no sources", name)
		}
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
}

// TestHandlersIndependent: each handler has a registry of its own, so two
// can live in one process (two apps in one test binary) without a
// duplicate registration panic, each showing its own numbers.
func TestHandlersIndependent(t *testing.T) {
	mk := func(n int64) http.Handler {
		return metrics.Handler(metrics.Sources{Notify: func() map[string]notify.ReceiverStats {
			return map[string]notify.ReceiverStats{"ops": {Sent: n}}
		}})
	}
	a, b := mk(1), mk(2)
	for i, h := range []http.Handler{a, b} {
		want := float64(i + 1)
		if got := values(scrape(t, h), "aksupgrade_notifications_sent_total")["aksupgrade_notifications_sent_total{receiver=ops}"]; got != want {
			t.Errorf("handler %d: sent = %v, want %v", i, got, want)
		}
	}
}

// TestLease: which replica leads, read at scrape time.
func TestLease(t *testing.T) {
	st := lease.Status{Self: "pod-b/7/x", Lease: store.Lease{Holder: "pod-a/1/y", Epoch: 4}}
	h := metrics.Handler(metrics.Sources{Lease: func() lease.Status { return st }})
	names := []string{"aksupgrade_lease_leading", "aksupgrade_lease_epoch", "aksupgrade_lease_leader_info", "aksupgrade_lease_store_reachable"}
	want := map[string]float64{
		"aksupgrade_lease_leading{replica=pod-b/7/x}":    0,
		"aksupgrade_lease_epoch":                         4,
		"aksupgrade_lease_leader_info{leader=pod-a/1/y}": 1,
		"aksupgrade_lease_store_reachable":               1,
	}
	if got := values(scrape(t, h), names...); !maps.Equal(got, want) {
		t.Errorf("following: %v, want %v", got, want)
	}
	st = lease.Status{Self: "pod-b/7/x", Leading: true, Lease: store.Lease{Holder: "pod-b/7/x", Epoch: 5}, Err: errors.New("timeout")}
	want = map[string]float64{
		"aksupgrade_lease_leading{replica=pod-b/7/x}":    1,
		"aksupgrade_lease_epoch":                         5,
		"aksupgrade_lease_leader_info{leader=pod-b/7/x}": 1,
		"aksupgrade_lease_store_reachable":               0,
	}
	if got := values(scrape(t, h), names...); !maps.Equal(got, want) {
		t.Errorf("leading, store unreachable: %v, want %v", got, want)
	}
}
