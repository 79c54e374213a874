package engine

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/planner"
)

// AzureMaintenanceLength is how long Azure's planned maintenance of a
// cluster is assumed to last when only its start is known: Azure's
// scheduled events give a start, not an end.
const AzureMaintenanceLength = 4 * time.Hour

// Maintenance is one of Azure's own planned maintenances of a cluster, as
// its ScheduledEventEmitted events told it.
type Maintenance struct {
	ClusterID   string    `json:"clusterId"`
	EventID     string    `json:"eventId"`
	Status      string    `json:"status"`
	Description string    `json:"description,omitempty"`
	Start       time.Time `json:"start"`
	// End is Start plus AzureMaintenanceLength while it is scheduled or
	// started; when it ended for Completed, Canceled and Failed.
	End     time.Time `json:"end"`
	Updated time.Time `json:"updated"`
}

// calendar is Azure's planned maintenance per cluster, derived from the
// stored ScheduledEventEmitted events: read in full once, then kept up to
// date from each new event. It is a cache of the store, nothing more.
type calendar struct {
	mu     sync.Mutex
	loaded bool
	byKey  map[string]*Maintenance // cluster|eventId
}

func (c *calendar) add(ev aksupgrade.Event) {
	s := ev.Maintenance
	if s == nil || ev.Cluster == "" || s.IsEndOfSupport() {
		return // an end-of-support notice announces no maintenance
	}
	key := aksupgrade.NormalizeID(ev.Cluster) + "|" + s.EventID
	m := c.byKey[key]
	if m == nil {
		m = &Maintenance{ClusterID: ev.Cluster, EventID: s.EventID}
		c.byKey[key] = m
	}
	updated := s.LastUpdateTime
	if updated.IsZero() {
		updated = ev.Time
	}
	if updated.Before(m.Updated) {
		return // an older status, delivered late
	}
	m.Updated, m.Status, m.Description = updated, s.Status, s.Description
	start := s.ScheduledTime
	if !s.StartTime.IsZero() {
		start = s.StartTime
	}
	if !start.IsZero() {
		m.Start = start
	}
	switch s.Status {
	case aksupgrade.MaintenanceCompleted, aksupgrade.MaintenanceCanceled, aksupgrade.MaintenanceFailed:
		m.End = updated
	default:
		m.End = m.Start.Add(AzureMaintenanceLength)
	}
}

// load reads every stored scheduled event once.
func (e *Engine) loadCalendar(ctx context.Context) error {
	e.cal.mu.Lock()
	defer e.cal.mu.Unlock()
	if e.cal.loaded {
		return nil
	}
	evs, err := e.o.Store.Events(ctx, 0)
	if err != nil {
		return err
	}
	e.cal.byKey = map[string]*Maintenance{}
	for i := len(evs) - 1; i >= 0; i-- { // oldest first
		if evs[i].Type == aksupgrade.EventScheduledMaintenance {
			// One that cannot be read has nothing to put on the
			// calendar; the webhook counted it as unknown.
			if ev, err := eventlog.Decode(evs[i]); err == nil {
				e.cal.add(ev)
			}
		}
	}
	e.cal.loaded = true
	return nil
}

func (e *Engine) calendarAdd(ev aksupgrade.Event) {
	e.cal.mu.Lock()
	defer e.cal.mu.Unlock()
	if e.cal.loaded {
		e.cal.add(ev)
	}
}

// AzureMaintenance returns Azure's planned maintenances that have not
// ended by now, per cluster.
func (e *Engine) AzureMaintenance(now time.Time) []Maintenance {
	e.cal.mu.Lock()
	defer e.cal.mu.Unlock()
	var out []Maintenance
	for _, m := range e.cal.byKey {
		if m.End.After(now) && !m.Start.IsZero() {
			out = append(out, *m)
		}
	}
	return out
}

// spans is the planner's view of the calendar.
func (e *Engine) spans(now time.Time) map[string][]planner.Span {
	out := map[string][]planner.Span{}
	for _, m := range e.AzureMaintenance(now) {
		if strings.EqualFold(m.Status, aksupgrade.MaintenanceScheduled) || strings.EqualFold(m.Status, aksupgrade.MaintenanceStarted) {
			k := aksupgrade.NormalizeID(m.ClusterID)
			out[k] = append(out[k], planner.Span{Start: m.Start, End: m.End})
		}
	}
	return out
}
