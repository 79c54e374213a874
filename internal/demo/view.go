package demo

import (
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
)

// render redraws the live view in place, fitted to the terminal's size
// (read again at each redraw, so a resize shows at the next one).
func (d *director) render(now time.Time, res *planner.Result, hist aksupgrade.History) {
	f := frame{Header: fmt.Sprintf("aksupgrade demo   simulated %s (%s)   %gx   ARM requests: %d", fmtSim(now), elapsed(now.Sub(d.start)), d.o.Speed, len(d.sim.Requests()))}
	for _, st := range res.Stages {
		f.Stages = append(f.Stages, frameStage{Name: st.Name, Halted: st.Halted, Clusters: st.Clusters})
	}
	if len(hist.Rollouts) > 0 {
		head := []string{"ROLLOUT"}
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
	d.mu.Lock()
	defer d.mu.Unlock()
	f.Events = append(f.Events, d.events...)
	// Home and clear, then exactly the terminal's rows, the last without a
	// newline: nothing scrolls.
	d.write("\x1b[H\x1b[2J" + fit(f, cols, rows))
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
