package notify

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// MessageOptions say how FromEvent writes messages.
type MessageOptions struct {
	// BaseURL is the server's URL as people reach it
	// ("https://aksupgrade.example.com"); messages about a target link to
	// the dashboard: BaseURL/rollouts/<target>, /approvals for what waits
	// on people, /timeline for news. Empty: no links.
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
		NewVersion: &aksupgrade.NewKubernetesVersionAvailable{}, Maintenance: &aksupgrade.ScheduledMaintenance{}}
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
	// Gate and GateName name the gate of gate events; Fix says what to do.
	Gate, GateName, Fix string

	// Version is the cluster's Kubernetes version (support events).
	Version string
	// NewVersion is set for newVersion: the versions AKS announced in
	// Region, for Clusters; Outlook says what they mean for each stage.
	NewVersion *aksupgrade.NewKubernetesVersionAvailable
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
	Maintenance                    *aksupgrade.ScheduledMaintenance
	MaintenanceWhen, MaintenanceIn string

	Link string

	// Description is the event in one line, as `aksupgrade events list`
	// and the API say it (the domain's one describer).
	Description string

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
	ev, err := eventlog.Decode(e)
	if err != nil {
		return Message{}, false // a type or shape nobody is told of
	}
	d, sev, ok := eventData(ev, o)
	if !ok {
		return Message{}, false
	}
	d.EventType, d.Time, d.Description = string(e.Type), cmp.Or(e.Time, e.ReceivedAt).UTC(), ev.Describe()
	if d.Stage == "" && d.ClusterID != "" && o.StageOf != nil {
		d.Stage = o.StageOf(d.ClusterID)
	}
	loc := o.Location
	if z := o.Zones[d.Stage]; z != nil {
		loc = z
	}
	d.When = aksupgrade.FormatDay(d.Time, loc)
	if d.Maintenance != nil {
		d.MaintenanceWhen = aksupgrade.FormatDay(d.Maintenance.ScheduledTime, loc)
	}
	if len(o.Stages) > 0 {
		d.FirstStage, d.LastStage = o.Stages[0], o.Stages[len(o.Stages)-1]
		if i := slices.Index(o.Stages, d.Stage); i >= 0 && i+1 < len(o.Stages) {
			d.NextStage = o.Stages[i+1]
		}
	}
	if base := strings.TrimRight(o.BaseURL, "/"); base != "" {
		// Links open the dashboard's page for what the message asks of
		// people: what waits on them, the rollout, what happens next.
		switch {
		case d.Kind == KindApprovalNeeded || d.Kind == KindStageHalted:
			d.Link = base + "/approvals"
		case d.Kind == KindNewVersion:
			d.Link = base + "/timeline"
		case d.TargetArg != "":
			d.Link = base + "/rollouts/" + url.PathEscape(d.TargetArg)
		case d.Kind == KindSupportEnding || d.Kind == KindSupportEnded:
			d.Link = base + "/"
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

// eventData reads what the event says, by its payload.
func eventData(e aksupgrade.Event, o MessageOptions) (TemplateData, Severity, bool) {
	switch {
	case e.Stage != nil:
		return stageEvent(e.Type, *e.Stage, o)
	case e.Action != nil:
		return actionEvent(e.Type, *e.Action)
	case e.Versions != nil:
		return versionNews(*e.Versions)
	case e.SupportNews != nil:
		return supportNews(*e.SupportNews)
	case e.Gate != nil:
		return gateEvent(e.Type, *e.Gate)
	case e.Channels != nil:
		c := e.Channels
		return TemplateData{Kind: KindChannelsSet, Stage: c.Stage, ClusterID: c.Cluster, Cluster: aksupgrade.ClusterName(c.Cluster)}, SeverityInfo, true
	case e.NodeImage != nil:
		return nodeImageEvent(e)
	case e.NodePool != nil, e.Maintenance != nil:
		return azureEvent(e)
	}
	// The engine's step events, and Azure's new-version and support
	// events (told by the engine once it planned with them, as news).
	return TemplateData{}, "", false
}

// stageEvent reads a stage's progress, its halt, or an approval it
// awaits.
func stageEvent(t aksupgrade.EventType, s aksupgrade.StageEvent, o MessageOptions) (TemplateData, Severity, bool) {
	d := TemplateData{Stage: s.Stage, Reason: s.Reason, Evidence: s.Evidence, ClusterID: s.Cluster, Target: s.Target.String(), TargetArg: s.Target.Arg()}
	if s.Cluster != "" {
		d.Cluster = aksupgrade.ClusterName(s.Cluster)
	}
	sev := SeverityInfo
	switch t {
	case aksupgrade.EventStageStarted:
		d.Kind = KindStageStarted
		if len(o.Stages) > 0 && s.Stage == o.Stages[0] {
			d.Kind = KindRolloutStarted
		}
	case aksupgrade.EventStageReached:
		d.Kind = KindStageReached
	case aksupgrade.EventStageProven:
		d.Kind = KindStageProven
		if len(o.Stages) > 0 && s.Stage == o.Stages[len(o.Stages)-1] {
			d.Kind = KindRolloutCompleted
		}
	case aksupgrade.EventStageHalted:
		d.Kind, sev = KindStageHalted, SeverityCritical
	case aksupgrade.EventApprovalNeeded:
		d.Kind, sev = KindApprovalNeeded, SeverityWarning
	default:
		return TemplateData{}, "", false
	}
	return d, sev, true
}

// gateEvent reads what a gate saw.
func gateEvent(t aksupgrade.EventType, g aksupgrade.GateEvent) (TemplateData, Severity, bool) {
	r := g.Result
	d := TemplateData{Stage: g.Stage, Target: g.Target.String(), TargetArg: g.Target.Arg(), ClusterID: r.Cluster,
		Cluster: aksupgrade.ClusterName(r.Cluster), Gate: string(r.Gate), GateName: r.Name, Reason: r.Saw, Fix: r.Fix}
	switch t {
	case aksupgrade.EventGateBlocked:
		d.Kind = KindGateBlocked
		return d, SeverityWarning, true
	case aksupgrade.EventGateWarned:
		d.Kind = KindGateWarned
		return d, SeverityInfo, true
	}
	return TemplateData{}, "", false
}

// actionEvent reads what a person did.
func actionEvent(t aksupgrade.EventType, a aksupgrade.OperatorAction) (TemplateData, Severity, bool) {
	d := TemplateData{Stage: a.Stage, Reason: a.Reason, By: a.By}
	if a.Target.Version != "" {
		d.Target, d.TargetArg = a.Target.String(), a.Target.Arg()
	}
	sev := SeverityInfo
	switch t {
	case aksupgrade.EventApproved:
		d.Kind = KindApproved
	case aksupgrade.EventRetried:
		d.Kind = KindRetried
	case aksupgrade.EventPaused:
		d.Kind, sev = KindPaused, SeverityWarning
	case aksupgrade.EventResumed:
		d.Kind = KindResumed
	case aksupgrade.EventAborted:
		d.Kind, sev = KindAborted, SeverityWarning
	default:
		return TemplateData{}, "", false
	}
	return d, sev, true
}

func nodeImageEvent(e aksupgrade.Event) (TemplateData, Severity, bool) {
	n := e.NodeImage
	d := TemplateData{Kind: KindNodeImageAvailable, ClusterID: e.Cluster, Cluster: cmp.Or(e.Subject, aksupgrade.ClusterName(e.Cluster)),
		NodePool: n.NodePoolName, NodeImage: n.NodeImageVersion, LatestNodeImage: n.Latest}
	return d, SeverityInfo, true
}

// azureEvent reads a failed node pool upgrade or Azure's maintenance.
func azureEvent(e aksupgrade.Event) (TemplateData, Severity, bool) {
	d := TemplateData{ClusterID: e.Cluster, Cluster: aksupgrade.ClusterName(e.Cluster)}
	if d.Cluster == "" {
		d.Cluster = e.Subject
	}
	sev := SeverityInfo
	switch {
	case e.NodePool != nil:
		if e.Type != aksupgrade.EventNodePoolRollingFailed {
			return TemplateData{}, "", false
		}
		d.Kind, sev, d.NodePool = KindNodePoolFailed, SeverityWarning, e.NodePool.NodePoolName
	case e.Maintenance != nil && e.Maintenance.IsEndOfSupport():
		// Not a maintenance: the engine tells of a version leaving
		// support as support news, from the support events and the
		// catalogue it plans with, once per version rather than weekly
		// per cluster.
		return TemplateData{}, "", false
	case e.Maintenance != nil:
		p := e.Maintenance
		d.Maintenance = p
		d.Kind = KindMaintenanceUpdate
		if p.Status == aksupgrade.MaintenanceScheduled {
			d.Kind = KindMaintenanceScheduled
		}
		if !p.ScheduledTime.IsZero() && !e.Time.IsZero() {
			ahead := p.ScheduledTime.Sub(e.Time)
			d.MaintenanceIn = aheadOf(ahead)
			if d.Kind == KindMaintenanceScheduled && ahead <= 48*time.Hour {
				sev = SeverityWarning
			}
		}
		if p.Status == aksupgrade.MaintenanceFailed {
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
