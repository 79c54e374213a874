package notify

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// MessageOptions say how FromEvent writes messages.
type MessageOptions struct {
	// BaseURL is the server's URL as people reach it
	// ("https://aksupgrade.example.com"); messages about a target link to
	// BaseURL/api/v1/rollouts/<target>. Empty: no links.
	BaseURL string
	// Stages are the policy's stage names in order: a start in the first
	// is rolloutStarted, a proof in the last rolloutCompleted.
	Stages []string
	// Location is the time zone of dates in messages about no stage; nil
	// means UTC.
	Location *time.Location
	// Zones are the time zones of the stages' windows, by stage: dates in
	// a message about a stage are in its zone.
	Zones map[string]*time.Location
	// StageOf names the stage of a cluster (by resource ID), "" for none:
	// messages about a cluster then route and show dates by its stage.
	StageOf func(clusterID string) string
	// Templates replace the default template of a kind (see
	// TemplateData for what they can use). A template's first non-blank
	// line is the Summary, every further non-blank line one line of
	// Details.
	Templates map[string]string
}

// Validate reports whether every template parses and names a known kind.
func (o MessageOptions) Validate() error {
	for kind, text := range o.Templates {
		if !slices.Contains(Kinds(), kind) {
			return fmt.Errorf("template for unknown kind %q (known: %s)", kind, strings.Join(Kinds(), ", "))
		}
		if err := CheckTemplate(kind, text); err != nil {
			return err
		}
	}
	return nil
}

// CheckTemplate reports whether text, as the template of kind, parses
// and renders: executing it with empty data finds unknown fields and
// functions used wrongly, as well as syntax errors.
func CheckTemplate(kind, text string) error {
	sample := TemplateData{Kind: kind, Summary: "summary",
		NewVersion: &eventgrid.NewKubernetesVersionAvailable{}, Maintenance: &eventgrid.ScheduledEvent{}}
	if _, _, err := execute(kind, text, sample); err != nil && !errors.Is(err, errEmpty) {
		return err
	}
	return nil
}

// TemplateData is what a template renders: the facts of the event, by
// name. Fields that do not apply to the kind are empty.
type TemplateData struct {
	Kind string
	// Event is the event as stored.
	EventType string
	Time      time.Time
	// When is Time in MessageOptions.Location, formatted for people.
	When string

	Stage string
	// NextStage is the stage after Stage, if any; FirstStage and
	// LastStage the ends of MessageOptions.Stages.
	NextStage, FirstStage, LastStage string
	// Target as people read it ("1.31.4", "node image 202502.03.0");
	// TargetArg as the CLI takes it ("1.31.4", "nodeImage:202502.03.0").
	Target, TargetArg string
	// Cluster is the cluster's name, ClusterID its resource ID.
	Cluster, ClusterID string
	Reason             string
	Evidence           []string
	// By is who acted (approved, retried, paused, ...).
	By string

	// Version is the cluster's Kubernetes version (support events).
	Version string
	// NewVersion is set for newVersion: the versions AKS announced in
	// Region, for Clusters; Outlook says what they mean for each stage.
	NewVersion *eventgrid.NewKubernetesVersionAvailable
	Region     string
	Clusters   []string
	Outlook    []StageLine
	// Offers lists the announced versions for people ("newest 1.32.2,
	// stable 1.31.6, oldest 1.29.12").
	Offers string
	// New are the versions that are news, newest first; Headline says
	// them for people ("Kubernetes 1.31.5 is available").
	New      []aksupgrade.NewVersion
	Headline string
	// Support is a cluster's support status with its date ("supported
	// until 2026-03-31"); Goal the version its planned upgrade heads to;
	// Plan says in a sentence which upgrade fixes it and when (support
	// events).
	Support, Goal, Plan string
	// PlanError is set when the engine could not plan with the news.
	PlanError string
	// NodePool, NodeImage and LatestNodeImage go with node pool and node
	// image events.
	NodePool, NodeImage, LatestNodeImage string
	// Maintenance is set for Azure maintenance; MaintenanceWhen is its
	// scheduled time in Location, MaintenanceIn how far ahead of the event
	// that is ("in 7 days").
	Maintenance                    *eventgrid.ScheduledEvent
	MaintenanceWhen, MaintenanceIn string

	Link string

	// Summary and Details are what the default template of the kind
	// wrote: an override can reuse them ("[fleet A] {{.Summary}}").
	Summary string
	Details []string
}

// FromEvent turns an event into a message; false when the event is not
// worth telling people (per-cluster steps, unknown types, node pool
// starts and successes) or cannot be read. The message's Key is derived
// from the event's key, so a redelivered event gives the same key.
func FromEvent(e store.Event, o MessageOptions) (Message, bool) {
	d, sev, ok := eventData(e, o)
	if !ok {
		return Message{}, false
	}
	d.EventType, d.Time = e.Type, cmp.Or(e.Time, e.ReceivedAt).UTC()
	if d.Stage == "" && d.ClusterID != "" && o.StageOf != nil {
		d.Stage = o.StageOf(d.ClusterID)
	}
	loc := o.Location
	if z := o.Zones[d.Stage]; z != nil {
		loc = z
	}
	d.When = formatWhen(d.Time, loc)
	if d.Maintenance != nil {
		d.MaintenanceWhen = formatWhen(d.Maintenance.ScheduledTime, loc)
	}
	if len(o.Stages) > 0 {
		d.FirstStage, d.LastStage = o.Stages[0], o.Stages[len(o.Stages)-1]
		if i := slices.Index(o.Stages, d.Stage); i >= 0 && i+1 < len(o.Stages) {
			d.NextStage = o.Stages[i+1]
		}
	}
	if base := strings.TrimRight(o.BaseURL, "/"); base != "" {
		switch {
		case d.TargetArg != "":
			d.Link = base + "/api/v1/rollouts/" + url.PathEscape(d.TargetArg)
		case d.Kind == KindNewVersion || d.Kind == KindSupportEnding || d.Kind == KindSupportEnded:
			d.Link = base + "/api/v1/plan"
		}
	}
	summary, details, _ := render(d, o) // on error, the default's text
	if summary == "" {
		return Message{}, false
	}
	m := Message{
		Key:      messageKey(d.Kind, e.Key),
		Kind:     d.Kind,
		Severity: sev,
		Summary:  summary,
		Details:  details,
		Link:     d.Link,
		Stage:    d.Stage,
		Cluster:  cmp.Or(d.ClusterID, d.Cluster),
		Target:   d.Target,
		Time:     d.Time,
	}
	return m, true
}

// messageKey derives a message's key from the event it tells of.
func messageKey(kind string, k store.EventKey) string {
	sum := sha256.Sum256([]byte(k.Source + "\n" + k.ID))
	return kind + ":" + hex.EncodeToString(sum[:12])
}

// engineData is the Data of the engine's events.
type engineData struct {
	Stage    string          `json:"stage"`
	Target   json.RawMessage `json:"target"`
	Evidence []string        `json:"evidence"`
	Reason   string          `json:"reason"`
	Cluster  string          `json:"cluster"`
	By       string          `json:"by"`
}

// eventData reads what the event says, by type.
func eventData(e store.Event, o MessageOptions) (TemplateData, Severity, bool) {
	switch {
	case strings.HasPrefix(e.Type, "aksupgrade.stage."), strings.HasPrefix(e.Type, "aksupgrade.rollout."), e.Type == aksupgrade.EventApprovalNeeded:
		return engineEvent(e, o)
	case e.Type == aksupgrade.EventVersionAvailable:
		return versionNews(e)
	case e.Type == aksupgrade.EventSupportEnding, e.Type == aksupgrade.EventSupportEnded:
		return supportNews(e)
	case e.Type == "aksupgrade.NodeImageAvailable":
		return nodeImageEvent(e)
	case strings.HasPrefix(e.Type, "Microsoft."):
		return azureEvent(e)
	}
	return TemplateData{}, "", false
}

func engineEvent(e store.Event, o MessageOptions) (TemplateData, Severity, bool) {
	var ed engineData
	if err := json.Unmarshal(e.Data, &ed); err != nil {
		return TemplateData{}, "", false
	}
	d := TemplateData{Stage: ed.Stage, Reason: ed.Reason, Evidence: ed.Evidence, By: ed.By, ClusterID: ed.Cluster}
	if ed.Cluster != "" {
		d.Cluster = lastSegment(ed.Cluster)
	}
	if t, ok := readTarget(ed.Target); ok {
		d.Target, d.TargetArg = t.String(), targetArg(t)
	}
	sev := SeverityInfo
	switch e.Type {
	case "aksupgrade.stage.started":
		d.Kind = KindStageStarted
		if len(o.Stages) > 0 && ed.Stage == o.Stages[0] {
			d.Kind = KindRolloutStarted
		}
	case "aksupgrade.stage.reached":
		d.Kind = KindStageReached
	case "aksupgrade.stage.proven":
		d.Kind = KindStageProven
		if len(o.Stages) > 0 && ed.Stage == o.Stages[len(o.Stages)-1] {
			d.Kind = KindRolloutCompleted
		}
	case "aksupgrade.stage.halted":
		d.Kind, sev = KindStageHalted, SeverityCritical
	case aksupgrade.EventApprovalNeeded:
		d.Kind, sev = KindApprovalNeeded, SeverityWarning
	case "aksupgrade.rollout.approved":
		d.Kind = KindApproved
	case "aksupgrade.rollout.retried":
		d.Kind = KindRetried
	case "aksupgrade.rollout.paused":
		d.Kind, sev = KindPaused, SeverityWarning
	case "aksupgrade.rollout.resumed":
		d.Kind = KindResumed
	case "aksupgrade.rollout.aborted":
		d.Kind, sev = KindAborted, SeverityWarning
	default:
		// aksupgrade.rollout.halted/proven/... (not emitted by operators)
		// and anything newer: not for people.
		return TemplateData{}, "", false
	}
	return d, sev, true
}

// readTarget reads a target given as {"kind","version"} or as a string.
func readTarget(raw json.RawMessage) (aksupgrade.Target, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return aksupgrade.Target{}, false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return aksupgrade.Target{}, false
		}
		t, err := aksupgrade.ParseTarget(s)
		return t, err == nil
	}
	var t aksupgrade.Target
	if json.Unmarshal(raw, &t) != nil || t.Version == "" {
		return aksupgrade.Target{}, false
	}
	if t.Kind == "" {
		t.Kind = aksupgrade.TargetKubernetes
	}
	return t, true
}

// targetArg is the target as the CLI and the API path take it.
func targetArg(t aksupgrade.Target) string {
	if t.Kind == aksupgrade.TargetNodeImage {
		return "nodeImage:" + t.Version
	}
	return t.Version
}

func nodeImageEvent(e store.Event) (TemplateData, Severity, bool) {
	var raw struct {
		Topic string `json:"topic"`
		Data  struct {
			Pool   string `json:"nodePoolName"`
			Image  string `json:"nodeImageVersion"`
			Latest string `json:"latestNodeImageVersion"`
		} `json:"data"`
	}
	if json.Unmarshal(e.Data, &raw) != nil || raw.Data.Latest == "" {
		return TemplateData{}, "", false
	}
	d := TemplateData{Kind: KindNodeImageAvailable, ClusterID: raw.Topic, Cluster: cmp.Or(e.Subject, lastSegment(raw.Topic)),
		NodePool: raw.Data.Pool, NodeImage: raw.Data.Image, LatestNodeImage: raw.Data.Latest}
	return d, SeverityInfo, true
}

func azureEvent(e store.Event) (TemplateData, Severity, bool) {
	ev, err := eventgrid.Parse(e.Data)
	if err != nil || !ev.Known() {
		return TemplateData{}, "", false
	}
	d := TemplateData{ClusterID: ev.ClusterID, Cluster: lastSegment(ev.ClusterID)}
	if d.Cluster == "" {
		d.Cluster = cmp.Or(ev.Subject, e.Subject)
	}
	sev := SeverityInfo
	switch {
	case ev.NewVersion != nil, ev.Support != nil:
		// Told by the engine once it planned with them (news.go).
		return TemplateData{}, "", false
	case ev.NodePool != nil:
		if ev.Type != eventgrid.TypeNodePoolRollingFailed {
			return TemplateData{}, "", false
		}
		d.Kind, sev, d.NodePool = KindNodePoolFailed, SeverityWarning, ev.NodePool.NodePoolName
	case ev.Scheduled != nil:
		p := ev.Scheduled
		d.Maintenance = p
		d.Kind = KindMaintenanceUpdate
		if p.Status == eventgrid.StatusScheduled {
			d.Kind = KindMaintenanceScheduled
		}
		if !p.ScheduledTime.IsZero() {
			if from := cmp.Or(ev.Time, e.Time); !from.IsZero() {
				ahead := p.ScheduledTime.Sub(from)
				d.MaintenanceIn = aheadOf(ahead)
				if d.Kind == KindMaintenanceScheduled && ahead <= 48*time.Hour {
					sev = SeverityWarning
				}
			}
		}
		if p.Status == eventgrid.StatusFailed {
			sev = SeverityWarning
		}
	default:
		return TemplateData{}, "", false
	}
	return d, sev, true
}

// aheadOf says how far ahead something is, roughly: "in 7 days", "in 24
// hours", "now".
func aheadOf(d time.Duration) string {
	switch {
	case d <= 0:
		return "now"
	case d >= 72*time.Hour:
		return fmt.Sprintf("in %d days", (d+12*time.Hour)/(24*time.Hour))
	case d >= 90*time.Minute:
		return fmt.Sprintf("in %d hours", (d+30*time.Minute)/time.Hour)
	}
	return fmt.Sprintf("in %d minutes", (d+30*time.Second)/time.Minute)
}

// formatWhen formats t for people in loc (UTC when nil).
func formatWhen(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("Mon 2006-01-02 15:04 MST")
}

// lastSegment returns the last segment of a resource ID ("" for "").
func lastSegment(id string) string {
	id = strings.TrimRight(id, "/")
	return id[strings.LastIndexByte(id, '/')+1:]
}
