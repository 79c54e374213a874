package eventgrid

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// decodePayload sets the typed payload of e from data when e's type is
// known and data holds what that type needs; otherwise it leaves e
// without one.
func decodePayload(e *Event, data []byte) {
	e.Type = e.Type.Canonical()
	if len(data) == 0 || data[0] != '{' {
		return
	}
	switch e.Type {
	case aksupgrade.EventNewKubernetesVersion:
		var p aksupgrade.NewKubernetesVersionAvailable
		if json.Unmarshal(data, &p) == nil && p != (aksupgrade.NewKubernetesVersionAvailable{}) {
			e.NewVersion = &p
		}
	case aksupgrade.EventClusterSupportEnding, aksupgrade.EventClusterSupportEnded:
		var p aksupgrade.ClusterSupport
		if json.Unmarshal(data, &p) == nil && p.KubernetesVersion != "" {
			e.Support = &p
		}
	case aksupgrade.EventNodePoolRollingStarted, aksupgrade.EventNodePoolRollingSucceeded, aksupgrade.EventNodePoolRollingFailed:
		var p aksupgrade.NodePoolRolling
		if json.Unmarshal(data, &p) == nil && p.NodePoolName != "" {
			e.NodePool = &p
		}
	case aksupgrade.EventNodeImageAvailable:
		var p aksupgrade.NodeImageAvailable
		if json.Unmarshal(data, &p) == nil && p.Latest != "" {
			e.NodeImage = &p
		}
	case aksupgrade.EventScheduledMaintenance:
		if p, ok := decodeScheduled(data); ok {
			e.Maintenance = p
			paths := append(append(make([]string, 0, len(p.Resources)+3), p.Resources...), p.ResourceID, e.Subject, e.Source)
			e.Cluster = clusterID(paths...)
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
			Description    string          `json:"description"`
			EventID        string          `json:"eventId"`
			EventSource    string          `json:"eventSource"`
			EventStatus    string          `json:"eventStatus"`
			EventDetails   json.RawMessage `json:"eventDetails"`
			ScheduledTime  string          `json:"scheduledTime"`
			StartTime      string          `json:"startTime"`
			LastUpdateTime string          `json:"lastUpdateTime"`
			Resources      []string        `json:"resources"`
			ResourceType   string          `json:"resourceType"`
		} `json:"properties"`
	} `json:"resourceInfo"`
	OperationalInfo struct {
		ResourceEventTime string `json:"resourceEventTime"`
	} `json:"operationalInfo"`
	APIVersion string `json:"apiVersion"`
}

func decodeScheduled(data []byte) (*aksupgrade.ScheduledMaintenance, bool) {
	var w scheduledWire
	if json.Unmarshal(data, &w) != nil {
		return nil, false
	}
	ri, props := &w.ResourceInfo, &w.ResourceInfo.Properties
	p := &aksupgrade.ScheduledMaintenance{
		ResourceID:   ri.ID,
		Name:         ri.Name,
		ResourceType: ri.Type,
		Location:     ri.Location,
		EventID:      props.EventID,
		Description:  props.Description,
		EventSource:  props.EventSource,
		Status:       scheduledStatus(props.EventStatus),
		Resources:    props.Resources,
		AffectedType: props.ResourceType,
		APIVersion:   w.APIVersion,
	}
	if p.Status == "" && p.EventID == "" && p.ResourceID == "" {
		return nil, false
	}
	decodeDetails(p, props.EventDetails)
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

// decodeDetails sets p's details from eventDetails: text as it is, the
// object of an end-of-support notice as EndOfSupport, any other object as
// its JSON text (so is a notice whose object cannot be read: what Azure
// said is kept for people).
func decodeDetails(p *aksupgrade.ScheduledMaintenance, raw json.RawMessage) {
	raw = json.RawMessage(strings.TrimSpace(string(raw)))
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return
	case raw[0] == '"' && json.Unmarshal(raw, &p.Details) == nil:
		return
	case raw[0] != '{' || !p.IsEndOfSupport():
		p.Details = string(raw)
		return
	}
	var w struct {
		KubernetesVersion string `json:"kubernetesVersion"`
		EOLDate           string `json:"eolDate"`
		SupportType       string `json:"supportType"`
		DaysUntilEOL      int    `json:"daysUntilEOL"`
		Region            string `json:"region"`
	}
	if json.Unmarshal(raw, &w) != nil || w.KubernetesVersion == "" {
		p.Details = string(raw)
		return
	}
	eol, err := parseTime(w.EOLDate)
	if err != nil {
		p.Details = string(raw)
		return
	}
	p.EndOfSupport = &aksupgrade.EndOfSupportNotice{KubernetesVersion: w.KubernetesVersion, EOLDate: eol,
		SupportType: w.SupportType, DaysUntilEOL: w.DaysUntilEOL, Region: w.Region}
}

// scheduledStatus returns the Status constant s names, whatever its case
// or spelling of Canceled, else s.
func scheduledStatus(s string) string {
	switch strings.ToLower(s) {
	case "scheduled":
		return aksupgrade.MaintenanceScheduled
	case "started":
		return aksupgrade.MaintenanceStarted
	case "completed":
		return aksupgrade.MaintenanceCompleted
	case "canceled", "cancelled":
		return aksupgrade.MaintenanceCanceled
	case "failed":
		return aksupgrade.MaintenanceFailed
	}
	return s
}
