package eventgrid

import (
	"encoding/json"
	"strings"
	"time"
)

// canonicalType returns the spelling of a type with a typed payload when
// t names one regardless of case (as Event Grid's own filters match
// types), else t.
func canonicalType(t string) string {
	for _, k := range [...]string{
		TypeNewKubernetesVersionAvailable,
		TypeClusterSupportEnding,
		TypeClusterSupportEnded,
		TypeNodePoolRollingStarted,
		TypeNodePoolRollingSucceeded,
		TypeNodePoolRollingFailed,
		TypeScheduledEventEmitted,
	} {
		if strings.EqualFold(t, k) {
			return k
		}
	}
	return t
}

// decodePayload sets the typed payload of e from data when e's type is
// known and data holds what that type needs; otherwise it leaves e
// without one.
func decodePayload(e *Event, data []byte) {
	e.Type = canonicalType(e.Type)
	if len(data) == 0 || data[0] != '{' {
		return
	}
	switch e.Type {
	case TypeNewKubernetesVersionAvailable:
		var p NewKubernetesVersionAvailable
		if json.Unmarshal(data, &p) == nil && p != (NewKubernetesVersionAvailable{}) {
			e.NewVersion = &p
		}
	case TypeClusterSupportEnding, TypeClusterSupportEnded:
		var p ClusterSupport
		if json.Unmarshal(data, &p) == nil && p.KubernetesVersion != "" {
			e.Support = &p
		}
	case TypeNodePoolRollingStarted, TypeNodePoolRollingSucceeded, TypeNodePoolRollingFailed:
		var p NodePoolRolling
		if json.Unmarshal(data, &p) == nil && p.NodePoolName != "" {
			e.NodePool = &p
		}
	case TypeScheduledEventEmitted:
		if p, ok := decodeScheduled(data); ok {
			e.Scheduled = p
			paths := append(append(make([]string, 0, len(p.Resources)+3), p.Resources...), p.ResourceID, e.Subject, e.Source)
			e.ClusterID = clusterID(paths...)
		}
	}
}

// scheduledWire is the data of ScheduledEventEmitted as Azure sends it
// (ResourceNotificationsResourceUpdatedEventData). resourceInfo.tags is
// left out: the specification calls it a string, resources have objects.
type scheduledWire struct {
	ResourceInfo struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Type       string `json:"type"`
		Location   string `json:"location"`
		Properties struct {
			Description    string   `json:"description"`
			EventID        string   `json:"eventId"`
			EventSource    string   `json:"eventSource"`
			EventStatus    string   `json:"eventStatus"`
			EventDetails   string   `json:"eventDetails"`
			ScheduledTime  string   `json:"scheduledTime"`
			StartTime      string   `json:"startTime"`
			LastUpdateTime string   `json:"lastUpdateTime"`
			Resources      []string `json:"resources"`
			ResourceType   string   `json:"resourceType"`
		} `json:"properties"`
	} `json:"resourceInfo"`
	OperationalInfo struct {
		ResourceEventTime string `json:"resourceEventTime"`
	} `json:"operationalInfo"`
	APIVersion string `json:"apiVersion"`
}

func decodeScheduled(data []byte) (*ScheduledEvent, bool) {
	var w scheduledWire
	if json.Unmarshal(data, &w) != nil {
		return nil, false
	}
	ri, props := &w.ResourceInfo, &w.ResourceInfo.Properties
	p := &ScheduledEvent{
		ResourceID:   ri.ID,
		Name:         ri.Name,
		ResourceType: ri.Type,
		Location:     ri.Location,
		EventID:      props.EventID,
		Description:  props.Description,
		EventSource:  props.EventSource,
		Status:       scheduledStatus(props.EventStatus),
		Details:      props.EventDetails,
		Resources:    props.Resources,
		AffectedType: props.ResourceType,
		APIVersion:   w.APIVersion,
	}
	if p.Status == "" && p.EventID == "" && p.ResourceID == "" {
		return nil, false
	}
	for _, f := range []struct {
		in  string
		out *time.Time
	}{
		{props.ScheduledTime, &p.ScheduledTime},
		{props.StartTime, &p.StartTime},
		{props.LastUpdateTime, &p.LastUpdateTime},
		{w.OperationalInfo.ResourceEventTime, &p.ResourceEventTime},
	} {
		t, err := parseTime(f.in)
		if err != nil {
			return nil, false
		}
		*f.out = t
	}
	return p, true
}

// scheduledStatus returns the Status constant s names, whatever its case
// or spelling of Canceled, else s.
func scheduledStatus(s string) string {
	switch strings.ToLower(s) {
	case "scheduled":
		return StatusScheduled
	case "started":
		return StatusStarted
	case "completed":
		return StatusCompleted
	case "canceled", "cancelled":
		return StatusCanceled
	case "failed":
		return StatusFailed
	}
	return s
}
