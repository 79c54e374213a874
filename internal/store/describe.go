package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// The Describe methods write the audit messages, for people, so that every
// implementation says the same thing. Clusters are named by the last
// segment of their ARM ID.

// Describe returns the audit message of t. soak is how long the target
// soaked before a proof (0 when unknown, and for other kinds).
func (t Transition) Describe(soak time.Duration) string {
	var b strings.Builder
	switch t.Kind {
	case TransitionStarted:
		fmt.Fprintf(&b, "%s started in %s", t.Target, t.Stage)
	case TransitionReached:
		fmt.Fprintf(&b, "%s reached in %s", t.Target, t.Stage)
	case TransitionProven:
		fmt.Fprintf(&b, "%s proven in %s", t.Target, t.Stage)
		if soak > 0 {
			fmt.Fprintf(&b, " after %s soak", FormatSoak(soak))
		}
	case TransitionApproved:
		fmt.Fprintf(&b, "%s approved for %s by %s", t.Target, t.Stage, t.Actor)
	case TransitionHalted:
		fmt.Fprintf(&b, "%s halted on %s", t.Stage, t.Target)
		if t.Cluster != "" {
			fmt.Fprintf(&b, ": %s failed", aksupgrade.ClusterName(t.Cluster))
		}
	case TransitionRetried:
		fmt.Fprintf(&b, "%s retried by %s", t.Stage, t.Actor)
	case TransitionPaused, TransitionResumed, TransitionAborted:
		fmt.Fprintf(&b, "rollout of %s %s by %s", t.Target, t.Kind, t.Actor)
	default:
		fmt.Fprintf(&b, "%s %s %s by %s", t.Kind, t.Stage, t.Target, t.Actor)
	}
	if t.Reason != "" {
		b.WriteString(": " + t.Reason)
	}
	if len(t.Evidence) > 0 && (t.Kind == TransitionReached || t.Kind == TransitionProven) {
		names := make([]string, len(t.Evidence))
		for i, e := range t.Evidence {
			names[i] = evidenceName(e)
		}
		fmt.Fprintf(&b, " (evidence: %s)", strings.Join(names, ", "))
	}
	return b.String()
}

// evidenceName is how a record's evidence is shown: a cluster by its name,
// a pool as cluster/pool (the planner writes them so). Only an ARM ID is
// cut to its cluster's name: cutting "sbx-1/system" would name a bare pool.
func evidenceName(e string) string {
	if strings.HasPrefix(strings.ToLower(e), "/subscriptions/") {
		return aksupgrade.ClusterName(e)
	}
	return e
}

// Describe returns the audit message of a run that changed state:
// "aks-test-1 in test towards 1.31.4: failed: drain blocked".
func (r Run) Describe() string {
	var b strings.Builder
	b.WriteString(aksupgrade.ClusterName(r.ClusterID))
	if r.Stage != "" {
		b.WriteString(" in " + r.Stage)
	}
	if r.Target != (aksupgrade.Target{}) {
		b.WriteString(" towards " + r.Target.String())
	}
	b.WriteString(": " + string(r.State))
	if r.Reason != "" {
		b.WriteString(": " + r.Reason)
	}
	return b.String()
}

// Describe returns the audit message of a step that began or changed
// state: "node pool np1 of aks-test-1 to 1.31.4: failed (drainFailed: ...)".
func (s StepRecord) Describe() string {
	var b strings.Builder
	b.WriteString(s.Step.Describe())
	state := s.State
	if state == "" {
		state = StepIssuing
	}
	b.WriteString(": " + string(state))
	switch {
	case s.ErrorCode != "" && s.Error != "":
		fmt.Fprintf(&b, " (%s: %s)", s.ErrorCode, s.Error)
	case s.ErrorCode != "" || s.Error != "":
		fmt.Fprintf(&b, " (%s%s)", s.ErrorCode, s.Error)
	}
	return b.String()
}

// FormatSoak writes a duration the way the policy does: "3d", "36h" is
// "1d12h", "90m" is "1h30m"; under a minute in seconds.
func FormatSoak(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}
