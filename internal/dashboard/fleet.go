package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// fleetView is the fleet matrix: each stage with its state and its
// clusters.
type fleetView struct {
	// NoPlan says why there is nothing to show yet.
	NoPlan string
	Tiles  []tile
	Stages []stageView
	// Notes are clusters outside the stages: conflicts, unmanaged, errors.
	Notes       []noteView
	Maintenance []maintView
	// observed is when the fleet was observed, for the frame.
	observed *time.Time
}

// tile is a count at the top of the page.
type tile struct {
	Label string
	N     int
	Class string
}

type stageView struct {
	Name, Window, Zone string
	Halted             string
	Marks              []chip
	Targets            []targetView
	Clusters           []clusterView
}

// chip is a state drawn as a coloured label: Class picks the colour, Text
// says it (the colour is never the only sign).
type chip struct{ Class, Text, Title string }

type targetView struct {
	Target, Path string
	State        chip
	Done, Total  int
	Milestones   string
	Reason       string
}

type clusterView struct {
	Name, Location, Current, Target, Goal, NodeImage string
	Support                                          chip
	SupportLeft                                      string
	State                                            chip
	Next, Reason, Operation                          string
	// Failed is set on the cluster whose failure halted the stage.
	Failed *chip
	Pools  []poolView
}

type poolView struct {
	Name, Mode, Version, Image, Latest string
	Count                              int
	Behind                             bool
}

type noteView struct {
	Kind   chip
	Name   string
	Reason string
}

type maintView struct{ Cluster, Status, From, To, Description string }

func (d *Dashboard) fleet(w http.ResponseWriter, r *http.Request) {
	v, err := d.fleetView(r)
	if err != nil {
		d.Fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	d.renderBase(w, r, http.StatusOK, "fleet", d.frame(w, r, "fleet", v.observed), v)
}

func (d *Dashboard) fleetView(r *http.Request) (*fleetView, error) {
	ctx := r.Context()
	now := d.o.Clock.Now()
	res, err := d.o.Engine.LastPlan()
	v := &fleetView{}
	switch {
	case err != nil:
		v.NoPlan = "The engine cannot plan: " + err.Error()
		return v, nil
	case res == nil:
		v.NoPlan = "No plan yet: the engine has not finished its first look at the fleet. This page updates by itself."
		return v, nil
	}
	var clusters map[string]aksupgrade.Cluster
	switch f, err := d.o.Store.Fleet(ctx); {
	case err == nil:
		v.observed = &f.At
		clusters = make(map[string]aksupgrade.Cluster, len(f.Clusters))
		for _, c := range f.Clusters {
			clusters[strings.ToLower(c.ID)] = c
		}
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	hist, err := d.o.Store.History(ctx)
	if err != nil {
		return nil, err
	}
	steps, err := d.o.Store.ActiveSteps(ctx)
	if err != nil {
		return nil, err
	}
	ops := map[string]string{}
	for _, s := range steps {
		ops[strings.ToLower(s.Step.ClusterID)] = s.Step.Change() + ", " + string(s.State) + " since " + relative(s.StartedAt, now)
	}
	counts := map[string]int{}
	for _, sp := range res.Stages {
		loc := d.zone(sp.Name)
		sv := stageView{Name: sp.Name, Window: sp.Window, Zone: loc.String(), Halted: aksupgrade.Printable(sp.Halted)}
		sv.Marks = stageMarks(sp, hist.Rollouts)
		// The cluster a halt names is marked as the one that failed.
		failed := map[string]string{}
		for _, tp := range sp.Targets {
			tv := targetRow(tp, now, loc)
			p := hist.Progress(sp.Name, tp.Target)
			if p != nil && p.Halt != nil {
				failed[strings.ToLower(p.Halt.Cluster)] = tp.Target.String()
				tv.Reason = "" // the stage's banner says why
			}
			if tp.State == planner.TargetRolling && (p == nil || p.StartedAt == nil) {
				tv.State = queued()
			}
			sv.Targets = append(sv.Targets, tv)
		}
		for _, cp := range sp.Clusters {
			cv := clusterRow(cp, now, loc)
			if t, ok := failed[strings.ToLower(cp.Cluster)]; ok {
				cv.Failed = &chip{Class: "bad", Text: "failed " + t + ": halted the stage"}
			}
			cv.Operation = ops[strings.ToLower(cp.Cluster)]
			if c, ok := clusters[strings.ToLower(cp.Cluster)]; ok {
				cv.Pools = pools(c)
			}
			counts[cv.State.Class]++
			if cp.SupportLevel == string(version.OutOfSupport) {
				counts["unsupported"]++
			}
			sv.Clusters = append(sv.Clusters, cv)
		}
		v.Stages = append(v.Stages, sv)
	}
	total := 0
	for _, sp := range res.Stages {
		total += len(sp.Clusters)
	}
	halted := 0
	for _, sp := range res.Stages {
		if sp.Halted != "" {
			halted++
		}
	}
	v.Tiles = []tile{
		{"clusters", total, ""},
		{"up to date", counts["ok"], "ok"},
		{"upgrading", counts["busy"], "busy"},
		{"waiting for a window or a stage", counts["wait"], "wait"},
		{"things waiting on people", len(d.waiting(res, hist.Rollouts, now)), "person"},
		{"stages halted", halted, "bad"},
		{"clusters blocked", counts["bad"], "bad"},
		{"out of support", counts["unsupported"], "bad"},
	}
	for _, n := range res.Conflicts {
		v.Notes = append(v.Notes, noteView{Kind: chip{Class: "conflict", Text: "conflict"}, Name: n.Name, Reason: n.Reason})
	}
	for _, n := range res.Errors {
		v.Notes = append(v.Notes, noteView{Kind: chip{Class: "bad", Text: "error"}, Name: n.Name, Reason: n.Reason})
	}
	for _, n := range res.Unmanaged {
		v.Notes = append(v.Notes, noteView{Kind: chip{Class: "idle", Text: "unmanaged"}, Name: n.Name, Reason: n.Reason})
	}
	for _, m := range d.o.Engine.AzureMaintenance(now) {
		v.Maintenance = append(v.Maintenance, maintView{Cluster: aksupgrade.ClusterName(m.ClusterID), Status: m.Status,
			From: when(m.Start, now, time.UTC), To: when(m.End, now, time.UTC), Description: m.Description})
	}
	return v, nil
}

// supportSoon: a supported cluster whose support ends sooner is drawn as
// one to look at (AKS announces end of support 60 days ahead).
const supportSoon = 60 * 24 * time.Hour

// zone is a stage's time zone.
func (d *Dashboard) zone(stage string) *time.Location {
	if d.o.Zone != nil {
		if loc := d.o.Zone(stage); loc != nil {
			return loc
		}
	}
	return time.UTC
}

// stageMarks are the stage's states a person should see at once: halted,
// awaiting approval, paused or aborted rollouts.
func stageMarks(sp planner.StagePlan, rollouts []aksupgrade.Rollout) []chip {
	var out []chip
	if sp.Halted != "" {
		out = append(out, chip{Class: "bad", Text: "halted", Title: aksupgrade.Printable(sp.Halted)})
	}
	for _, tp := range sp.Targets {
		if tp.State == planner.TargetApproval {
			out = append(out, chip{Class: "person", Text: "awaits approval of " + tp.Target.String()})
		}
	}
	for _, ro := range rollouts {
		if !mentions(sp, ro.Target) {
			continue
		}
		switch {
		case ro.Aborted != nil:
			out = append(out, chip{Class: "idle", Text: ro.Target.String() + " aborted by " + ro.Aborted.By, Title: ro.Aborted.Reason})
		case ro.Paused != nil:
			out = append(out, chip{Class: "person", Text: ro.Target.String() + " paused by " + ro.Paused.By, Title: ro.Paused.Reason})
		}
	}
	return out
}

// mentions tells whether a stage's plan has target t.
func mentions(sp planner.StagePlan, t aksupgrade.Target) bool {
	for _, tp := range sp.Targets {
		if tp.Target == t {
			return true
		}
	}
	return false
}

func targetRow(tp planner.TargetPlan, now time.Time, loc *time.Location) targetView {
	tv := targetView{Target: tp.Target.String(), Path: "/rollouts/" + pathOf(tp.Target), State: targetChip(tp.State),
		Done: tp.Done, Total: tp.Done + tp.Pending, Reason: aksupgrade.Printable(tp.Reason)}
	var ms []string
	if tp.ReachedAt != nil {
		verb := "reached "
		if tp.ReachedAt.After(now) {
			verb = "all clusters by "
		}
		ms = append(ms, verb+when(*tp.ReachedAt, now, loc))
	}
	if tp.ProvenAt != nil {
		verb := "proven "
		if tp.ProvenAt.After(now) {
			verb = "proven by "
		}
		ms = append(ms, verb+when(*tp.ProvenAt, now, loc))
	}
	tv.Milestones = strings.Join(ms, " · ")
	return tv
}

func clusterRow(cp planner.ClusterPlan, now time.Time, loc *time.Location) clusterView {
	cv := clusterView{Name: cp.Name, Location: cp.Location, Current: cp.Current, NodeImage: cp.NodeImage, Goal: cp.Goal,
		Reason: aksupgrade.Printable(cp.Reason), State: clusterChip(cp)}
	if cp.Target != nil {
		cv.Target = cp.Target.String()
	}
	if cp.State == planner.ClusterUpToDate {
		cv.Reason = "" // the chip says it
	}
	cv.Support = chip{Class: "ok", Text: cp.SupportLevel, Title: cp.Support}
	switch version.Support(cp.SupportLevel) {
	case "":
		cv.Support = chip{Class: "idle", Text: "unknown"}
	case version.PlatformSupport:
		cv.Support.Class = "wait"
	case version.OutOfSupport:
		cv.Support.Class = "bad"
	case version.Unknown:
		cv.Support.Class = "idle"
	}
	if cp.SupportUntil != nil {
		cv.SupportLeft = daysLeft(*cp.SupportUntil, now)
		if version.Support(cp.SupportLevel) == version.Supported && cp.SupportUntil.Sub(now) < supportSoon {
			cv.Support.Class = "wait"
		}
	}
	switch {
	case cp.EarliestStart != nil && cp.EarliestStart.After(now):
		cv.Next = "starts " + when(*cp.EarliestStart, now, loc)
	case cp.ExpectedFinish != nil && cp.ExpectedFinish.After(now):
		cv.Next = "done by " + when(*cp.ExpectedFinish, now, loc)
	}
	return cv
}

// clusterChip says where a cluster stands, in a word or two and a colour
// class: ok (nothing to do), busy (upgrading), wait (for a window, the
// stage before, its gates), person (a person must act), bad (halted,
// blocked), conflict and idle (held).
func clusterChip(cp planner.ClusterPlan) chip {
	to := ""
	if cp.Target != nil {
		to = " " + cp.Target.String()
	}
	switch cp.State {
	case planner.ClusterUpToDate:
		return chip{Class: "ok", Text: "up to date"}
	case planner.ClusterStarting:
		return chip{Class: "busy", Text: "starting" + to}
	case planner.ClusterUpgrading:
		return chip{Class: "busy", Text: "upgrading to" + to}
	case planner.ClusterWaiting:
		return chip{Class: "wait", Text: "waiting for" + to}
	case planner.ClusterApproval:
		return chip{Class: "person", Text: "awaits approval of" + to}
	case planner.ClusterGated:
		return chip{Class: "wait", Text: "gated"}
	case planner.ClusterBlocked:
		return chip{Class: "bad", Text: "blocked"}
	case planner.ClusterHalted:
		return chip{Class: "bad", Text: "halted"}
	case planner.ClusterConflict:
		return chip{Class: "conflict", Text: "conflict"}
	case planner.ClusterHeld:
		return chip{Class: "idle", Text: "held"}
	}
	return chip{Class: "idle", Text: string(cp.State)}
}

// queued is a target the plan rolls in a stage where no cluster has
// started towards it yet (it waits for a window or a slot).
func queued() chip { return chip{Class: "wait", Text: "queued"} }

func targetChip(s planner.TargetState) chip {
	switch s {
	case planner.TargetPending:
		return chip{Class: "wait", Text: "pending"}
	case planner.TargetRolling:
		return chip{Class: "busy", Text: "rolling"}
	case planner.TargetSoaking:
		return chip{Class: "soak", Text: "soaking"}
	case planner.TargetProven:
		return chip{Class: "ok", Text: "proven"}
	case planner.TargetApproval:
		return chip{Class: "person", Text: "awaits approval"}
	case planner.TargetHalted:
		return chip{Class: "bad", Text: "halted"}
	case planner.TargetSuperseded:
		return chip{Class: "idle", Text: "superseded"}
	}
	return chip{Class: "idle", Text: string(s)}
}

func pools(c aksupgrade.Cluster) []poolView {
	out := make([]poolView, 0, len(c.NodePools))
	for _, p := range c.NodePools {
		pv := poolView{Name: p.Name, Mode: strings.ToLower(p.Mode), Count: p.Count, Version: p.KubernetesVersion, Image: p.NodeImageVersion, Latest: p.LatestNodeImageVersion}
		if pv.Mode == strings.ToLower(p.Name) {
			pv.Mode = "" // "system system": the name says it
		}
		pv.Behind = p.LatestNodeImageVersion != "" && p.LatestNodeImageVersion != p.NodeImageVersion
		out = append(out, pv)
	}
	return out
}

// pathOf is a target as a path segment (what ParseTarget reads back).
func pathOf(t aksupgrade.Target) string { return url.PathEscape(t.Arg()) }
