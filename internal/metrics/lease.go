package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aksupgrade/aksupgrade/internal/lease"
)

// leaseCollector says which replica leads.
type leaseCollector struct {
	status func() lease.Status
}

var (
	leaseLeading = desc("lease_leading",
		"1 when this replica holds the lease and runs the engine, 0 when it follows (exactly one replica of a store should say 1).", "replica")
	leaseEpoch = desc("lease_epoch",
		"The lease's epoch as this replica last saw it; it grows by one with every change of leader.")
	leaseLeader = desc("lease_leader_info",
		"Always 1; the replica that holds the lease, as this replica last saw it.", "leader")
	leaseHealthy = desc("lease_store_reachable",
		"1 when this replica's last attempt to take or renew the lease reached the store, else 0.")
)

func (leaseCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- leaseLeading
	ch <- leaseEpoch
	ch <- leaseLeader
	ch <- leaseHealthy
}

func (c leaseCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.status()
	ch <- prometheus.MustNewConstMetric(leaseLeading, prometheus.GaugeValue, boolValue(s.Leading), s.Self)
	ch <- prometheus.MustNewConstMetric(leaseEpoch, prometheus.GaugeValue, float64(s.Lease.Epoch))
	if s.Lease.Holder != "" {
		ch <- prometheus.MustNewConstMetric(leaseLeader, prometheus.GaugeValue, 1, s.Lease.Holder)
	}
	ch <- prometheus.MustNewConstMetric(leaseHealthy, prometheus.GaugeValue, boolValue(s.Err == nil))
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
