package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/operator"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// wait is something that waits on a person, with the action that settles
// it.
type wait struct {
	// Kind is approval, halt or paused.
	Kind   string
	Stage  string
	Target string
	// Arg is the target as the form's path takes it.
	Arg    string
	Why    string
	Detail string
	// Lines say what settles it and what it sets off, for an approval.
	Lines []string
}

// waiting lists what waits on a person: targets awaiting approval into a
// stage, halted stages, paused rollouts.
func (d *Dashboard) waiting(res *planner.Result, rollouts []aksupgrade.Rollout, now time.Time) []wait {
	var out []wait
	hist := aksupgrade.History{Rollouts: rollouts}
	for i, sp := range res.Stages {
		if sp.Halted != "" {
			w := wait{Kind: "halt", Stage: sp.Name, Why: aksupgrade.Printable(sp.Halted)}
			for _, tp := range sp.Targets {
				if tp.State == planner.TargetHalted {
					w.Target, w.Arg = tp.Target.String(), pathOf(tp.Target)
				}
			}
			out = append(out, w)
		}
		for _, tp := range sp.Targets {
			if tp.State == planner.TargetApproval {
				w := wait{Kind: "approval", Stage: sp.Name, Target: tp.Target.String(), Arg: pathOf(tp.Target)}
				if i > 0 {
					prev := res.Stages[i-1].Name
					if p := hist.Progress(prev, tp.Target); p != nil && p.ProvenAt != nil {
						line := "Proven in " + prev + " " + when(*p.ProvenAt, now, d.zone(prev))
						if len(p.Evidence) > 0 {
							line += " on " + list(p.Evidence)
						}
						w.Lines = append(w.Lines, line+".")
					}
				}
				var names []string
				for _, c := range sp.Clusters {
					if c.Target != nil && *c.Target == tp.Target {
						names = append(names, c.Name)
					}
				}
				if len(names) > 0 {
					w.Lines = append(w.Lines, fmt.Sprintf("Approving lets it start on %d clusters of %s, in the window %s: %s.", len(names), sp.Name, sp.Window, list(names)))
				}
				out = append(out, w)
			}
		}
	}
	for _, ro := range rollouts {
		if ro.Paused != nil && ro.Aborted == nil {
			out = append(out, wait{Kind: "paused", Target: ro.Target.String(), Arg: pathOf(ro.Target),
				Why: "paused by " + ro.Paused.By, Detail: ro.Paused.Reason})
		}
	}
	return out
}

// approvalsView is the page of what waits on people, and the rollouts a
// person may pause or abort.
type approvalsView struct {
	NoPlan  string
	Waiting []wait
	Active  []activeRollout
}

type activeRollout struct {
	Target, Arg, Where string
	Paused             bool
}

func (d *Dashboard) approvals(w http.ResponseWriter, r *http.Request) {
	v := &approvalsView{}
	res, err := d.o.Engine.LastPlan()
	switch {
	case err != nil:
		v.NoPlan = "The engine cannot plan: " + err.Error()
	case res == nil:
		v.NoPlan = "No plan yet: the engine has not finished its first look at the fleet."
	}
	hist, herr := d.o.Store.History(r.Context())
	if herr != nil {
		d.Fail(w, r, http.StatusInternalServerError, herr.Error())
		return
	}
	if res != nil {
		v.Waiting = d.waiting(res, hist.Rollouts, d.o.Clock.Now())
		for _, ro := range hist.Rollouts {
			if ro.Aborted != nil {
				continue
			}
			var where []string
			for _, sp := range res.Stages {
				for _, tp := range sp.Targets {
					if tp.Target == ro.Target && tp.State != planner.TargetProven && tp.State != planner.TargetSuperseded {
						where = append(where, sp.Name+" "+targetChip(tp.State).Text)
					}
				}
			}
			if len(where) > 0 {
				v.Active = append(v.Active, activeRollout{Target: ro.Target.String(), Arg: pathOf(ro.Target), Where: strings.Join(where, ", "), Paused: ro.Paused != nil})
			}
		}
	}
	d.render(w, r, http.StatusOK, "approvals", v)
}

// The buttons: each form posts here, package operator has the engine
// record the action with the caller as actor, as the API does, and the
// browser goes back to the page it came from with the outcome in a
// sentence.

func (d *Dashboard) approve(w http.ResponseWriter, r *http.Request) { d.act(w, r, operator.Approve) }
func (d *Dashboard) pause(w http.ResponseWriter, r *http.Request)   { d.act(w, r, operator.Pause) }
func (d *Dashboard) resume(w http.ResponseWriter, r *http.Request)  { d.act(w, r, operator.Resume) }
func (d *Dashboard) abort(w http.ResponseWriter, r *http.Request)   { d.act(w, r, operator.Abort) }
func (d *Dashboard) retry(w http.ResponseWriter, r *http.Request)   { d.act(w, r, operator.Retry) }

func (d *Dashboard) act(w http.ResponseWriter, r *http.Request, kind operator.Kind) {
	back := localPath(r.PostFormValue("back"))
	id, ok := auth.From(r.Context())
	if !ok || id.Name == "" {
		d.Fail(w, r, http.StatusUnauthorized, "Sign in first.")
		return
	}
	req := operator.Request{Kind: kind, By: id.Name, Stage: r.PathValue("stage"), Reason: r.PostFormValue("reason")}
	if kind != operator.Retry {
		t, err := aksupgrade.ParseTarget(r.PathValue("target"))
		if err != nil {
			setFlash(w, r, false, err.Error())
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		req.Target, req.Stage = t, r.PostFormValue("stage")
	}
	out, err := operator.Do(r.Context(), d.o.Engine, req)
	if err != nil {
		setFlash(w, r, false, d.refusal(r, id.Name, err))
	} else {
		setFlash(w, r, true, out.Message)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// refusal says why an action was refused, as far as the person is to
// know: the domain's and the store's refusals in full; anything else
// (the database unreachable, a bug) only as a failure, with the cause in
// the log.
func (d *Dashboard) refusal(r *http.Request, who string, err error) string {
	var ae *aksupgrade.Error
	if errors.As(err, &ae) || errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrActiveStep) {
		d.log.Info("dashboard action refused", "who", who, "path", r.URL.Path, "err", err)
		return aksupgrade.Printable(err.Error())
	}
	d.log.Error("dashboard action failed", "who", who, "path", r.URL.Path, "err", err)
	return "The action failed and nothing was recorded; the server's log says why. Try again in a moment."
}
