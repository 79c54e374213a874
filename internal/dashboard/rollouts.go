package dashboard

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// rolloutsView is every rollout, each target's progress per stage.
type rolloutsView struct {
	Stages   []string
	Rollouts []rolloutRow
}

type rolloutRow struct {
	Target, Path string
	Mark         *chip
	Cells        []chip
}

func (d *Dashboard) rollouts(w http.ResponseWriter, r *http.Request) {
	hist, err := d.o.Store.History(r.Context())
	if err != nil {
		d.Fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	now := d.o.Clock.Now()
	res, _ := d.o.Engine.LastPlan() // without a plan, the stages come from the history alone
	v := &rolloutsView{Stages: stageNames(res, hist.Rollouts)}
	// The latest first: the rollout people ask about is the one that
	// moved last.
	ordered := slices.Clone(hist.Rollouts)
	slices.SortStableFunc(ordered, func(a, b aksupgrade.Rollout) int { return lastMove(b).Compare(lastMove(a)) })
	for _, ro := range ordered {
		row := rolloutRow{Target: ro.Target.String(), Path: "/rollouts/" + pathOf(ro.Target), Mark: rolloutMark(ro)}
		for _, st := range v.Stages {
			row.Cells = append(row.Cells, progressChip(ro, st, res, now, d.zone(st)))
		}
		v.Rollouts = append(v.Rollouts, row)
	}
	d.render(w, r, http.StatusOK, "rollouts", v)
}

// lastMove is the latest time a rollout's record names.
func lastMove(ro aksupgrade.Rollout) time.Time {
	var t time.Time
	for _, sp := range ro.Stages {
		for _, at := range []*time.Time{sp.StartedAt, sp.ReachedAt, sp.ProvenAt} {
			if at != nil && at.After(t) {
				t = *at
			}
		}
	}
	return t
}

// stageNames are the policy's stages in order (from the plan), then any
// stage only the history names.
func stageNames(res *planner.Result, rollouts []aksupgrade.Rollout) []string {
	var out []string
	seen := map[string]bool{}
	if res != nil {
		for _, sp := range res.Stages {
			out, seen[sp.Name] = append(out, sp.Name), true
		}
	}
	for _, ro := range rollouts {
		for _, sp := range ro.Stages {
			if !seen[sp.Stage] {
				out, seen[sp.Stage] = append(out, sp.Stage), true
			}
		}
	}
	return out
}

func rolloutMark(ro aksupgrade.Rollout) *chip {
	switch {
	case ro.Aborted != nil:
		return &chip{Class: "idle", Text: "aborted by " + ro.Aborted.By, Title: ro.Aborted.Reason}
	case ro.Paused != nil:
		return &chip{Class: "person", Text: "paused by " + ro.Paused.By, Title: ro.Paused.Reason}
	}
	return nil
}

// progressChip is where a rollout stands in a stage: from its record, or,
// before any, from the plan (awaiting approval, pending).
func progressChip(ro aksupgrade.Rollout, stage string, res *planner.Result, now time.Time, loc *time.Location) chip {
	if planned(res, stage, ro.Target) == planner.TargetSuperseded {
		return targetChip(planner.TargetSuperseded)
	}
	for _, sp := range ro.Stages {
		if sp.Stage != stage {
			continue
		}
		switch {
		case sp.Halt != nil:
			return chip{Class: "bad", Text: "halted", Title: sp.Halt.Reason}
		case sp.ProvenAt != nil:
			return chip{Class: "ok", Text: "proven " + when(*sp.ProvenAt, now, loc)}
		case sp.ReachedAt != nil:
			return chip{Class: "soak", Text: "soaking since " + when(*sp.ReachedAt, now, loc)}
		case sp.StartedAt != nil:
			return chip{Class: "busy", Text: "rolling since " + when(*sp.StartedAt, now, loc)}
		case sp.Approval != nil:
			return chip{Class: "ok", Text: "approved by " + sp.Approval.By}
		}
	}
	switch st := planned(res, stage, ro.Target); st {
	case "":
	case planner.TargetRolling: // and not started: no record above
		return queued()
	default:
		return targetChip(st)
	}
	return chip{Class: "none", Text: "-"}
}

// planned is where the plan has t in stage; "" when it has not.
func planned(res *planner.Result, stage string, t aksupgrade.Target) planner.TargetState {
	if res == nil {
		return ""
	}
	for _, sp := range res.Stages {
		if sp.Name != stage {
			continue
		}
		for _, tp := range sp.Targets {
			if tp.Target == t {
				return tp.State
			}
		}
	}
	return ""
}

// rolloutView is one rollout: each stage's record and the audit log.
type rolloutView struct {
	Target, Arg string
	Mark        *chip
	Stages      []stageRecord
	Audit       []auditRow
	// Active says whether it may still be paused or aborted.
	Active, Paused bool
}

type stageRecord struct {
	Name                     string
	State                    chip
	Started, Reached, Proven string
	Planned                  string
	Approval                 string
	Halt                     string
	Evidence                 []string
	Gates                    []string
}

type auditRow struct{ At, Actor, Kind, Stage, Cluster, Message string }

func (d *Dashboard) rollout(w http.ResponseWriter, r *http.Request) {
	t, err := aksupgrade.ParseTarget(r.PathValue("target"))
	if err != nil {
		d.Fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	hist, err := d.o.Store.History(r.Context())
	if err != nil {
		d.Fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	var ro *aksupgrade.Rollout
	for i := range hist.Rollouts {
		if hist.Rollouts[i].Target == t {
			ro = &hist.Rollouts[i]
		}
	}
	if ro == nil {
		d.Fail(w, r, http.StatusNotFound, "No rollout of "+t.String()+" yet: the rollouts page lists them.")
		return
	}
	now := d.o.Clock.Now()
	res, _ := d.o.Engine.LastPlan() // without a plan, the page shows the record alone
	v := &rolloutView{Target: t.String(), Arg: pathOf(t), Mark: rolloutMark(*ro), Active: ro.Aborted == nil, Paused: ro.Paused != nil}
	for _, st := range stageNames(res, hist.Rollouts) {
		loc := d.zone(st)
		rec := stageRecord{Name: st, State: progressChip(*ro, st, res, now, loc)}
		if p := hist.Progress(st, t); p != nil {
			rec.Started, rec.Reached, rec.Proven = whenPtr(p.StartedAt, now, loc), whenPtr(p.ReachedAt, now, loc), whenPtr(p.ProvenAt, now, loc)
			if p.Approval != nil {
				rec.Approval = "approved by " + p.Approval.By + " " + when(p.Approval.At, now, loc)
			}
			if p.Halt != nil {
				rec.Halt = aksupgrade.Printable(p.Halt.Reason)
			}
			rec.Evidence, rec.Gates = p.Evidence, p.Gates
		}
		if res != nil {
			for _, sp := range res.Stages {
				for _, tp := range sp.Targets {
					if sp.Name == st && tp.Target == t && tp.State != planner.TargetProven {
						if tp.State != planner.TargetSuperseded {
							rec.Planned = targetRow(tp, now, loc).Milestones
						}
						if tp.Reason != "" {
							rec.Planned = strings.TrimPrefix(rec.Planned+" · "+aksupgrade.Printable(tp.Reason), " · ")
						}
					}
				}
			}
		}
		v.Stages = append(v.Stages, rec)
	}
	audit, err := d.o.Store.Audit(r.Context(), store.AuditQuery{Target: t, Limit: 200})
	if err != nil {
		d.Fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	for _, e := range audit {
		v.Audit = append(v.Audit, auditRow{At: when(e.At, now, d.zone(e.Stage)), Actor: e.Actor, Kind: e.Kind, Stage: e.Stage,
			Cluster: aksupgrade.ClusterName(e.Cluster), Message: aksupgrade.Printable(e.Message)})
	}
	d.render(w, r, http.StatusOK, "rollout", v)
}

func whenPtr(t *time.Time, now time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return when(*t, now, loc)
}
