package notify

import (
	"time"

	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// Vocabulary is what package policy checks a policy's notifications
// against: the kinds of message (Kinds) and whether a template of a kind
// renders (CheckTemplate). Give it to policy.Load or policy.Parse to have
// a bad kind or template reported at its line in the file.
func Vocabulary() policy.Vocabulary {
	return policy.Vocabulary{Kinds: Kinds(), CheckTemplate: CheckTemplate}
}

// routes converts the policy's routes.
func routes(n *policy.Notifications) []Route {
	var out []Route
	for _, r := range n.Routes {
		nr := Route{Receiver: r.Receiver, Continue: r.Continue, GroupBy: r.GroupBy, GroupWait: r.GroupWait, RepeatInterval: r.RepeatInterval,
			Match: Match{Kinds: r.Kinds, Stages: r.Stages, Clusters: r.Clusters}}
		for _, s := range r.Severities {
			nr.Match.Severities = append(nr.Match.Severities, Severity(s))
		}
		for _, m := range r.MuteTimes {
			nr.MuteTimes = append(nr.MuteTimes, MuteTime{Weekdays: m.Weekdays, Start: m.Start, End: m.End, Location: m.Location})
		}
		out = append(out, nr)
	}
	return out
}

// messageOptions says how messages are written under pol: its stages in
// order, each in its window's zone, its templates, its server's URL.
func messageOptions(pol *policy.Policy, stageOf func(clusterID string) string) MessageOptions {
	n := pol.Notifications
	stages := make([]string, len(pol.Stages))
	zones := map[string]*time.Location{}
	for i, s := range pol.Stages {
		stages[i] = s.Name
		if s.Window.Schedule != nil {
			zones[s.Name] = s.Window.Schedule.Location()
		}
	}
	return MessageOptions{BaseURL: n.ServerURL, Stages: stages, Zones: zones, StageOf: stageOf, Templates: n.Templates}
}
