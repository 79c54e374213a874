package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/operator"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// director plays the person in the story: it watches the running
// product after each of its steps, tells what happened, and approves
// what waits for approval and fixes and retries what halts, each a pause
// (simulated time) after it showed the prompt, saying so.
type director struct {
	o     Options
	app   *app.App
	sim   *simulator.Simulator
	clk   *storyClock
	pol   *policy.Policy
	start time.Time
	tell  *teller
	// links says where the service answers.
	links links

	// prompts holds when (simulated time) each prompt was shown; zero once
	// acted on.
	prompts map[string]time.Time
	// projected holds each target's first projected proof in the last
	// stage, and madeAt when it was made.
	projected, madeAt map[string]time.Time
	toldAudit         map[int64]bool
	lastAuditAt       time.Time
	// told holds the Event Grid and poller events already told; grouped
	// the kinds of event already told at a time (Azure sends one per
	// cluster: the story tells one).
	told    map[store.EventKey]bool
	grouped map[string]bool
	// res and hist are what the last look saw, for the live view.
	res  *planner.Result
	hist aksupgrade.History
}

func newDirector(o Options, a *app.App, sim *simulator.Simulator, clk *storyClock, pol *policy.Policy, start time.Time, t *teller) *director {
	return &director{o: o, app: a, sim: sim, clk: clk, pol: pol, start: start, tell: t,
		prompts: map[string]time.Time{}, projected: map[string]time.Time{}, madeAt: map[string]time.Time{},
		toldAudit: map[int64]bool{}, told: map[store.EventKey]bool{}, grouped: map[string]bool{}}
}

// look reads what the product did since the last look, tells it, and
// acts where the person's pause has passed. It reports whether it acted
// (the engine should step again at once) and whether the story has
// ended.
func (d *director) look(ctx context.Context) (acted, ended bool, err error) {
	res, _ := d.app.Engine.LastPlan()
	if res == nil {
		return false, false, nil
	}
	hist, err := d.app.Store.History(ctx)
	if err != nil {
		return false, false, err
	}
	d.res, d.hist = res, hist
	// Errors first, so that the first line to carry one shows it whole.
	for _, st := range res.Stages {
		if h := haltOf(hist, st.Name); h != nil {
			d.tell.learn(h.Reason)
		}
		for _, c := range st.Clusters {
			if c.State == planner.ClusterGated || c.State == planner.ClusterHalted {
				d.tell.learn(c.Reason)
			}
		}
	}
	if err := d.readAudit(ctx); err != nil {
		return false, false, err
	}
	if err := d.readEvents(ctx); err != nil {
		return false, false, err
	}
	d.track(res)
	for _, c := range res.Conflicts {
		d.prompt("conflict/"+c.Cluster, "CONFLICT %s: %s. aksupgrade leaves it alone (with channels.takeOver: true in the policy it would set the channel itself).", c.Name, c.Reason)
	}
	if acted, err = d.act(ctx, res, hist); err != nil {
		return false, false, err
	}
	return acted, !acted && d.finished(d.clk.Now(), res), nil
}

// operate acts as the demo's person ("demo" in the audit), as the API
// and the dashboard's buttons do. Somebody may have acted first in the
// dashboard: an action done already is told, not a failure; a retry of a
// stage somebody retried already is left alone.
func (d *director) operate(ctx context.Context, r operator.Request) error {
	r.By = "demo"
	out, err := operator.Do(ctx, d.app.Engine, r)
	var ae *aksupgrade.Error
	switch {
	case r.Kind == operator.Retry && errors.As(err, &ae) && ae.Code == aksupgrade.ErrConflict:
		d.say("Stage %s was retried already.", r.Stage)
		return nil
	case err != nil:
		return err
	}
	d.say("%s", out.Message)
	return nil
}

// act is the person: fix and retry what halts, fix what the gates keep
// waiting, and approve, each after a pause.
func (d *director) act(ctx context.Context, res *planner.Result, hist aksupgrade.History) (bool, error) {
	acted := false
	for _, st := range res.Stages {
		if h := haltOf(hist, st.Name); h != nil {
			key := fmt.Sprintf("halt/%s/%s", st.Name, h.At)
			if d.prompt(key, "Stage %s HALTED: %s\n    A person would fix the cause, then run: aksupgrade rollout retry --stage %s. The demo does it %s later.",
				st.Name, h.Reason, st.Name, span(d.o.Pause)) {
				d.say("%s, and retries stage %s.", d.fix(h.Cluster), st.Name)
				if err := d.operate(ctx, operator.Request{Kind: operator.Retry, Stage: st.Name}); err != nil {
					return acted, err
				}
				acted = true
			}
		}
		for _, c := range st.Clusters {
			if c.Target == nil {
				continue
			}
			switch c.State {
			case planner.ClusterGated:
				key := "gated/" + c.Cluster + "/" + c.Target.String()
				if d.prompt(key, "%s WAITS, untouched, for %s: %s\n    A person would fix it; the gates look again by themselves. The demo fixes it %s later.",
					c.Name, c.Target, c.Reason, span(d.o.Pause)) {
					d.say("%s.", d.fix(c.Cluster))
					acted = true
				}
			case planner.ClusterApproval:
				key := "approve/" + st.Name + "/" + c.Target.String()
				if d.prompt(key, "APPROVAL NEEDED: %s\n    The demo approves it itself %s later, as a person would with: aksupgrade rollout approve %s --stage %s",
					c.Reason, span(d.o.Pause), c.Target, st.Name) {
					if err := d.operate(ctx, operator.Request{Kind: operator.Approve, Stage: st.Name, Target: *c.Target}); err != nil {
						return acted, err
					}
					acted = true
				}
			}
		}
	}
	return acted, nil
}

// fix plays the person who removes the cause on a cluster: it clears the
// simulator's faults there and says what that stands for.
func (d *director) fix(cluster string) string {
	name := aksupgrade.ClusterName(cluster)
	var did []string
	for _, f := range d.sim.Faults() {
		if !strings.EqualFold(f.Cluster, name) {
			continue
		}
		d.sim.ClearFault(f.ID)
		switch f.Kind {
		case simulator.FaultAppUnavailable:
			did = append(did, "The demo repairs the shop's front end on "+name+": its probe answers 200 again")
		case simulator.FaultDeprecatedAPI:
			did = append(did, fmt.Sprintf("The demo moves the client on %s off %s/%s %s, which %s removes", name, f.Group, f.Version, f.Resource, f.RemovedRelease))
		default:
			did = append(did, fmt.Sprintf("The demo clears the %s on %s", f.Kind, name))
		}
	}
	if len(did) == 0 {
		return "The demo finds nothing left to fix on " + name
	}
	return strings.Join(did, "; ")
}

// prompt shows a prompt once and reports true once, when its pause
// (simulated time) has passed since.
func (d *director) prompt(key, format string, args ...any) bool {
	now := d.clk.Now()
	shown, ok := d.prompts[key]
	if !ok {
		d.prompts[key] = now
		d.say(format, args...)
		return false
	}
	if shown.IsZero() || now.Sub(shown) < d.o.Pause {
		return false
	}
	d.prompts[key] = time.Time{} // acted on; never again
	return true
}

// nextPrompt is when the earliest prompt not acted on yet is due, after
// now; zero when none is.
func (d *director) nextPrompt(now time.Time) time.Time {
	var next time.Time
	for _, shown := range d.prompts {
		due := shown.Add(d.o.Pause)
		if shown.IsZero() || !due.After(now) {
			continue
		}
		if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	return next
}

// track keeps each target's first projected proof in the last stage.
func (d *director) track(res *planner.Result) {
	last := res.Stages[len(res.Stages)-1]
	for _, t := range last.Targets {
		k := t.Target.String()
		if _, ok := d.projected[k]; ok || t.ProvenAt == nil || t.State == planner.TargetProven {
			continue
		}
		d.projected[k] = *t.ProvenAt
		d.madeAt[k] = res.Now
	}
}

// unfinished says what keeps the story from its end.
func unfinished(res *planner.Result) string {
	if res == nil {
		return "the engine has not planned yet"
	}
	var open []string
	if len(res.Actions) > 0 {
		open = append(open, fmt.Sprintf("%d actions", len(res.Actions)))
	}
	for _, st := range res.Stages {
		if st.Halted != "" {
			open = append(open, st.Name+" halted")
		}
		for _, c := range st.Clusters {
			if c.State != planner.ClusterUpToDate && c.State != planner.ClusterConflict && c.State != planner.ClusterHeld {
				open = append(open, fmt.Sprintf("%s %s (%s)", c.Name, c.State, c.Reason))
			}
		}
		for _, t := range st.Targets {
			if t.State != planner.TargetProven && t.State != planner.TargetSuperseded {
				open = append(open, fmt.Sprintf("%s in %s %s", t.Target, st.Name, t.State))
			}
		}
	}
	return strings.Join(open, "; ")
}

// finished: a day in (the minor is out), nothing left to do, every target
// proven everywhere it went.
func (d *director) finished(now time.Time, res *planner.Result) bool {
	if now.Sub(d.start) < 25*time.Hour || len(res.Actions) > 0 {
		return false
	}
	for _, st := range res.Stages {
		if st.Halted != "" {
			return false
		}
		for _, c := range st.Clusters {
			// A conflict or a held cluster is not the stage's to finish.
			if c.State != planner.ClusterUpToDate && c.State != planner.ClusterConflict && c.State != planner.ClusterHeld {
				return false
			}
		}
		for _, t := range st.Targets {
			if t.State != planner.TargetProven && t.State != planner.TargetSuperseded {
				return false
			}
		}
	}
	return true
}

// readAudit turns new audit entries into lines of the story.
func (d *director) readAudit(ctx context.Context) error {
	// Everything since a little before the last entry told: an entry's
	// time is when its writer looked at the clock, which a step's waits
	// may have moved on since.
	entries, err := d.app.Store.Audit(ctx, store.AuditQuery{Since: d.lastAuditAt.Add(-6 * time.Hour)})
	if err != nil {
		return err
	}
	slices.Reverse(entries)
	for _, e := range entries {
		if d.toldAudit[e.ID] {
			continue
		}
		d.toldAudit[e.ID] = true
		if e.At.After(d.lastAuditAt) {
			d.lastAuditAt = e.At
		}
		if e.Kind == store.AuditKindRun && !strings.Contains(e.Message, "done") {
			continue
		}
		if e.Kind == store.AuditKindStep {
			continue // a failed step is told by the halt it causes
		}
		d.tell.tell(e.Message)
	}
	return nil
}

// notified tells a line of a notification as the terminal receiver
// wrote it.
func (d *director) notified(line string) { d.tell.tell("  ✉ " + line) }

// say tells what the person in the story does.
func (d *director) say(format string, args ...any) { d.tell.tell("» " + fmt.Sprintf(format, args...)) }

// readEvents tells what Azure announced: Event Grid deliveries and what
// polling found, once each, in a line.
func (d *director) readEvents(ctx context.Context) error {
	evs, err := d.app.Store.Events(ctx, 100)
	if err != nil {
		return err
	}
	slices.Reverse(evs)
	for _, e := range evs {
		if d.told[e.Key] || strings.HasPrefix(e.Key.Source, "aksupgrade/engine") {
			continue
		}
		d.told[e.Key] = true
		typed, err := eventlog.Decode(e)
		if err != nil || typed.NodePool != nil {
			continue // pool events tell what the engine already told
		}
		from := "Event Grid"
		if strings.HasPrefix(e.Key.Source, "aksupgrade/") {
			from = "polling"
		}
		// One line for what both Event Grid and polling found.
		group := string(e.Type) + "|" + e.Time.Truncate(time.Minute).String()
		if typed.Maintenance != nil {
			group += "|" + typed.Maintenance.Status + "|" + typed.Cluster
		}
		if d.grouped[group] {
			continue
		}
		d.grouped[group] = true
		line := typed.Describe()
		if typed.Maintenance == nil {
			line += " (and the other clusters there)"
		}
		d.tell.tell(from + ": " + line)
	}
	return nil
}

// haltOf returns the halt of a stage, if it is halted.
func haltOf(h aksupgrade.History, stage string) *aksupgrade.Halt {
	for _, r := range h.Rollouts {
		for _, sp := range r.Stages {
			if sp.Stage == stage && sp.Halt != nil {
				return sp.Halt
			}
		}
	}
	return nil
}
