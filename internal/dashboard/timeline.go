package dashboard

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/planner"
)

// chart is the plan drawn over time: per stage its window's openings,
// Azure's planned maintenance of its clusters, and a lane per target with
// its rollout (done, then projected), soak, approval and proof.
type chart struct {
	From, To, Now time.Time
	Stages        []chartStage
}

type chartStage struct {
	Name string
	// Note says why a stage has no windows drawn.
	Note    string
	Windows []Span
	Maint   []chartMark
	Lanes   []lane
}

type lane struct {
	Target string
	Bars   []bar
	Marks  []chartMark
	// Note says why nothing is drawn ahead (a halt, an approval, a stage
	// before that cannot be projected).
	Note string
}

// barKind is what a bar shows.
type barKind string

const (
	barRolling barKind = "rolling"
	barSoak    barKind = "soak"
	barHalted  barKind = "halted"
)

type bar struct {
	From, To  time.Time
	Kind      barKind
	Projected bool
	Title     string
}

// markKind is what a point on a lane shows.
type markKind string

const (
	markProven      markKind = "proven"
	markApproval    markKind = "approval"
	markApproved    markKind = "approved"
	markMaintenance markKind = "maintenance"
)

type chartMark struct {
	At, End time.Time
	Kind    markKind
	Title   string
}

// Bounds of the chart: a little of the past, the future until prod has
// every current target (within reason).
const (
	chartPast     = 3 * 24 * time.Hour
	chartMinPast  = 12 * time.Hour
	chartMinSpan  = 5 * 24 * time.Hour
	chartMaxAhead = 90 * 24 * time.Hour
)

// buildChart draws res and hist as a chart from a few days ago to the
// last projected milestone.
func (d *Dashboard) buildChart(res *planner.Result, hist aksupgrade.History, maint []engine.Maintenance, now time.Time) *chart {
	c := &chart{Now: now}
	first, last := now.Add(-chartMinPast), now.Add(chartMinSpan)
	stageOf := map[string]string{}
	for _, sp := range res.Stages {
		cs := chartStage{Name: sp.Name}
		for _, cl := range sp.Clusters {
			stageOf[strings.ToLower(cl.Cluster)] = sp.Name
		}
		for _, t := range stageTargets(sp, hist) {
			l := d.buildLane(sp, t, hist.Progress(sp.Name, t), res, now)
			for _, b := range l.Bars {
				last = later(last, b.To)
				if b.From.Before(first) {
					first = b.From
				}
			}
			for _, m := range l.Marks {
				last = later(last, m.At)
			}
			cs.Lanes = append(cs.Lanes, l)
		}
		c.Stages = append(c.Stages, cs)
	}
	if earliest := now.Add(-chartPast); first.Before(earliest) {
		first = earliest
	}
	c.From = first.Add(-6 * time.Hour).Truncate(24 * time.Hour)
	c.To = last.Add(24 * time.Hour).Truncate(24 * time.Hour)
	if max := now.Add(chartMaxAhead); c.To.After(max) {
		c.To = max
	}
	for i := range c.Stages {
		cs := &c.Stages[i]
		if d.o.Windows != nil {
			cs.Windows = d.o.Windows(cs.Name, c.From, c.To)
		}
		if cs.Windows == nil {
			cs.Note = "each cluster's own window"
		}
	}
	for _, m := range maint {
		st, ok := stageOf[strings.ToLower(m.ClusterID)]
		if !ok || m.End.Before(c.From) || m.Start.After(c.To) {
			continue
		}
		for i := range c.Stages {
			if c.Stages[i].Name == st {
				c.Stages[i].Maint = append(c.Stages[i].Maint, chartMark{At: m.Start, End: m.End, Kind: markMaintenance,
					Title: "Azure maintenance of " + aksupgrade.ClusterName(m.ClusterID) + " (" + m.Status + ")"})
			}
		}
	}
	return c
}

// stageTargets are the targets a stage's lanes show: the plan's, then
// those the history has for the stage that the plan no longer lists.
func stageTargets(sp planner.StagePlan, hist aksupgrade.History) []aksupgrade.Target {
	var out []aksupgrade.Target
	seen := map[aksupgrade.Target]bool{}
	for _, tp := range sp.Targets {
		out, seen[tp.Target] = append(out, tp.Target), true
	}
	for _, ro := range hist.Rollouts {
		if !seen[ro.Target] && hist.Progress(sp.Name, ro.Target) != nil {
			out, seen[ro.Target] = append(out, ro.Target), true
		}
	}
	return out
}

// buildLane draws one target in one stage: what the record says happened
// and, after now, what the plan projects.
func (d *Dashboard) buildLane(sp planner.StagePlan, t aksupgrade.Target, p *aksupgrade.StageProgress, res *planner.Result, now time.Time) lane {
	l := lane{Target: t.String()}
	var tp *planner.TargetPlan
	for i := range sp.Targets {
		if sp.Targets[i].Target == t {
			tp = &sp.Targets[i]
		}
	}
	var start, reached, proven *time.Time
	if p != nil {
		start, reached, proven = p.StartedAt, p.ReachedAt, p.ProvenAt
	}
	if start == nil {
		for _, cl := range sp.Clusters {
			if cl.Target != nil && *cl.Target == t && cl.EarliestStart != nil && (start == nil || cl.EarliestStart.Before(*start)) {
				start = cl.EarliestStart
			}
		}
	}
	if tp != nil && tp.State != planner.TargetSuperseded { // a superseded target has nothing ahead
		if reached == nil {
			reached = tp.ReachedAt
		}
		if proven == nil {
			proven = tp.ProvenAt
		}
	}
	halted := p != nil && p.Halt != nil
	l.Bars = append(l.Bars, phase(start, reached, now, barRolling, halted, t.String()+" rolling out")...)
	l.Bars = append(l.Bars, phase(reached, proven, now, barSoak, halted, t.String()+" soaking")...)
	if proven != nil {
		title := t.String() + " proven in " + sp.Name
		if proven.After(now) {
			title = t.String() + " projected to be proven in " + sp.Name
		}
		l.Marks = append(l.Marks, chartMark{At: *proven, Kind: markProven, Title: title})
	}
	if p != nil && p.Approval != nil {
		l.Marks = append(l.Marks, chartMark{At: p.Approval.At, Kind: markApproved, Title: t.String() + " approved for " + sp.Name + " by " + p.Approval.By})
	}
	if tp != nil && tp.State == planner.TargetApproval {
		at := now
		if prev := provenBefore(res, sp.Name, t); prev != nil && prev.After(now) {
			at = *prev
		}
		l.Marks = append(l.Marks, chartMark{At: at, Kind: markApproval, Title: t.String() + " awaits approval for " + sp.Name})
	}
	if halted {
		l.Bars = append(l.Bars, bar{From: p.Halt.At, To: now, Kind: barHalted, Title: "halted: " + aksupgrade.Printable(p.Halt.Reason)})
		l.Note = "halted"
	}
	if tp != nil && proven == nil && tp.Reason != "" && tp.State != planner.TargetSuperseded {
		l.Note = aksupgrade.Printable(tp.Reason)
	}
	return l
}

// phase draws one phase of a rollout (rolling out, soaking) from from to
// to: recorded, then projected; a phase begun whose end is not known runs
// to now, red when the stage halted; one not begun draws nothing.
func phase(from, to *time.Time, now time.Time, kind barKind, halted bool, title string) []bar {
	switch {
	case from != nil && to != nil:
		return split(*from, *to, now, kind, title)
	case from != nil && from.Before(now):
		if halted {
			kind = barHalted
		}
		return []bar{{From: *from, To: now, Kind: kind, Title: title}}
	}
	return nil
}

// split cuts [from, to) at now: recorded before, projected after.
func split(from, to, now time.Time, kind barKind, title string) []bar {
	switch {
	case !to.After(now):
		return []bar{{From: from, To: to, Kind: kind, Title: title}}
	case !from.Before(now):
		return []bar{{From: from, To: to, Kind: kind, Projected: true, Title: title + " (projected)"}}
	}
	return []bar{{From: from, To: now, Kind: kind, Title: title}, {From: now, To: to, Kind: kind, Projected: true, Title: title + " (projected)"}}
}

// provenBefore is when the stage before stage proves t (or proved it).
func provenBefore(res *planner.Result, stage string, t aksupgrade.Target) *time.Time {
	for i, sp := range res.Stages {
		if sp.Name != stage || i == 0 {
			continue
		}
		for _, tp := range res.Stages[i-1].Targets {
			if tp.Target == t {
				return tp.ProvenAt
			}
		}
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// timelineView is the timeline page: the chart inline, and its link.
type timelineView struct {
	NoPlan string
	SVG    template.HTML
}

func (d *Dashboard) chartSVG(r *http.Request) ([]byte, string, error) {
	res, err := d.o.Engine.LastPlan()
	switch {
	case err != nil:
		return nil, "The engine cannot plan: " + err.Error(), nil
	case res == nil:
		return nil, "No plan yet: the engine has not finished its first look at the fleet.", nil
	}
	hist, err := d.o.Store.History(r.Context())
	if err != nil {
		return nil, "", err
	}
	now := d.o.Clock.Now()
	var b bytes.Buffer
	d.buildChart(res, hist, d.o.Engine.AzureMaintenance(now), now).draw(&b)
	return b.Bytes(), "", nil
}

func (d *Dashboard) timeline(w http.ResponseWriter, r *http.Request) {
	svg, why, err := d.chartSVG(r)
	if err != nil {
		d.Fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	d.render(w, r, http.StatusOK, "timeline", &timelineView{NoPlan: why, SVG: template.HTML(svg)}) // draw escapes every text it writes
}

// timelineSVG serves the chart alone, at a URL messages and documents can
// link to.
func (d *Dashboard) timelineSVG(w http.ResponseWriter, r *http.Request) {
	svg, why, err := d.chartSVG(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if svg == nil {
		http.Error(w, why, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(svg) // a client that hung up gets nothing either way
}
