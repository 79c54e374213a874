package demo

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Summary is what the demo ends with.
type Summary struct {
	// Stages are the policy's stages, in order.
	Stages []string
	// Proven lists, per stage, the targets proven there, in the order
	// they were.
	Proven map[string][]string
	// Start is when the story began, and Makespan the simulated time from
	// then to the last proof.
	Start    time.Time
	Makespan time.Duration
	// Projections compare, per target, the planner's first projection of
	// its proof in the last stage with what happened.
	Projections []Projection
	// Requests and Throttled count the ARM requests the simulator
	// answered, and the 429s among them.
	Requests, Throttled int
	// Real is the wall-clock time the story took.
	Real time.Duration
}

// Projection is a target's projected and actual proof in the last stage.
type Projection struct {
	Target            string
	MadeAt            time.Time
	Projected, Actual time.Time
}

func (d *director) summary(took time.Duration) *Summary {
	s := &Summary{Proven: map[string][]string{}, Start: d.start, Real: took}
	for _, st := range d.pol.Stages {
		s.Stages = append(s.Stages, st.Name)
	}
	lastStage := s.Stages[len(s.Stages)-1]
	type proof struct {
		target string
		at     time.Time
	}
	proofs := map[string][]proof{}
	var last time.Time
	for _, r := range d.hist.Rollouts {
		for _, sp := range r.Stages {
			if sp.ProvenAt == nil {
				continue
			}
			proofs[sp.Stage] = append(proofs[sp.Stage], proof{r.Target.String(), *sp.ProvenAt})
			if sp.ProvenAt.After(last) {
				last = *sp.ProvenAt
			}
			if p, ok := d.projected[r.Target.String()]; ok && sp.Stage == lastStage {
				s.Projections = append(s.Projections, Projection{Target: r.Target.String(), MadeAt: d.madeAt[r.Target.String()], Projected: p, Actual: *sp.ProvenAt})
			}
		}
	}
	for st, ps := range proofs {
		slices.SortStableFunc(ps, func(a, b proof) int { return a.at.Compare(b.at) })
		for _, p := range ps {
			s.Proven[st] = append(s.Proven[st], p.target)
		}
	}
	s.Makespan = last.Sub(d.start)
	for _, r := range d.sim.Requests() {
		s.Requests++
		if r.Status == http.StatusTooManyRequests {
			s.Throttled++
		}
	}
	return s
}

// Write prints the summary for people.
func (s *Summary) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintln(&b, "\nSUMMARY")
	for _, st := range s.Stages {
		proven := "nothing"
		if len(s.Proven[st]) > 0 {
			proven = strings.Join(s.Proven[st], ", ")
		}
		fmt.Fprintf(&b, "  %-8s proven: %s\n", st, proven)
	}
	fmt.Fprintf(&b, "  simulated makespan: %s, from the start (%s) to the last proof (%s)\n",
		span(s.Makespan), fmtSim(s.Start), fmtSim(s.Start.Add(s.Makespan)))
	for _, p := range s.Projections {
		fmt.Fprintf(&b, "  %s in the last stage: projected %s (projection made %s), proven %s, %s\n",
			p.Target, fmtSim(p.Projected), fmtSim(p.MadeAt), fmtSim(p.Actual), drift(p.Actual.Sub(p.Projected)))
	}
	fmt.Fprintf(&b, "  ARM requests: %d (%d throttled)\n", s.Requests, s.Throttled)
	fmt.Fprintf(&b, "  real time: %s\n", span(s.Real))
	_, err := io.WriteString(w, b.String())
	return err
}

// drift says how far an outcome was from its projection.
func drift(d time.Duration) string {
	switch {
	case d.Abs() < time.Minute:
		return "as projected"
	case d > 0:
		return span(d) + " later than projected"
	}
	return span(-d) + " earlier than projected"
}
