package demo

import (
	"fmt"
	"io"

	"github.com/aksupgrade/aksupgrade"
)

// render redraws the live view in place, fitted to the terminal's size
// (read again at each redraw, so a resize shows at the next one).
func (d *director) render() {
	res, hist := d.res, d.hist
	if res == nil {
		return
	}
	now := d.clk.Now()
	f := frame{
		Header: fmt.Sprintf("aksupgrade demo · simulated %s (%s) · %g× real time · %d ARM requests so far",
			fmtSim(now), elapsed(now.Sub(d.start)), d.o.Speed, len(d.sim.Requests())),
		Links: fmt.Sprintf("Dashboard %s · API %s", d.links.Dashboard, d.links.API),
	}
	for _, st := range res.Stages {
		f.Stages = append(f.Stages, frameStage{Name: st.Name, Halted: st.Halted, Clusters: st.Clusters})
	}
	if len(hist.Rollouts) > 0 {
		head := []string{"TARGET"}
		for _, st := range res.Stages {
			head = append(head, st.Name)
		}
		f.Rollouts = append(f.Rollouts, head)
		for _, r := range hist.Rollouts {
			row := []string{r.Target.String()}
			for _, st := range res.Stages {
				row = append(row, d.progress(r, st.Name))
			}
			f.Rollouts = append(f.Rollouts, row)
		}
	}
	cols, rows := 120, 40
	if d.o.Size != nil {
		if c, r, err := d.o.Size(); err == nil && c > 0 && r > 0 {
			cols, rows = c, r
		}
	}
	f.Events = d.tell.lines()
	// Home and clear, then exactly the terminal's rows, the last without a
	// newline: nothing scrolls. A failed write is kept by the teller's
	// output check too: the live view and the lines share Out.
	if _, err := io.WriteString(d.o.Out, "\x1b[H\x1b[2J"+fit(f, cols, rows)); err != nil {
		d.tell.fail(err)
	}
}

// progress is a target's progress in a stage, in the words the live
// view's legend explains.
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
