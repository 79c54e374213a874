package planner

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// Duration is a time.Duration that reads "1h30m" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(fmtDur(time.Duration(d)))), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("duration: want a string such as \"1h30m\", found %s", b)
	}
	v, err := policy.ParseDuration(s)
	*d = Duration(v)
	return err
}

func fmtDur(d time.Duration) string { return policy.FormatDuration(d) }

// timeLayout reads well and says its offset: "Tue 2026-03-10 02:00 +01:00".
const timeLayout = "Mon 2006-01-02 15:04 -07:00"

// fmtTime formats t in the stage's zone; many clusters wait for the same
// window, so each instant is formatted once.
func (s *stageRun) fmtTime(t time.Time) string {
	key := timeKey{t.UnixNano(), s.si}
	text, ok := s.p.times[key]
	if !ok {
		text = t.In(s.p.stageLoc(s.si)).Format(timeLayout)
		s.p.times[key] = text
	}
	return text
}

type timeKey struct {
	unixNano int64
	stage    int
}

// stageLoc is the zone a stage's times are shown in: its window's.
func (p *planner) stageLoc(si int) *time.Location {
	if w := p.in.Policy.Stages[si].Window.Schedule; w != nil {
		return w.Location()
	}
	return time.UTC
}

func windowLabel(st *policy.Stage) string {
	if st.Window.FromCluster {
		return "each cluster's aksManagedAutoUpgradeSchedule"
	}
	return st.Window.Name
}

func approvalReason(stage string, j *job) string {
	what := "patch upgrade " + j.from + " → " + j.target.Version
	switch j.kind {
	case aksupgrade.UpdateMinor:
		to := j.target.Version
		what = fmt.Sprintf("minor upgrade %s → %s (%s)", minorOf(j.from), minorOf(to), to)
	case aksupgrade.UpdateNodeImage:
		what = "node image " + j.target.Version
	}
	return fmt.Sprintf("awaiting approval for %s in %s: aksupgrade rollout approve %s --stage %s", what, stage, j.target.Arg(), stage)
}

func minorOf(v string) string {
	if i := strings.LastIndexByte(v, '.'); i > 0 {
		return v[:i]
	}
	return v
}

// notProvenReason says why a target of the stage before is not yet usable.
func notProvenReason(now time.Time, prev string, up *targetState, soak time.Duration, loc *time.Location) string {
	head := fmt.Sprintf("%s not yet proven in %s: ", up.target, prev)
	switch {
	case up.isReached() && !up.proven.IsZero() && !up.proven.After(now):
		return head + "its soak ended " + up.proven.In(loc).Format(timeLayout) + "; recorded by this plan"
	case up.isReached() && !up.proven.IsZero():
		return head + "soaking until " + up.proven.In(loc).Format(timeLayout)
	case !up.proven.IsZero():
		return head + fmt.Sprintf("expected proven around %s (rollout, then %s soak)", up.proven.In(loc).Format(timeLayout), fmtDur(soak))
	}
	for _, j := range up.jobs {
		if j.state == ClusterApproval {
			return head + "awaiting approval there"
		}
	}
	for _, j := range up.jobs {
		if !j.known {
			return head + "waiting on " + j.m.c.Name + " there: " + j.reason
		}
	}
	return head + "its rollout there cannot be projected yet"
}

// compareVersionStrings orders dotted numeric versions ("1.31.10" after
// "1.31.9", "202502.01.0" after "202501.12.0"); non-numeric parts compare
// as text.
func compareVersionStrings(a, b string) int {
	for a != "" || b != "" {
		var pa, pb string
		pa, a, _ = strings.Cut(a, ".")
		pb, b, _ = strings.Cut(b, ".")
		na, ea := strconv.Atoi(pa)
		nb, eb := strconv.Atoi(pb)
		if ea == nil && eb == nil {
			if c := cmp.Compare(na, nb); c != 0 {
				return c
			}
			continue
		}
		if c := strings.Compare(pa, pb); c != 0 {
			return c
		}
	}
	return 0
}

func compareStrings(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
