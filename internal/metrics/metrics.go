// Package metrics serves aksupgrade's numbers to Prometheus at /metrics:
// notification deliveries, Event Grid webhook deliveries, the state of
// the fleet as the engine's last plan sees it, and which replica leads.
//
// It adapts the Prometheus client library. Nothing is counted here: the
// collectors read their sources at scrape time and turn the numbers into
// constant metrics, so there is no second set of counters to keep in
// step with the first. Each Handler has a registry of its own (no global
// one), with the Go runtime and process collectors on it.
package metrics

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/lease"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/planner"
)

const namespace = "aksupgrade"

// Sources are where the numbers come from; the metrics of a nil one are
// left out.
type Sources struct {
	// Notify gives the notification dispatcher's counters per receiver
	// (notify.Dispatcher.Stats).
	Notify func() map[string]notify.ReceiverStats
	// Webhook gives the Event Grid webhook's counters
	// (eventgrid.Handler.Stats).
	Webhook func() eventgrid.Stats
	// Plan gives the engine's last plan (engine.Engine.LastPlan).
	Plan func() (*planner.Result, error)
	// Lease says which replica leads (lease.Elector.Status).
	Lease func() lease.Status
}

// Handler returns the /metrics handler: a registry of its own with the Go
// and process collectors and one collector per non-nil source, served in
// the Prometheus text format.
func Handler(s Sources) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if s.Notify != nil {
		reg.MustRegister(notifyCollector{stats: s.Notify})
	}
	if s.Webhook != nil {
		reg.MustRegister(webhookCollector{stats: s.Webhook})
	}
	if s.Plan != nil {
		reg.MustRegister(planCollector{plan: s.Plan})
	}
	if s.Lease != nil {
		reg.MustRegister(leaseCollector{status: s.Lease})
	}
	// ContinueOnError: one bad metric must not hide the others; errors
	// are counted in promhttp_metric_handler_errors_total.
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:      reg,
		ErrorHandling: promhttp.ContinueOnError,
	})
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil)
}

// notifyCollector reads the notification dispatcher's counters.
type notifyCollector struct {
	stats func() map[string]notify.ReceiverStats
}

var (
	notifySent = desc("notifications_sent_total",
		"Notifications the receiver accepted, since the process started.", "receiver")
	notifyFailed = desc("notifications_failed_total",
		"Notifications given up on for good (not retryable, or out of attempts), since the process started; see GET /api/v1/notifications for why.", "receiver")
	notifyRetried = desc("notifications_retried_total",
		"Failed sends scheduled again after a backoff, since the process started.", "receiver")
)

func (notifyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- notifySent
	ch <- notifyFailed
	ch <- notifyRetried
}

func (c notifyCollector) Collect(ch chan<- prometheus.Metric) {
	for receiver, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(notifySent, prometheus.CounterValue, float64(s.Sent), receiver)
		ch <- prometheus.MustNewConstMetric(notifyFailed, prometheus.CounterValue, float64(s.Failed), receiver)
		ch <- prometheus.MustNewConstMetric(notifyRetried, prometheus.CounterValue, float64(s.Retried), receiver)
	}
}

// webhookCollector reads the Event Grid webhook's counters.
type webhookCollector struct {
	stats func() eventgrid.Stats
}

var (
	egDeliveries = desc("eventgrid_deliveries_total",
		"Event Grid webhook requests answered 200, subscription validations included.")
	egReceived = desc("eventgrid_events_received_total",
		"Events in well-formed Event Grid deliveries, whether stored or not.")
	egStored = desc("eventgrid_events_stored_total",
		"Events newly stored; each wakes the engine.")
	egDuplicate = desc("eventgrid_events_duplicate_total",
		"Events already stored (Event Grid delivers at least once); dropped.")
	egUnknown = desc("eventgrid_events_unknown_total",
		"Received events of a type aksupgrade does not read; stored without a typed payload.")
	egValidations = desc("eventgrid_validations_total",
		"Event Grid subscription validation handshakes answered.")
	egHandshakes = desc("eventgrid_handshakes_total",
		"CloudEvents abuse-protection handshakes (OPTIONS) answered.")
	egRejected = desc("eventgrid_rejected_total",
		"Event Grid webhook requests refused, by reason (unauthorized and forbidden point at a wrong secret or identity).", "reason")
)

// rejectReasons are reported even at zero, so that rate() and alerts see
// the series from the start.
var rejectReasons = []string{
	eventgrid.RejectUnauthorized,
	eventgrid.RejectForbidden,
	eventgrid.RejectMethod,
	eventgrid.RejectTooLarge,
	eventgrid.RejectMediaType,
	eventgrid.RejectBadRequest,
	eventgrid.RejectUnavailable,
}

func (webhookCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{egDeliveries, egReceived, egStored, egDuplicate, egUnknown, egValidations, egHandshakes, egRejected} {
		ch <- d
	}
}

func (c webhookCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(egDeliveries, s.Deliveries)
	counter(egReceived, s.Received)
	counter(egStored, s.Stored)
	counter(egDuplicate, s.Duplicates)
	counter(egUnknown, s.Unknown)
	counter(egValidations, s.Validations)
	counter(egHandshakes, s.Handshakes)
	for _, r := range rejectReasons {
		counter(egRejected, s.Rejected[r], r)
	}
	for r, n := range s.Rejected {
		if !slices.Contains(rejectReasons, r) {
			counter(egRejected, n, r)
		}
	}
}

// planCollector reads the engine's last plan.
type planCollector struct {
	plan func() (*planner.Result, error)
}

var (
	planOK = desc("plan_ok",
		"1 when the engine's last planning succeeded; 0 before the first plan or when the last one failed (see GET /api/v1/status), and then the other plan gauges are absent.")
	planTimestamp = desc("plan_timestamp_seconds",
		"When the engine made its last plan, in seconds since the Unix epoch.")
	clusters = desc("clusters",
		"Clusters of a stage by their state in the last plan (upToDate, starting, upgrading, waiting, awaitingApproval, blocked, halted, conflict).", "stage", "state")
	stageHalted = desc("stage_halted",
		"1 when the stage is halted in the last plan (a failed upgrade or check; an operator must retry it), else 0.", "stage")
	targetPending = desc("target_clusters_pending",
		"Clusters of a stage still to move to a target (a Kubernetes version or \"node image <release>\") in the last plan.", "stage", "target")
	awaitingApproval = desc("rollouts_awaiting_approval",
		"Targets waiting in some stage for an operator's approval in the last plan.")
	unmanaged = desc("clusters_unmanaged",
		"Clusters no stage of the policy selects; aksupgrade leaves them alone.")
	conflict = desc("clusters_conflict",
		"Clusters that AKS upgrades by itself (an auto-upgrade channel, or a node OS channel that reimages); aksupgrade does not touch them.")
	unplaced = desc("clusters_unplaced",
		"Clusters the policy cannot place, such as one selected by two stages.")
)

// clusterStates are reported per stage even at zero, so that a state
// emptying shows as 0 rather than a missing series.
var clusterStates = []planner.ClusterState{
	planner.ClusterUpToDate,
	planner.ClusterStarting,
	planner.ClusterUpgrading,
	planner.ClusterWaiting,
	planner.ClusterApproval,
	planner.ClusterBlocked,
	planner.ClusterHalted,
	planner.ClusterConflict,
	planner.ClusterHeld,
	planner.ClusterGated,
}

func (planCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{planOK, planTimestamp, clusters, stageHalted, targetPending, awaitingApproval, unmanaged, conflict, unplaced} {
		ch <- d
	}
}

func (c planCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	res, err := c.plan()
	if err != nil || res == nil {
		gauge(planOK, 0)
		return
	}
	gauge(planOK, 1)
	gauge(planTimestamp, float64(res.Now.UnixNano())/1e9)

	// Counted into maps first: a label set may appear once only, even if
	// a plan names a stage or a target twice.
	type stageState struct{ stage, state string }
	type stageTarget struct{ stage, target string }
	states := map[stageState]int{}
	halted := map[string]bool{}
	pending := map[stageTarget]int{}
	approvals := 0
	for _, sp := range res.Stages {
		for _, st := range clusterStates {
			states[stageState{sp.Name, string(st)}] += 0
		}
		for _, cp := range sp.Clusters {
			states[stageState{sp.Name, cmp.Or(string(cp.State), "unknown")}]++
		}
		halted[sp.Name] = halted[sp.Name] || sp.Halted != ""
		for _, tp := range sp.Targets {
			pending[stageTarget{sp.Name, tp.Target.String()}] += tp.Pending
			if tp.State == planner.TargetApproval {
				approvals++
			}
		}
	}
	for k, n := range states {
		gauge(clusters, float64(n), k.stage, k.state)
	}
	for stage, h := range halted {
		gauge(stageHalted, boolFloat(h), stage)
	}
	for k, n := range pending {
		gauge(targetPending, float64(n), k.stage, k.target)
	}
	gauge(awaitingApproval, float64(approvals))
	gauge(unmanaged, float64(len(res.Unmanaged)))
	gauge(conflict, float64(len(res.Conflicts)))
	gauge(unplaced, float64(len(res.Errors)))
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
