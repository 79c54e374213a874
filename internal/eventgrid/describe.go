package eventgrid

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// Describe says in one line, for people, what an event means.
func Describe(e Event) string {
	who := e.clusterLabel()
	switch {
	case e.NewVersion != nil:
		v := e.NewVersion
		var parts []string
		for _, p := range [...]struct{ version, what string }{
			{v.LatestSupported, "supported"},
			{v.LatestStable, "stable"},
			{v.LatestPreview, "preview"},
		} {
			if p.version != "" {
				parts = append(parts, p.version+" "+p.what)
			}
		}
		s := "New Kubernetes versions for " + who
		if len(parts) > 0 {
			s += ": " + strings.Join(parts, ", ")
		}
		if v.LowestMinor != "" {
			s += "; oldest offered " + v.LowestMinor
		}
		return s
	case e.Support != nil:
		if e.Type == TypeClusterSupportEnded {
			return fmt.Sprintf("%s on %s is out of support%s", who, e.Support.KubernetesVersion, on(" since ", e.Time))
		}
		return fmt.Sprintf("%s on %s leaves support soon: upgrade it%s", who, e.Support.KubernetesVersion, on(" (notice of ", e.Time, ")"))
	case e.NodePool != nil:
		what := "started"
		switch e.Type {
		case TypeNodePoolRollingSucceeded:
			what = "succeeded"
		case TypeNodePoolRollingFailed:
			what = "failed"
		}
		return fmt.Sprintf("Node pool %s of %s: rolling upgrade %s%s", e.NodePool.NodePoolName, who, what, on(" at ", e.Time))
	case e.Scheduled != nil:
		p := e.Scheduled
		s := "Azure maintenance on " + who + ": " + cmp.Or(p.Status, "status unknown")
		switch {
		case p.ScheduledTime.IsZero():
		case p.Status == StatusScheduled:
			s += " for " + p.ScheduledTime.UTC().Format("2006-01-02 15:04 MST")
		default:
			s += ", scheduled for " + p.ScheduledTime.UTC().Format("2006-01-02 15:04 MST")
		}
		if d := cmp.Or(p.Details, p.Description); d != "" {
			s += ": " + d
		}
		if p.EventSource != "" {
			s += " (" + p.EventSource + ")"
		}
		return s
	case e.Type == TypeSubscriptionValidation:
		return "Event Grid subscription validation"
	}
	return fmt.Sprintf("%s about %s", e.Type, who)
}

// clusterLabel names what the event is about: the cluster's name, else
// the subject, else the source.
func (e *Event) clusterLabel() string {
	if e.ClusterID != "" {
		return clusterName(e.ClusterID)
	}
	return cmp.Or(e.Subject, e.Source)
}

// on formats t (in UTC, to the minute) between prefix and suffix, or
// nothing for the zero time.
func on(prefix string, t time.Time, suffix ...string) string {
	if t.IsZero() {
		return ""
	}
	return prefix + t.UTC().Format("2006-01-02 15:04 MST") + strings.Join(suffix, "")
}
