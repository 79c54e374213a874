package simulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// The events the simulator publishes, as AKS and Azure Resource
// Notifications publish them to Event Grid. Payload sources:
//
//   - AKS system topic: https://learn.microsoft.com/azure/event-grid/event-schema-aks
//     and the data-plane spec Azure/azure-rest-api-specs
//     specification/eventgrid/data-plane/Microsoft.ContainerService/stable/2018-01-01
//     (ContainerService.json and its examples).
//   - Azure Resource Notifications, ContainerService events:
//     https://learn.microsoft.com/azure/event-grid/event-schema-containerservice-resources
//     and specification/eventgrid/data-plane/Microsoft.ResourceNotifications/stable/2018-01-01
//     (ContainerServiceEventResources.json, common.json and examples).

// Event types the simulator publishes: the domain's (package aksupgrade
// names every event type once), as the strings its wire encoding uses.
const (
	EventNewKubernetesVersionAvailable = string(aksupgrade.EventNewKubernetesVersion)
	EventClusterSupportEnding          = string(aksupgrade.EventClusterSupportEnding)
	EventClusterSupportEnded           = string(aksupgrade.EventClusterSupportEnded)
	EventNodePoolRollingStarted        = string(aksupgrade.EventNodePoolRollingStarted)
	EventNodePoolRollingSucceeded      = string(aksupgrade.EventNodePoolRollingSucceeded)
	EventNodePoolRollingFailed         = string(aksupgrade.EventNodePoolRollingFailed)
	EventScheduledEventEmitted         = string(aksupgrade.EventScheduledMaintenance)
)

// EventTypes lists the event types the simulator publishes.
func EventTypes() []string {
	return []string{
		EventNewKubernetesVersionAvailable, EventClusterSupportEnding, EventClusterSupportEnded,
		EventNodePoolRollingStarted, EventNodePoolRollingSucceeded, EventNodePoolRollingFailed,
		EventScheduledEventEmitted,
	}
}

// Event is an event the simulator published, before it is put in a
// delivery schema.
type Event struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Time is when it happened on the simulated clock (eventTime / time).
	Time time.Time `json:"time"`
	// Source is the Event Grid schema's topic, the CloudEvents source.
	Source  string          `json:"source"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`
}

// Data of the AKS events.
type newVersionData struct {
	LatestSupportedKubernetesVersion string `json:"latestSupportedKubernetesVersion"`
	LatestStableKubernetesVersion    string `json:"latestStableKubernetesVersion"`
	LowestMinorKubernetesVersion     string `json:"lowestMinorKubernetesVersion"`
	// LatestPreviewKubernetesVersion is absent when no minor is in
	// preview.
	LatestPreviewKubernetesVersion string `json:"latestPreviewKubernetesVersion,omitempty"`
}

type clusterSupportData struct {
	KubernetesVersion string `json:"kubernetesVersion"`
}

// nodePoolRollingData is the data of the three NodePoolRolling events. AKS
// sends the pool's name only, a failure included: no error code or message.
type nodePoolRollingData struct {
	NodePoolName string `json:"nodePoolName"`
}

// scheduledEventData is ARN's ResourceNotificationsResourceUpdatedEventData
// for a ContainerService scheduled event. D is the type of eventDetails:
// text for maintenance, an object for end-of-support notices.
type scheduledEventData[D any] struct {
	ResourceInfo    scheduledEventResource[D] `json:"resourceInfo"`
	OperationalInfo struct {
		ResourceEventTime string `json:"resourceEventTime"`
	} `json:"operationalInfo"`
	APIVersion string `json:"apiVersion"`
}

type scheduledEventResource[D any] struct {
	ID         string                      `json:"id"`
	Name       string                      `json:"name"`
	Type       string                      `json:"type"`
	Location   string                      `json:"location"`
	Properties scheduledEventProperties[D] `json:"properties"`
}

type scheduledEventProperties[D any] struct {
	Description    string   `json:"description"`
	EventID        string   `json:"eventId"`
	EventSource    string   `json:"eventSource"`
	EventStatus    string   `json:"eventStatus"`
	EventDetails   D        `json:"eventDetails"`
	ScheduledTime  string   `json:"scheduledTime"`
	StartTime      string   `json:"startTime"`
	LastUpdateTime string   `json:"lastUpdateTime"`
	Resources      []string `json:"resources"`
	ResourceType   string   `json:"resourceType"`
}

// Time formats Azure uses in these payloads: seven fractional digits, and
// none of a zone in ARN's resourceEventTime.
const (
	azureTime     = "2006-01-02T15:04:05.0000000Z07:00"
	azureTimeNoTZ = "2006-01-02T15:04:05.0000000"
)

// MaintenanceEvent is Azure-initiated planned maintenance of a cluster
// (an underlay migration, a Konnectivity tunnel switch), announced with
// Azure Resource Notifications ScheduledEventEmitted events: Scheduled 7
// days and 24 hours ahead (at the scenario start when that is already
// past), Started at the start and Completed at the end, or Canceled at the
// start when Canceled is set.
type MaintenanceEvent struct {
	// ID is the scheduled event's eventId; a GUID is made up when empty.
	ID string `yaml:"id,omitempty" json:"id,omitempty"`
	// Cluster is a cluster name or ARM resource ID.
	Cluster string `yaml:"cluster" json:"cluster"`
	// After is when the maintenance starts, from the scenario start.
	After Duration `yaml:"after" json:"after"`
	// Duration is how long it lasts.
	Duration Duration `yaml:"duration,omitempty" json:"duration,omitempty"`
	// Description is the event's eventDetails.
	Description string `yaml:"description" json:"description"`
	// Source is the event's eventSource (default AutoUpgrader).
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	// Canceled: AKS calls it off; a Canceled notice replaces Started and
	// Completed.
	Canceled bool `yaml:"canceled,omitempty" json:"canceled,omitempty"`
}

// Scheduled event statuses (Azure spells Canceled with one l).
const (
	maintScheduled = "Scheduled"
	maintStarted   = "Started"
	maintCompleted = "Completed"
	maintCanceled  = "Canceled"
)

// maintenanceNotice is one ScheduledEventEmitted to publish.
type maintenanceNotice struct {
	at      time.Time
	status  string
	m       *MaintenanceEvent
	cluster *clusterState
	start   time.Time // of the maintenance
}

// eventLog holds what the simulator published and the maintenance notices
// still to come.
type eventLog struct {
	seq        uint64
	published  []Event
	notices    []maintenanceNotice // in time order
	nextNotice int
}

// newEventID returns a new GUID for an event, from a sequence of its own so
// that events do not shift the scenario's other IDs.
func (s *Simulator) newEventID() string {
	s.ev.seq++
	x := s.ev.seq ^ 0x5bd1e9955bd1e995
	a, b := splitmix(x), splitmix(x^0xa5a5a5a5a5a5a5a5)
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

// Events returns every event published so far, in order.
func (s *Simulator) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.clock.Now())
	return slices.Clone(s.ev.published)
}

// publish records an event and queues it for the event subscriptions that
// take it.
func (s *Simulator) publish(typ string, at time.Time, source, subject string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err) // the data types above always encode
	}
	ev := Event{ID: s.newEventID(), Type: typ, Time: at.UTC(), Source: source, Subject: subject, Data: raw}
	s.ev.published = append(s.ev.published, ev)
	s.log.Info("event published", "type", typ, "subject", subject, "at", at)
	s.enqueue(ev)
}

// aksTopic is a cluster's ID as AKS events give it: "resourceGroups",
// where ARM's own IDs for the cluster say "resourcegroups".
func aksTopic(c *clusterState) string {
	return "/subscriptions/" + c.sub.id + "/resourceGroups/" + c.rg + "/providers/Microsoft.ContainerService/managedClusters/" + c.name
}

// publishCluster publishes an AKS event about c: topic the cluster's ID,
// subject its bare name.
func (s *Simulator) publishCluster(typ string, c *clusterState, at time.Time, data any) {
	s.publish(typ, at, aksTopic(c), c.name, data)
}

func (s *Simulator) publishRolling(typ string, p *poolState, at time.Time) {
	s.publishCluster(typ, p.cluster, at, nodePoolRollingData{NodePoolName: p.name})
}

// clustersIn lists the clusters in region r.
func (s *Simulator) clustersIn(r *regionState) []*clusterState {
	var out []*clusterState
	for _, sub := range s.subs {
		for _, c := range sub.clusters {
			if c.location == r.name {
				out = append(out, c)
			}
		}
	}
	return out
}

// timelineEvents publishes what a timeline entry, just applied to r, means
// to the clusters in r.
func (s *Simulator) timelineEvents(e timedEntry, r *regionState) {
	switch {
	case e.AddPatch != "" || e.AddMinor != nil || e.GA != "":
		for _, c := range s.clustersIn(r) {
			s.publishCluster(EventNewKubernetesVersionAvailable, c, e.at, versionData(r, c.supportPlan))
		}
	case e.Remove != "":
		if _, err := version.Parse(e.Remove); err == nil {
			return // a patch: the clusters on it are still supported
		}
		s.supportEvents(EventClusterSupportEnded, e.Remove, r, e.at)
	case e.SupportEnding != "":
		s.supportEvents(EventClusterSupportEnding, e.SupportEnding, r, e.at)
	}
}

func (s *Simulator) supportEvents(typ, minor string, r *regionState, at time.Time) {
	m, err := version.ParseMinor(minor)
	if err != nil {
		return // checked by New
	}
	ms := r.minor(m)
	for _, c := range s.clustersIn(r) {
		// An LTS cluster on a minor LTS still covers is not leaving
		// support when the community version does (unverified: inferred
		// from the LTS calendar, learn.microsoft.com/azure/aks/long-term-support).
		if c.supportPlan == aksupgrade.SupportPlanLTS && ms != nil && slices.Contains(ms.plans, aksupgrade.SupportPlanLTS) {
			continue
		}
		if mustVersion(c.version).SameMinor(m) {
			s.publishCluster(typ, c, at, clusterSupportData{KubernetesVersion: c.version})
			s.publishEOL(c, m, r, at)
		}
	}
}

// versionData is NewKubernetesVersionAvailable's data from r's catalogue,
// for a cluster on support plan plan. Per the spec: latestSupported is the
// newest patch of the newest generally available minor, latestStable the
// newest patch of the default minor (else of the one below the newest),
// lowestMinor the newest patch of the oldest minor, latestPreview the newest
// patch of the newest preview minor.
func versionData(r *regionState, plan string) newVersionData {
	var ga, preview []*minorState
	for _, m := range r.minors {
		if len(m.patches) == 0 {
			continue
		}
		if m.preview {
			preview = append(preview, m)
		} else if slices.Contains(m.plans, plan) || plan == aksupgrade.SupportPlanLTS {
			ga = append(ga, m)
		}
	}
	latest := func(m *minorState) string { return m.patches[len(m.patches)-1].String() }
	var d newVersionData
	if len(preview) > 0 {
		d.LatestPreviewKubernetesVersion = latest(preview[len(preview)-1])
	}
	if len(ga) == 0 {
		return d
	}
	d.LatestSupportedKubernetesVersion = latest(ga[len(ga)-1])
	d.LowestMinorKubernetesVersion = latest(ga[0])
	stable := ga[max(len(ga)-2, 0)]
	for _, m := range ga {
		if m.isDefault {
			stable = m
		}
	}
	d.LatestStableKubernetesVersion = latest(stable)
	return d
}

// scheduleMaintenance lays out the notices of the scenario's maintenance.
func (s *Simulator) scheduleMaintenance(ms []MaintenanceEvent) {
	const day = 24 * time.Hour
	for i := range ms {
		m := ms[i]
		if m.ID == "" {
			m.ID = s.newEventID()
		}
		if m.Source == "" {
			m.Source = "AutoUpgrader"
		}
		c := s.findCluster(m.Cluster)
		if c == nil {
			continue // checked by New
		}
		at := s.start.Add(m.After.D())
		add := func(when time.Time, status string) {
			s.ev.notices = append(s.ev.notices, maintenanceNotice{at: when, status: status, m: &m, cluster: c, start: at})
		}
		week, before := maxTime(at.Add(-7*day), s.start), maxTime(at.Add(-day), s.start)
		add(week, maintScheduled)
		if before.After(week) {
			add(before, maintScheduled)
		}
		if m.Canceled {
			add(at, maintCanceled)
		} else {
			add(at, maintStarted)
			add(at.Add(m.Duration.D()), maintCompleted)
		}
	}
	slices.SortStableFunc(s.ev.notices, func(a, b maintenanceNotice) int { return a.at.Compare(b.at) })
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// dueNotice returns the next maintenance notice if it is due at now.
func (s *Simulator) dueNotice(now time.Time) (maintenanceNotice, bool) {
	if s.ev.nextNotice >= len(s.ev.notices) || s.ev.notices[s.ev.nextNotice].at.After(now) {
		return maintenanceNotice{}, false
	}
	return s.ev.notices[s.ev.nextNotice], true
}

// publishNotice publishes the next maintenance notice.
func (s *Simulator) publishNotice() {
	n := s.ev.notices[s.ev.nextNotice]
	s.ev.nextNotice++
	c := n.cluster
	// ARN's examples name the cluster with "resourceGroups" in the subject
	// and the resource's ID, "resourcegroups" in the affected resources.
	id := aksTopic(c) + "/scheduledEvents/" + n.m.ID
	var d scheduledEventData[string]
	d.ResourceInfo = scheduledEventResource[string]{
		ID:       id,
		Name:     n.m.ID,
		Type:     "Microsoft.ContainerService/managedClusters/scheduledEvents",
		Location: c.location,
		Properties: scheduledEventProperties[string]{
			Description:    "ScheduledEvents",
			EventID:        n.m.ID,
			EventSource:    n.m.Source,
			EventStatus:    n.status,
			EventDetails:   n.m.Description,
			ScheduledTime:  n.start.UTC().Format(time.RFC3339Nano),
			StartTime:      time.Time{}.Format(azureTime),
			LastUpdateTime: n.at.UTC().Format(azureTime),
			Resources:      []string{c.id()},
			ResourceType:   "ManagedCluster",
		},
	}
	if n.status == maintStarted || n.status == maintCompleted {
		d.ResourceInfo.Properties.StartTime = n.start.UTC().Format(azureTime)
	}
	d.OperationalInfo.ResourceEventTime = n.at.UTC().Format(azureTimeNoTZ)
	d.APIVersion = "2023-11-02-preview"
	s.publish(EventScheduledEventEmitted, n.at, "/subscriptions/"+c.sub.id, id, d)
}
