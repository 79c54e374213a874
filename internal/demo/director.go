package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// director watches the running product and plays the person in the
// story: it approves what waits for approval and fixes and retries what
// halts, each after a pause, saying so.
type director struct {
	o     Options
	app   *app.App
	sim   *simulator.Simulator
	clk   *clock.Scaled
	pol   *policy.Policy
	start time.Time

	// prompts holds when (real time) each prompt was first shown.
	prompts map[string]time.Time
	// projected holds each target's first projected proof in the last
	// stage, and when it was made.
	projected   map[string]time.Time
	madeAt      map[string]time.Time
	toldAudit   map[int64]bool
	lastAuditAt time.Time
	// mu guards events and the output: notifications arrive from another
	// goroutine.
	mu     sync.Mutex
	events []string
	// outErr is the first failure to write to Options.Out; play stops
	// with it.
	outErr error
	// told holds the Event Grid and poller events already told; grouped
	// the kinds of event already told at a time (Azure sends one per
	// cluster: the story tells one).
	told    map[store.EventKey]bool
	grouped map[string]bool
}

func (d *director) play(ctx context.Context) (*Summary, error) {
	d.madeAt = map[string]time.Time{}
	d.say("aksupgrade demo: %d clusters in %d stages, simulated Azure at %gx real time (one simulated hour every %.1fs).",
		len(d.sim.Fleet().Clusters), len(d.pol.Stages), d.o.Speed, 3600/d.o.Speed)
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
		now := d.clk.Now()
		res, _ := d.app.Engine.LastPlan()
		if res == nil {
			continue
		}
		hist, err := d.app.Store.History(ctx)
		if err != nil {
			return nil, err
		}
		if err := d.readAudit(ctx); err != nil {
			return nil, err
		}
		if err := d.readEvents(ctx); err != nil {
			return nil, err
		}
		d.track(res)
		for _, c := range res.Conflicts {
			d.prompt("conflict/"+c.Cluster, "CONFLICT %s: %s. aksupgrade leaves it alone (with channels.takeOver: true in the policy it would set the channel itself).", c.Name, c.Reason)
		}
		if err := d.act(ctx, res, hist); err != nil {
			return nil, err
		}
		if d.o.Live {
			d.render(now, res, hist)
		}
		if err := d.outputErr(); err != nil {
			return nil, fmt.Errorf("write the demo's output: %w", err)
		}
		if d.finished(now, res) {
			return d.summary(ctx, now, hist)
		}
		if now.Sub(d.start) > d.o.Limit {
			return nil, fmt.Errorf("%w (%s); still open: %s", errLimit, d.o.Limit, unfinished(res))
		}
	}
}

// act is the person: fix and retry what halts, fix what the gates keep
// waiting, and approve, each after a pause.
func (d *director) act(ctx context.Context, res *planner.Result, hist aksupgrade.History) error {
	for _, st := range res.Stages {
		if h := haltOf(hist, st.Name); h != nil {
			key := fmt.Sprintf("halt/%s/%s", st.Name, h.At)
			if d.prompt(key, "Stage %s HALTED: %s\n    A person would fix the cause, then run: aksupgrade rollout retry --stage %s. The demo does it in %s.",
				st.Name, h.Reason, st.Name, d.o.Pause) {
				d.say("%s, and retries stage %s.", d.fix(h.Cluster), st.Name)
				if err := d.app.Engine.Retry(ctx, st.Name, "demo"); err != nil {
					return err
				}
			}
		}
		for _, c := range st.Clusters {
			if c.Target == nil {
				continue
			}
			switch c.State {
			case planner.ClusterGated:
				key := "gated/" + c.Cluster + "/" + c.Target.String()
				if d.prompt(key, "%s WAITS, untouched, for %s: %s\n    A person would fix it; the gates look again by themselves. The demo fixes it in %s.",
					c.Name, c.Target, c.Reason, d.o.Pause) {
					d.say("%s.", d.fix(c.Cluster))
				}
			case planner.ClusterApproval:
				key := "approve/" + st.Name + "/" + c.Target.String()
				if d.prompt(key, "APPROVAL NEEDED: %s\n    The demo approves it itself in %s, as a person would with: aksupgrade rollout approve %s --stage %s",
					c.Reason, d.o.Pause, c.Target, st.Name) {
					if err := d.app.Engine.Approve(ctx, st.Name, *c.Target, "demo"); err != nil {
						return err
					}
					d.say("Approved %s for %s (recorded as \"demo\").", c.Target, st.Name)
				}
			}
		}
	}
	return nil
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

// prompt shows a prompt once and reports true once its pause has passed.
func (d *director) prompt(key, format string, args ...any) bool {
	first, ok := d.prompts[key]
	if !ok {
		d.prompts[key] = time.Now()
		d.say(format, args...)
		return false
	}
	if first.IsZero() || time.Since(first) < d.o.Pause {
		return false
	}
	d.prompts[key] = time.Time{} // acted on; never again
	return true
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

// finished: a day in (the minor is out), nothing left to do, every target
// proven everywhere it went.
// unfinished says what keeps the story from its end.
func unfinished(res *planner.Result) string {
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
	// Everything since a little before the last entry told: under load
	// many entries come between two looks, and an entry's time is when
	// its writer looked at the clock, not when it was written.
	if d.toldAudit == nil {
		d.toldAudit = map[int64]bool{}
	}
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
		d.event(e.At, e.Message)
	}
	return nil
}

func (d *director) event(at time.Time, msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	line := fmt.Sprintf("[%s] %s", elapsed(at.Sub(d.start)), msg)
	d.events = append(d.events, line)
	if len(d.events) > 12 {
		d.events = d.events[len(d.events)-12:]
	}
	if !d.o.Live {
		d.write(line + "\n")
	}
}

// write writes s to Options.Out, unless a write failed before; d.mu must
// be held.
func (d *director) write(s string) {
	if d.outErr == nil {
		_, d.outErr = io.WriteString(d.o.Out, s)
	}
}

// outputErr is the first failure to write to Options.Out, if any.
func (d *director) outputErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.outErr
}

// notified tells a line of a notification as the terminal receiver got
// it. It is called from the notifier's goroutine.
func (d *director) notified(line string) {
	d.event(d.clk.Now(), "  ✉ "+line)
}

func (d *director) say(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.event(d.clk.Now(), "» "+msg)
}

// readEvents tells what Azure announced: Event Grid deliveries and what
// polling found, once each, in a line.
func (d *director) readEvents(ctx context.Context) error {
	if d.told == nil {
		d.told, d.grouped = map[store.EventKey]bool{}, map[string]bool{}
	}
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
		group := from + "|" + string(e.Type) + "|" + e.Time.Truncate(time.Minute).String()
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
		d.event(e.Time, from+": "+line)
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
