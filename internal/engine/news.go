package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// tidings are what a step's events say that people are told once the
// engine has planned with them: Azure's new-version and support events.
// The events are marked processed only after that, so a crash in between
// tells them after the next plan.
type tidings struct {
	keys     []store.EventKey
	versions []aksupgrade.Event
	support  []aksupgrade.Event
}

// tell emits the news of t with what the plan res makes of it; res is nil
// when planning failed with planErr. It records in f what people were
// told of (f.Announced) and reports whether f changed. On an error the
// caller leaves the events pending: they are told again (once, by the
// events' IDs) in the next step.
func (e *Engine) tell(ctx context.Context, now time.Time, f *store.Fleet, res *planner.Result, planErr error, t tidings) (changed bool, err error) {
	errText := ""
	if planErr != nil {
		errText = planErr.Error()
	}
	for _, ev := range t.versions {
		c := findCluster(f.Clusters, ev.Cluster)
		if c == nil {
			continue // not a cluster of this fleet
		}
		region := planner.NormalizeLocation(c.Location)
		offered := catalogueEntries(f.Catalogs[region])
		news := newVersions(f.Announced[region], offered)
		if len(news) == 0 {
			continue // told already (or the catalogue does not show it yet)
		}
		nv := ev.NewVersion
		n := aksupgrade.VersionNews{Region: region, New: news, LatestSupported: nv.LatestSupported, LatestStable: nv.LatestStable,
			LatestPreview: nv.LatestPreview, LowestMinor: nv.LowestMinor, PlanError: errText}
		for i := range f.Clusters {
			if o := &f.Clusters[i]; planner.NormalizeLocation(o.Location) == region && e.managed(o) {
				n.Clusters = append(n.Clusters, o.Name)
			}
		}
		slices.Sort(n.Clusters)
		if res != nil {
			n.Stages = e.outlooks(res)
		}
		spec := eventSpec{"version.available/" + region + "/" + strings.Join(offered, ","), aksupgrade.Event{Type: aksupgrade.EventVersionAvailable, Subject: region, Versions: &n}}
		if _, err := e.record(ctx, now, store.Fact{}, spec); err != nil {
			return changed, err
		}
		if f.Announced == nil {
			f.Announced = map[string][]string{}
		}
		f.Announced[region], changed = offered, true
	}
	for _, ev := range t.support {
		c := findCluster(f.Clusters, ev.Cluster)
		if c == nil {
			continue
		}
		n := e.supportNews(res, c, ev)
		n.PlanError = errText
		typ, kind := aksupgrade.EventSupportEnding, "ending"
		if n.Ended {
			typ, kind = aksupgrade.EventSupportEnded, "ended"
		}
		spec := eventSpec{fmt.Sprintf("support.%s/%s/%s", kind, strings.ToLower(c.ID), n.Version), aksupgrade.Event{Type: typ, Cluster: c.ID, SupportNews: &n}}
		if _, err := e.record(ctx, now, store.Fact{}, spec); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// managed reports whether a stage of the policy selects c.
func (e *Engine) managed(c *aksupgrade.Cluster) bool {
	si, _ := e.policy().StageOf(c)
	return si >= 0
}

// previewMark marks a preview version among catalogue entries.
const previewMark = " preview"

// catalogueEntries lists the patches a catalogue offers, sorted, a
// preview one marked ("1.33.0 preview").
func catalogueEntries(l aksupgrade.KubernetesVersionList) []string {
	var out []string
	for _, m := range l.Values {
		for p := range m.PatchVersions {
			if m.IsPreview {
				p += previewMark
			}
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// newVersions are the entries of offered that told does not hold, newest
// first: new versions, and versions that left preview.
func newVersions(told, offered []string) []aksupgrade.NewVersion {
	var out []aksupgrade.NewVersion
	for _, o := range offered {
		if slices.Contains(told, o) {
			continue
		}
		v, preview := strings.CutSuffix(o, previewMark)
		out = append(out, aksupgrade.NewVersion{Version: v, Preview: preview, WasPreview: !preview && slices.Contains(told, v+previewMark)})
	}
	slices.SortFunc(out, func(a, b aksupgrade.NewVersion) int { return compareVersions(b.Version, a.Version) })
	return out
}

// announce carries over from prev what people were told of, and, for a
// region first seen, takes what its catalogue offered before (in prev) or
// offers now: from then on, only what goes beyond that is news.
func announce(prev store.Fleet, f *store.Fleet) {
	told := make(map[string][]string, len(f.Catalogs))
	for region, l := range f.Catalogs {
		if old, ok := prev.Catalogs[region]; ok {
			l = old
		}
		told[region] = catalogueEntries(l)
	}
	maps.Copy(told, prev.Announced)
	f.Announced = told
}

// outlooks says, for each stage of the plan, the Kubernetes version it
// heads to next and when it is expected there.
func (e *Engine) outlooks(res *planner.Result) []aksupgrade.StageOutlook {
	out := make([]aksupgrade.StageOutlook, 0, len(res.Stages))
	for _, st := range res.Stages {
		o := aksupgrade.StageOutlook{Stage: st.Name, Zone: e.stageZone(st.Name)}
		var best *planner.TargetPlan
		for i, tp := range st.Targets {
			if tp.Target.Kind != aksupgrade.TargetKubernetes || (tp.State == planner.TargetProven && tp.Pending == 0) {
				continue
			}
			if best == nil || compareVersions(best.Target.Version, tp.Target.Version) < 0 {
				best = &st.Targets[i]
			}
		}
		if best == nil {
			o.Note = e.notPlanned(st)
			out = append(out, o)
			continue
		}
		o.Version, o.State, o.Note = best.Target.Version, string(best.State), best.Reason
		if best.State != planner.TargetProven {
			o.ReachedAt, o.ProvenAt = best.ReachedAt, best.ProvenAt
		}
		for _, c := range st.Clusters {
			if c.Target == nil || *c.Target != best.Target {
				continue
			}
			o.Clusters++
			if c.Goal != "" && (o.Then == "" || compareVersions(o.Then, c.Goal) < 0) {
				o.Then = c.Goal
			}
			switch {
			case c.ExpectedFinish != nil:
				o.Projected++
				if o.Finish == nil || c.ExpectedFinish.After(*o.Finish) {
					o.Finish = c.ExpectedFinish
				}
			case o.Note == "":
				o.Note = c.Reason // the first that waits says why
			}
		}
		out = append(out, o)
	}
	return out
}

// notPlanned says why a stage heads to no new Kubernetes version.
func (e *Engine) notPlanned(st planner.StagePlan) string {
	if st.Halted != "" {
		return "the stage is halted: " + st.Halted
	}
	var current []string
	for _, c := range st.Clusters {
		if c.Current != "" && !slices.Contains(current, c.Current) {
			current = append(current, c.Current)
		}
	}
	if len(current) == 0 {
		return "no clusters in this stage"
	}
	slices.SortFunc(current, compareVersions)
	k := e.policy().Kubernetes
	why := "channel " + string(k.Channel)
	if k.Channel == version.ChannelPinned {
		why += " " + k.Pinned.String()
	}
	return fmt.Sprintf("stays on %s: the policy's %s picks nothing newer for it (or its regions do not offer it yet)", strings.Join(current, ", "), why)
}

func compareVersions(a, b string) int {
	va, errA := version.Parse(a)
	vb, errB := version.Parse(b)
	if errA != nil || errB != nil {
		return strings.Compare(a, b)
	}
	return va.Compare(vb)
}

// supportNews is what the plan has for a cluster whose version leaves
// support.
func (e *Engine) supportNews(res *planner.Result, c *aksupgrade.Cluster, ev aksupgrade.Event) aksupgrade.SupportNews {
	n := aksupgrade.SupportNews{Cluster: c.ID, Name: c.Name, Version: ev.Support.KubernetesVersion,
		Ended: ev.Type == aksupgrade.EventClusterSupportEnded}
	if n.Version == "" {
		n.Version = c.KubernetesVersion
	}
	if res == nil {
		return n
	}
	for _, st := range res.Stages {
		for _, cp := range st.Clusters {
			if !aksupgrade.SameID(cp.Cluster, c.ID) {
				continue
			}
			n.Stage, n.Zone, n.Support, n.State, n.Reason = st.Name, e.stageZone(st.Name), cp.Support, string(cp.State), cp.Reason
			if cp.Target != nil && cp.Target.Kind == aksupgrade.TargetKubernetes {
				n.Target, n.Goal, n.Start, n.Finish = cp.Target.Version, cp.Goal, cp.EarliestStart, cp.ExpectedFinish
			}
			return n
		}
	}
	for _, notes := range [][]planner.ClusterNote{res.Conflicts, res.Unmanaged, res.Errors} {
		for _, cn := range notes {
			if aksupgrade.SameID(cn.Cluster, c.ID) {
				n.Reason = cn.Reason
				return n
			}
		}
	}
	return n
}

// stageZone is the IANA name of the time zone of a stage's window (UTC
// for a stage that uses each cluster's own schedule).
func (e *Engine) stageZone(name string) string {
	for _, s := range e.policy().Stages {
		if s.Name == name {
			if s.Window.Schedule != nil {
				return s.Window.Schedule.Location().String()
			}
			return "UTC"
		}
	}
	return ""
}

// StageOf names the stage of a cluster in the last plan, "" when it has
// none (or nothing is planned yet).
func (e *Engine) StageOf(clusterID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.last == nil {
		return ""
	}
	if e.stageIndexOf != e.last {
		e.stageIndex = map[string]string{}
		for _, st := range e.last.Stages {
			for _, c := range st.Clusters {
				e.stageIndex[strings.ToLower(c.Cluster)] = st.Name
			}
		}
		e.stageIndexOf = e.last
	}
	return e.stageIndex[strings.ToLower(clusterID)]
}
