package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// The engine's news events (aksupgrade.EventVersionAvailable, ...) say
// what Azure's news means for the fleet, once it planned with it. Azure's
// own new-version and support events are not told: these are.

// StageLine is one stage's line in a new-version message.
type StageLine struct {
	Stage string
	// Version is the version the stage heads to next ("" for none),
	// Then one it goes on to after it, State the planner's state of
	// Version there.
	Version, Then, State string
	// Reached and Proven are the projected times, in the stage's time
	// zone ("" when not projected).
	Reached, Proven string
	// Clusters head to Version; Projected of them have a projected
	// upgrade, the last done at Finish (in the stage's zone).
	Clusters, Projected int
	Finish              string
	Note                string
	// Text says it all in one line, as the default template shows it.
	Text string
}

// versionNews reads the news of an aksupgrade.EventVersionAvailable.
func versionNews(n aksupgrade.VersionNews) (TemplateData, Severity, bool) {
	if len(n.New) == 0 {
		return TemplateData{}, "", false
	}
	d := TemplateData{Kind: KindNewVersion, Region: n.Region, Clusters: n.Clusters, PlanError: n.PlanError, New: n.New, Headline: n.Headline(),
		NewVersion: &aksupgrade.NewKubernetesVersionAvailable{LatestSupported: n.LatestSupported, LatestStable: n.LatestStable,
			LatestPreview: n.LatestPreview, LowestMinor: n.LowestMinor}}
	for _, o := range n.Stages {
		loc := zone(o.Zone)
		l := StageLine{Stage: o.Stage, Version: o.Version, Then: o.Then, State: o.State, Note: o.Note,
			Reached: formatPtr(o.ReachedAt, loc), Proven: formatPtr(o.ProvenAt, loc),
			Clusters: o.Clusters, Projected: o.Projected, Finish: formatPtr(o.Finish, loc)}
		l.Text = stageText(l)
		d.Outlook = append(d.Outlook, l)
	}
	d.Target = n.New[0].Version
	if i := slices.IndexFunc(n.New, func(v aksupgrade.NewVersion) bool { return !v.Preview }); i >= 0 {
		d.Target = n.New[i].Version
	}
	var offers []string
	for _, o := range [][2]string{{"newest", n.LatestSupported}, {"stable", n.LatestStable}, {"preview", n.LatestPreview}, {"oldest", n.LowestMinor}} {
		if o[1] != "" {
			offers = append(offers, o[0]+" "+o[1])
		}
	}
	d.Offers = strings.Join(offers, ", ")
	return d, SeverityInfo, true
}

// stageText says what a stage line means, in one line.
func stageText(l StageLine) string {
	if l.Version == "" {
		return l.Note
	}
	var text string
	switch {
	case l.Reached != "" && l.Proven != "" && l.State != "soaking":
		text = fmt.Sprintf("%s on every cluster by %s, proven %s", l.Version, l.Reached, l.Proven)
	case l.State == "soaking" && l.Proven != "":
		text = fmt.Sprintf("%s is on every cluster; proven %s", l.Version, l.Proven)
	case l.Projected > 0 && l.Projected == l.Clusters && l.Finish != "":
		text = fmt.Sprintf("%s on the %s still to go by %s", l.Version, clusters(l.Clusters), l.Finish)
	case l.Projected > 0 && l.Finish != "":
		text = fmt.Sprintf("%s on %d of %s by %s", l.Version, l.Projected, clusters(l.Clusters), l.Finish)
		if l.Note != "" {
			text += "; the others wait: " + l.Note
		}
	case l.Note != "":
		text = fmt.Sprintf("%s, not projected yet: %s", l.Version, l.Note)
	default:
		text = l.Version + ", not projected yet"
	}
	if l.State == "proven" {
		text = strings.Replace(text, l.Version, l.Version+" (proven here)", 1)
	}
	if l.Then != "" {
		text += "; then " + l.Then
	}
	return text
}

func clusters(n int) string {
	if n == 1 {
		return "1 cluster"
	}
	return fmt.Sprintf("%d clusters", n)
}

// supportNews reads the news of an aksupgrade.EventSupportEnding or
// EventSupportEnded.
func supportNews(n aksupgrade.SupportNews) (TemplateData, Severity, bool) {
	if n.Version == "" {
		return TemplateData{}, "", false
	}
	d := TemplateData{Kind: KindSupportEnding, Cluster: n.Name, ClusterID: n.Cluster, Version: n.Version, Stage: n.Stage,
		Support: n.Support, Goal: n.Goal, PlanError: n.PlanError}
	if d.Cluster == "" {
		d.Cluster = aksupgrade.ClusterName(n.Cluster)
	}
	sev := SeverityWarning
	if n.Ended {
		d.Kind, sev = KindSupportEnded, SeverityCritical
	}
	if n.Target != "" {
		d.Target, d.TargetArg = n.Target, n.Target
	}
	d.Plan = fixText(n, zone(n.Zone))
	return d, sev, true
}

// fixText says which upgrade the plan has that fixes a cluster's support,
// and when: the first of its target and goal on a newer minor.
func fixText(n aksupgrade.SupportNews, loc *time.Location) string {
	if n.PlanError != "" {
		return "aksupgrade could not plan (" + n.PlanError + "); \"aksupgrade plan\" shows the fix once that is solved."
	}
	if n.Target == "" {
		if n.Reason == "" {
			return "No upgrade is planned for it: add it to a stage of the policy."
		}
		return "No upgrade is planned for it: " + strings.TrimSuffix(n.Reason, ".") + "."
	}
	cur, err := version.Parse(n.Version)
	fixes := func(v string) bool {
		p, perr := version.Parse(v)
		return err == nil && perr == nil && cur.MinorOf().Less(p.MinorOf())
	}
	start, finish := formatPtr(n.Start, loc), formatPtr(n.Finish, loc)
	when := "not yet scheduled: " + strings.TrimSuffix(n.Reason, ".")
	switch {
	case n.State == "upgrading" && finish != "":
		when = "under way, expected done by " + finish
	case start != "" && finish != "":
		when = fmt.Sprintf("expected %s to %s", start, finish)
	}
	switch {
	case fixes(n.Target):
		return fmt.Sprintf("Planned fix: upgrade to %s in stage %s, %s.", n.Target, n.Stage, when)
	case fixes(n.Goal):
		return fmt.Sprintf("Planned fix: %s in stage %s, after %s first (%s); %s is scheduled once that is done.", n.Goal, n.Stage, n.Target, when, n.Goal)
	}
	return fmt.Sprintf("The planned upgrade to %s (%s) stays on minor %s and does not fix this: the policy's channel must allow a newer minor.",
		n.Target, when, cur.MinorString())
}

// zone loads an IANA zone name; nil (UTC) when empty or unknown.
func zone(name string) *time.Location {
	if name == "" {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}

func formatPtr(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return aksupgrade.FormatDay(*t, loc)
}
