package simulator

import (
	"math"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// End-of-support notices: besides ClusterSupportEnding and
// ClusterSupportEnded on each cluster's AKS topic, AKS publishes a
// ScheduledEventEmitted with eventSource EOLNotification through Azure
// Resource Notifications (subscription topic), whose eventDetails is an
// object, not text. They announce no maintenance.
// learn.microsoft.com/azure/aks/aks-end-of-support-notifications
//
// Unverified: the notice's eventStatus and scheduledTime beyond the
// page's one example (Scheduled, the end-of-support date), the
// resource ID of the scheduled event, and the date when the scenario
// gives no removal of the minor (two weeks on is assumed).

// eolDetails is the eventDetails object of an end-of-support notice.
type eolDetails struct {
	KubernetesVersion string `json:"kubernetesVersion"`
	EOLDate           string `json:"eolDate"`
	SupportType       string `json:"supportType"`
	DaysUntilEOL      int    `json:"daysUntilEOL"`
	Region            string `json:"region"`
}

// eolDate is when minor leaves support in r: the timeline's removal of
// it, else two weeks after at.
func (s *Simulator) eolDate(minor version.Version, r *regionState, at time.Time) time.Time {
	for _, e := range s.timeline {
		if !strings.EqualFold(e.Region, r.name) || e.Remove == "" {
			continue
		}
		if m, err := version.ParseMinor(e.Remove); err == nil && m.SameMinor(minor) {
			return e.at
		}
	}
	return at.Add(14 * 24 * time.Hour)
}

// publishEOL publishes the end-of-support notice of c, on minor, at at.
// Clusters on Long Term Support are left out: their support ends later
// than the community's.
func (s *Simulator) publishEOL(c *clusterState, minor version.Version, r *regionState, at time.Time) {
	if c.supportPlan == aksupgrade.SupportPlanLTS {
		return
	}
	eol := s.eolDate(minor, r, at)
	days, desc := 0, "KubernetesVersionOutOfSupport"
	if eol.After(at) {
		// Days left, rounded up; under a week is the one-week notice too.
		days = int(math.Ceil(eol.Sub(at).Hours() / 24))
		desc = "KubernetesVersionEOLOneWeek"
		if days >= 14 {
			desc = "KubernetesVersionEOLTwoWeeks"
		}
	}
	eventID := s.newEventID()
	id := aksTopic(c) + "/scheduledEvents/" + eventID
	var d scheduledEventData[eolDetails]
	d.ResourceInfo = scheduledEventResource[eolDetails]{
		ID:       id,
		Name:     eventID,
		Type:     "Microsoft.ContainerService/managedClusters/scheduledEvents",
		Location: c.location,
		Properties: scheduledEventProperties[eolDetails]{
			Description: desc,
			EventID:     eventID,
			EventSource: aksupgrade.MaintenanceSourceEOL,
			EventStatus: maintScheduled,
			EventDetails: eolDetails{KubernetesVersion: c.version, EOLDate: eol.UTC().Format(time.RFC3339),
				SupportType: "Community", DaysUntilEOL: days, Region: c.location},
			ScheduledTime:  eol.UTC().Format(time.RFC3339),
			StartTime:      time.Time{}.Format(azureTime),
			LastUpdateTime: at.UTC().Format(azureTime),
			Resources:      []string{c.id()},
			ResourceType:   "ManagedCluster",
		},
	}
	d.OperationalInfo.ResourceEventTime = at.UTC().Format(azureTimeNoTZ)
	d.APIVersion = "2023-11-02-preview"
	s.publish(EventScheduledEventEmitted, at, "/subscriptions/"+c.sub.id, id, d)
}
