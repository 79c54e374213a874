package engine

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// An end-of-support notice arrives as a scheduled event but announces no
// maintenance: it does not go on the calendar the planner keeps clear of.
func TestCalendarLeavesOutEndOfSupportNotices(t *testing.T) {
	const cluster = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1"
	at := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
	c := calendar{loaded: true, byKey: map[string]*Maintenance{}}
	notice := &aksupgrade.ScheduledMaintenance{EventID: "e1", EventSource: aksupgrade.MaintenanceSourceEOL, Status: aksupgrade.MaintenanceScheduled,
		ScheduledTime: at.Add(5 * 24 * time.Hour), EndOfSupport: &aksupgrade.EndOfSupportNotice{KubernetesVersion: "1.32.3", DaysUntilEOL: 5}}
	upgrade := &aksupgrade.ScheduledMaintenance{EventID: "e2", EventSource: "AutoUpgrader", Status: aksupgrade.MaintenanceScheduled, ScheduledTime: at.Add(24 * time.Hour)}
	for _, m := range []*aksupgrade.ScheduledMaintenance{notice, upgrade} {
		c.add(aksupgrade.Event{Type: aksupgrade.EventScheduledMaintenance, Cluster: cluster, Time: at, Maintenance: m})
	}
	if len(c.byKey) != 1 || c.byKey[aksupgrade.NormalizeID(cluster)+"|e2"] == nil {
		t.Errorf("calendar %v, want only the maintenance e2", c.byKey)
	}
}
