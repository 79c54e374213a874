package demo

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
)

// render redraws the live view in place: simulated time, stages ×
// clusters with versions and states, rollouts per stage, latest events.
func (d *director) render(now time.Time, res *planner.Result, hist aksupgrade.History) {
	var b strings.Builder
	b.WriteString("\x1b[H\x1b[2J")
	fmt.Fprintf(&b, "aksupgrade demo   simulated %s (%s)   %gx   ARM requests: %d\n\n", fmtSim(now), elapsed(now.Sub(d.start)), d.o.Speed, len(d.sim.Requests()))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tCLUSTER\tREGION\tVERSION\tSTATE\tNEXT / REASON")
	for _, st := range res.Stages {
		name := st.Name
		if st.Halted != "" {
			name += " (HALTED)"
		}
		for i, c := range st.Clusters {
			if i > 0 {
				name = ""
			}
			reason := clip(c.Reason, 100)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, c.Name, c.Location, c.Current, c.State, reason)
		}
	}
	_ = tw.Flush() // into b, a strings.Builder: it cannot fail
	if len(hist.Rollouts) > 0 {
		b.WriteString("\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "ROLLOUT")
		for _, st := range res.Stages {
			fmt.Fprint(tw, "\t", strings.ToUpper(st.Name))
		}
		fmt.Fprintln(tw)
		for _, r := range hist.Rollouts {
			fmt.Fprint(tw, r.Target.String())
			for _, st := range res.Stages {
				fmt.Fprint(tw, "\t", d.progress(r, st.Name))
			}
			fmt.Fprintln(tw)
		}
		_ = tw.Flush() // into b, a strings.Builder: it cannot fail
	}
	b.WriteString("\nEVENTS\n")
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range d.events {
		b.WriteString("  " + clip(strings.ReplaceAll(e, "\n", " "), 170) + "\n")
	}
	d.write(b.String())
}

func (d *director) progress(r aksupgrade.Rollout, stage string) string {
	for _, sp := range r.Stages {
		if sp.Stage != stage {
			continue
		}
		switch {
		case sp.Halt != nil:
			return "HALTED"
		case sp.ProvenAt != nil:
			return "proven " + elapsed(sp.ProvenAt.Sub(d.start))
		case sp.ReachedAt != nil:
			return "soaking"
		case sp.StartedAt != nil:
			return "rolling"
		case sp.Approval != nil:
			return "approved"
		}
	}
	return "-"
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
