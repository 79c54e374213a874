package aksupgrade

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Describe says in one line, for people, what an event means. It is the
// one describer: `events list`, the API and the notifications' summaries
// all say an event in its words.
func (e Event) Describe() string {
	who := e.about()
	switch {
	case e.NewVersion != nil:
		return describeNewVersion(who, e.NewVersion)
	case e.Support != nil:
		if e.Type == EventClusterSupportEnded {
			return fmt.Sprintf("%s runs Kubernetes %s, which is out of support", who, e.Support.KubernetesVersion)
		}
		return fmt.Sprintf("%s runs Kubernetes %s, which leaves support soon", who, e.Support.KubernetesVersion)
	case e.NodePool != nil:
		what := "started"
		switch e.Type {
		case EventNodePoolRollingSucceeded:
			what = "succeeded"
		case EventNodePoolRollingFailed:
			what = "failed"
		}
		return fmt.Sprintf("Node pool %s of %s: rolling upgrade %s", e.NodePool.NodePoolName, who, what)
	case e.Maintenance != nil:
		return describeMaintenance(who, e.Maintenance)
	case e.NodeImage != nil:
		return fmt.Sprintf("New node image %s for pool %s of %s", e.NodeImage.Latest, e.NodeImage.NodePoolName, who)
	case e.Step != nil:
		return describeStep(e.Step)
	case e.Stage != nil:
		return describeStage(e.Type, e.Stage)
	case e.Action != nil:
		return describeAction(e.Type, e.Action)
	case e.Versions != nil:
		return e.Versions.Headline() + " in " + e.Versions.Region
	case e.SupportNews != nil:
		n := e.SupportNews
		if n.Ended {
			return fmt.Sprintf("%s runs Kubernetes %s, which is out of support", n.Name, n.Version)
		}
		return fmt.Sprintf("%s runs Kubernetes %s, which leaves support soon", n.Name, n.Version)
	case e.Gate != nil:
		return e.Gate.Describe()
	case e.Channels != nil:
		return e.Channels.Describe()
	}
	if who != "" {
		return fmt.Sprintf("%s (%s)", e.Type.Short(), who)
	}
	return e.Type.Short()
}

// about names what the event is about: the cluster's name, else the
// subject, else the source.
func (e Event) about() string {
	if e.Cluster != "" {
		return ClusterName(e.Cluster)
	}
	return cmp.Or(e.Subject, e.Source)
}

func describeNewVersion(who string, v *NewKubernetesVersionAvailable) string {
	var parts []string
	for _, p := range [...]struct{ version, what string }{
		{v.LatestSupported, "newest"},
		{v.LatestStable, "stable"},
		{v.LatestPreview, "preview"},
		{v.LowestMinor, "oldest"},
	} {
		if p.version != "" {
			parts = append(parts, p.what+" "+p.version)
		}
	}
	s := "AKS announced Kubernetes versions for " + who
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	return s
}

func describeMaintenance(who string, p *ScheduledMaintenance) string {
	if n := p.EndOfSupport; n != nil {
		return describeEndOfSupport(who, n)
	}
	s := "Azure maintenance on " + who + ": " + strings.ToLower(cmp.Or(p.Status, "status unknown"))
	if !p.ScheduledTime.IsZero() {
		s += ", scheduled for " + p.ScheduledTime.UTC().Format("2006-01-02 15:04 MST")
	}
	if d := cmp.Or(p.Details, p.Description); d != "" {
		s += ": " + d
	}
	if p.EventSource != "" {
		s += " (" + p.EventSource + ")"
	}
	return s
}

// describeEndOfSupport: "AKS: Kubernetes 1.32.3 on aks-1 reaches the end
// of Community support on 2026-03-01 (in 5 days)".
func describeEndOfSupport(who string, n *EndOfSupportNotice) string {
	kind := cmp.Or(n.SupportType, "its")
	s := "AKS: Kubernetes " + n.KubernetesVersion + " on " + who
	day := n.EOLDate.UTC().Format("2006-01-02")
	switch {
	case n.EOLDate.IsZero():
		s += " is leaving " + kind + " support"
	case n.DaysUntilEOL > 0:
		s += fmt.Sprintf(" reaches the end of %s support on %s (in %d days)", kind, day, n.DaysUntilEOL)
	default:
		s += " is past the end of " + kind + " support since " + day
	}
	return s + ": upgrade it to a supported minor"
}

func describeStep(s *StepEvent) string {
	out := upperFirst(s.Step.Describe()) + ": " + s.State
	switch {
	case s.ErrorCode != "" && s.Error != "":
		out += fmt.Sprintf(" (%s: %s)", s.ErrorCode, s.Error)
	case s.ErrorCode != "" || s.Error != "":
		out += fmt.Sprintf(" (%s%s)", s.ErrorCode, s.Error)
	}
	return out
}

func describeStage(t EventType, s *StageEvent) string {
	switch t {
	case EventStageStarted:
		return fmt.Sprintf("%s started in stage %s", s.Target, s.Stage)
	case EventStageReached:
		return fmt.Sprintf("Every cluster of %s runs %s; soaking before it is proven", s.Stage, s.Target)
	case EventStageProven:
		return fmt.Sprintf("%s is proven in %s", s.Target, s.Stage)
	case EventStageHalted:
		out := fmt.Sprintf("Stage %s halted: %s failed", s.Stage, s.Target)
		if s.Cluster != "" {
			out += " on " + ClusterName(s.Cluster)
		}
		return out
	case EventApprovalNeeded:
		return fmt.Sprintf("%s waits for approval to enter %s", s.Target, s.Stage)
	}
	return fmt.Sprintf("%s: %s in %s", t.Short(), s.Target, s.Stage)
}

func describeAction(t EventType, a *OperatorAction) string {
	by := ""
	if a.By != "" {
		by = " by " + a.By
	}
	switch t {
	case EventApproved:
		return fmt.Sprintf("%s approved for %s%s", a.Target, a.Stage, by)
	case EventRetried:
		return fmt.Sprintf("Stage %s retried%s: its upgrades go on", a.Stage, by)
	case EventPaused:
		return fmt.Sprintf("Rollout of %s paused%s", a.Target, by)
	case EventResumed:
		return fmt.Sprintf("Rollout of %s resumed%s", a.Target, by)
	case EventAborted:
		return fmt.Sprintf("Rollout of %s aborted%s: no stage receives it any more", a.Target, by)
	}
	return fmt.Sprintf("%s: %s%s", t.Short(), a.Target, by)
}

// Headline says which versions are new: "Kubernetes 1.31.5 is
// available", "Kubernetes 1.33.0 is generally available (it was in
// preview)", "Kubernetes 1.31.5 and 1.30.11 are available", generally
// available ones first.
func (n VersionNews) Headline() string {
	vs := slices.Clone(n.New)
	if len(vs) == 0 {
		return "New Kubernetes versions are available"
	}
	slices.SortStableFunc(vs, func(a, b NewVersion) int {
		switch {
		case a.Preview == b.Preview:
			return 0
		case a.Preview:
			return 1
		}
		return -1
	})
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.Version
		if v.Preview {
			names[i] += " (preview)"
		}
	}
	if len(vs) == 1 {
		if vs[0].WasPreview {
			return "Kubernetes " + names[0] + " is generally available (it was in preview)"
		}
		return "Kubernetes " + names[0] + " is available"
	}
	if len(names) > 4 {
		names = append(names[:3], fmt.Sprintf("%d more", len(names)-3))
	}
	return "Kubernetes " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " are available"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
