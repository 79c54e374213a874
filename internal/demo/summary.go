package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// Summary is what the demo ends with.
type Summary struct {
	// Proven lists, per stage, the targets proven there.
	Proven map[string][]string
	// Makespan is the simulated time from the start to the last proof.
	Makespan time.Duration
	// Projections compare, per target, the planner's first projection of
	// its proof in the last stage with what happened.
	Projections []Projection
	// Requests and Throttled count the ARM requests the simulator
	// answered, and the 429s among them.
	Requests, Throttled int
	// Real is the wall-clock time the demo took.
	Real time.Duration
}

// Projection is a target's projected and actual proof in the last stage.
type Projection struct {
	Target            string
	MadeAt            time.Time
	Projected, Actual time.Time
}

func (d *director) summary(ctx context.Context, now time.Time, hist aksupgrade.History) (*Summary, error) {
	s := &Summary{Proven: map[string][]string{}}
	lastStage := d.pol.Stages[len(d.pol.Stages)-1].Name
	var last time.Time
	for _, r := range hist.Rollouts {
		for _, sp := range r.Stages {
			if sp.ProvenAt == nil {
				continue
			}
			s.Proven[sp.Stage] = append(s.Proven[sp.Stage], r.Target.String())
			if sp.ProvenAt.After(last) {
				last = *sp.ProvenAt
			}
			if sp.Stage == lastStage {
				if p, ok := d.projected[r.Target.String()]; ok {
					s.Projections = append(s.Projections, Projection{Target: r.Target.String(), MadeAt: d.madeAt[r.Target.String()], Projected: p, Actual: *sp.ProvenAt})
				}
			}
		}
	}
	s.Makespan = last.Sub(d.start)
	for _, r := range d.sim.Requests() {
		s.Requests++
		if r.Status == http.StatusTooManyRequests {
			s.Throttled++
		}
	}
	return s, nil
}

// Write prints the summary for people.
func (s *Summary) Write(w io.Writer, stages []string, start time.Time) error {
	var b strings.Builder
	fmt.Fprintln(&b, "\nSUMMARY")
	for _, st := range stages {
		fmt.Fprintf(&b, "  %-8s proven: %v\n", st, s.Proven[st])
	}
	fmt.Fprintf(&b, "  simulated makespan: %s (from the start to the last proof)\n", s.Makespan.Round(time.Minute))
	for _, p := range s.Projections {
		fmt.Fprintf(&b, "  %s in the last stage: projected %s (projection made %s), proven %s (%+.1fh)\n",
			p.Target, fmtSim(p.Projected), fmtSim(p.MadeAt), fmtSim(p.Actual), p.Actual.Sub(p.Projected).Hours())
	}
	fmt.Fprintf(&b, "  ARM requests: %d (%d throttled)\n", s.Requests, s.Throttled)
	fmt.Fprintf(&b, "  real time: %s\n", s.Real.Round(100*time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}
