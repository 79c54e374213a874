package cli

import (
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
)

// What people did to rollouts and stages, in words, for status and
// rollout list/show. The marks (approved, paused, aborted, halted) come
// from the rollouts as the store holds them now; only "awaiting
// approval" comes from the plan, and a stored approval overrides it.

// rolloutMark says what holds a rollout: "aborted by bob: bad release",
// "paused by alice: CVE triage"; "" when nothing does.
func rolloutMark(r aksupgrade.Rollout) string {
	switch {
	case r.Aborted != nil:
		return "aborted " + markText(*r.Aborted)
	case r.Paused != nil:
		return "paused " + markText(*r.Paused)
	}
	return ""
}

// markText: "by alice: CVE triage", or "by alice" with no reason.
func markText(m aksupgrade.Mark) string {
	return "by " + m.By + reasonText(m.Reason)
}

// reasonText: ": CVE triage", or nothing with no reason.
func reasonText(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

// progressOf returns r's progress in stage, or nil.
func progressOf(r aksupgrade.Rollout, stage string) *aksupgrade.StageProgress {
	for i := range r.Stages {
		if r.Stages[i].Stage == stage {
			return &r.Stages[i]
		}
	}
	return nil
}

// awaitsApproval reports whether the plan has r's target waiting for a
// person's approval in stage, and no approval is stored since.
func awaitsApproval(plan *planner.Result, stage string, r aksupgrade.Rollout) bool {
	if r.Aborted != nil {
		return false
	}
	if p := progressOf(r, stage); p != nil && p.Approval != nil {
		return false
	}
	return slices.Contains(awaitingApproval(plan, stage), r.Target)
}

// awaitingApproval lists the targets the plan has waiting for approval in
// stage, in the plan's order.
func awaitingApproval(plan *planner.Result, stage string) []aksupgrade.Target {
	if plan == nil {
		return nil
	}
	for _, sp := range plan.Stages {
		if sp.Name == stage {
			return stageAwaiting(sp)
		}
	}
	return nil
}

// stageAwaiting lists the targets waiting for approval in sp.
func stageAwaiting(sp planner.StagePlan) []aksupgrade.Target {
	var out []aksupgrade.Target
	add := func(t aksupgrade.Target) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, tp := range sp.Targets {
		if tp.State == planner.TargetApproval {
			add(tp.Target)
		}
	}
	for _, c := range sp.Clusters {
		if c.State == planner.ClusterApproval && c.Target != nil {
			add(*c.Target)
		}
	}
	return out
}

// stageNotes says what holds stage sp now: its halt, the targets awaiting
// approval or approved and not started yet, and the rollouts paused or
// aborted that the stage still has to take ("halted: ...", "awaiting
// approval of 1.32.3", "1.31.4 paused by alice: CVE triage").
func stageNotes(sp planner.StagePlan, rollouts []aksupgrade.Rollout) []string {
	var notes []string
	// The earliest halt stops the stage, as the planner has it.
	var halt *aksupgrade.Halt
	for _, r := range rollouts {
		if p := progressOf(r, sp.Name); p != nil && p.Halt != nil && (halt == nil || p.Halt.At.Before(halt.At)) {
			halt = p.Halt
		}
	}
	if halt != nil {
		text := halt.Reason
		if halt.Cluster != "" {
			text += " (cluster " + aksupgrade.ClusterName(halt.Cluster) + ")"
		}
		notes = append(notes, "halted: "+text)
	}
	// The targets the stage still has to take, in the plan's order.
	var targets []aksupgrade.Target
	add := func(t aksupgrade.Target) {
		if !slices.Contains(targets, t) {
			targets = append(targets, t)
		}
	}
	for _, tp := range sp.Targets {
		if tp.State != planner.TargetProven && tp.State != planner.TargetSuperseded {
			add(tp.Target)
		}
	}
	for _, c := range sp.Clusters {
		if c.Target != nil {
			add(*c.Target)
		}
	}
	waiting := stageAwaiting(sp)
	for _, t := range targets {
		r := aksupgrade.Rollout{Target: t}
		if i := slices.IndexFunc(rollouts, func(r aksupgrade.Rollout) bool { return r.Target == t }); i >= 0 {
			r = rollouts[i]
		}
		p := progressOf(r, sp.Name)
		switch {
		case r.Aborted != nil:
			// Aborted: nothing more is asked of the stage.
		case p != nil && p.Approval != nil && p.StartedAt == nil:
			notes = append(notes, t.String()+" approved by "+p.Approval.By)
		case (p == nil || p.Approval == nil) && slices.Contains(waiting, t):
			notes = append(notes, "awaiting approval of "+t.String())
		}
		if m := rolloutMark(r); m != "" {
			notes = append(notes, t.String()+" "+m)
		}
	}
	return notes
}

// stageProgressText says in a table cell where r stands in stage, times
// in loc: "HALTED", "proven Tue 10 Mar 21:00 CET", "awaiting approval",
// ...; "-" before anything happened.
func stageProgressText(r aksupgrade.Rollout, stage string, awaiting bool, loc *time.Location) string {
	sp := progressOf(r, stage)
	switch {
	case sp != nil && sp.Halt != nil:
		return "HALTED"
	case sp != nil && sp.ProvenAt != nil:
		return "proven " + humanTime(*sp.ProvenAt, loc)
	case sp != nil && sp.ReachedAt != nil:
		return "soaking since " + humanTime(*sp.ReachedAt, loc)
	case sp != nil && sp.StartedAt != nil:
		return "rolling since " + humanTime(*sp.StartedAt, loc)
	case sp != nil && sp.Approval != nil:
		return "approved by " + sp.Approval.By
	case awaiting:
		return "awaiting approval"
	}
	return "-"
}

// rolloutState says in a table cell what holds r, everywhere: paused or
// aborted, and the stages it awaits approval in; "-" when nothing does.
func rolloutState(plan *planner.Result, r aksupgrade.Rollout) string {
	var parts []string
	if m := rolloutMark(r); m != "" {
		parts = append(parts, m)
	}
	var stages []string
	if plan != nil {
		for _, sp := range plan.Stages {
			if awaitsApproval(plan, sp.Name, r) {
				stages = append(stages, sp.Name)
			}
		}
	}
	if len(stages) > 0 {
		parts = append(parts, "awaiting approval in "+joinAnd(stages))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

// clusterTarget is a cluster's next target in a table cell: "1.32.3",
// "1.32.3 (→ 1.33.1)" when that is a hop on the way, "-" for none.
func clusterTarget(c planner.ClusterPlan) string {
	if c.Target == nil {
		return "-"
	}
	t := c.Target.String()
	if c.Goal != "" {
		t += " (→ " + c.Goal + ")"
	}
	return t
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
