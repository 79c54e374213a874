package app

import (
	"time"

	"github.com/aksupgrade/aksupgrade/internal/dashboard"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// maxOpenings bounds the window openings the timeline draws per stage
// (a window open every hour for ninety days is 2,160).
const maxOpenings = 2500

// stageWindows returns, for the dashboard's timeline, the openings of a
// stage's own window that overlap [from, to); nil for a stage that uses
// each cluster's window, or that the policy does not have.
func stageWindows(pol *policy.Policy) func(stage string, from, to time.Time) []dashboard.Span {
	return func(stage string, from, to time.Time) []dashboard.Span {
		st := pol.Stage(stage)
		if st == nil || st.Window.FromCluster || st.Window.Schedule == nil {
			return nil
		}
		var out []dashboard.Span
		for _, o := range st.Window.Schedule.Next(from, maxOpenings) {
			if !o.Start.Before(to) {
				break
			}
			out = append(out, dashboard.Span{Start: o.Start, End: o.End})
		}
		if out == nil {
			out = []dashboard.Span{} // a window, closed all the while: not "each cluster's own"
		}
		return out
	}
}

// stageZone is the time zone of a stage's window, for the dashboard.
func stageZone(pol *policy.Policy) func(stage string) *time.Location {
	return func(stage string) *time.Location {
		st := pol.Stage(stage)
		if st == nil || st.Window.Schedule == nil {
			return nil
		}
		return st.Window.Schedule.Location()
	}
}
