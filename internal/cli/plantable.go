package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// writePlan prints a plan for a terminal: actions first, then each stage's
// targets and clusters, then what the plan leaves alone. A stage's times
// are in the zone of its window, others in zone. The text is drawn in
// memory and written in one go.
func writePlan(w io.Writer, res *planner.Result, pol *policy.Policy, zone *time.Location) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Plan at %s\n\n", longTime(res.Now, zone))
	fmt.Fprintln(&b, "ACTIONS NOW")
	if len(res.Actions) == 0 {
		fmt.Fprintln(&b, "  none")
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, a := range res.Actions {
		what := string(a.Kind)
		if a.Pool != "" {
			what += " " + a.Pool
		}
		change := a.Target.String()
		if a.From != "" {
			change = a.From + " → " + a.To
		}
		who := ""
		if a.Cluster != "" {
			who = aksupgrade.ClusterName(a.Cluster)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Stage, who, what, change)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, st := range res.Stages {
		loc := stageLocation(pol, i, zone)
		fmt.Fprintf(&b, "\nSTAGE %d %s   window %s", i+1, st.Name, st.Window)
		if st.Halted != "" {
			fmt.Fprintf(&b, "   HALTED: %s", st.Halted)
		}
		fmt.Fprintln(&b)
		fmt.Fprintf(&b, "  gates %s\n", pol.Stages[i].Gates.Describe())
		if len(st.Targets) > 0 {
			tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  TARGET\tSTATE\tHAVE\tTO GO\tREACHED\tPROVEN\t")
			for _, t := range st.Targets {
				fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\t%s\t%s\n", t.Target, t.State, t.Done, t.Pending, whenOrDash(t.ReachedAt, loc), whenOrDash(t.ProvenAt, loc), t.Reason)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		if len(st.Clusters) == 0 {
			fmt.Fprintln(&b, "  no clusters")
			continue
		}
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CLUSTER\tLOCATION\tCURRENT\tSUPPORT\tTARGET\tSTATE\tSTART\tFINISH\tREASON")
		for _, c := range st.Clusters {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Location, c.Current, shortSupport(c.Support), clusterTarget(c), c.State,
				whenOrDash(c.EarliestStart, loc), whenOrDash(c.ExpectedFinish, loc), c.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	notes := []struct {
		title string
		list  []planner.ClusterNote
	}{{"ERRORS", res.Errors}, {"CONFLICTS (AKS auto-upgrade on)", res.Conflicts}, {"UNMANAGED (no stage selects them)", res.Unmanaged}}
	for _, n := range notes {
		if len(n.list) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n", n.title)
		for _, c := range n.list {
			fmt.Fprintf(&b, "  %s: %s\n", c.Name, c.Reason)
		}
	}
	_, err := b.WriteTo(w)
	return err
}

// stageLocation is the zone of stage i's window, or zone for a stage that
// takes each cluster's own window.
func stageLocation(pol *policy.Policy, i int, zone *time.Location) *time.Location {
	if s := pol.Stages[i].Window.Schedule; s != nil {
		return s.Location()
	}
	return zone
}

// shortSupport fits a support status in a table column.
func shortSupport(s string) string {
	switch {
	case s == "":
		return "-"
	case strings.HasPrefix(s, "supported (long-term support) until "):
		return "LTS to " + strings.TrimPrefix(s, "supported (long-term support) until ")
	case strings.HasPrefix(s, "supported until "):
		return "to " + strings.TrimPrefix(s, "supported until ")
	case strings.HasPrefix(s, "platform support"):
		return "platform only"
	case strings.HasPrefix(s, "out of support"):
		return "OUT OF SUPPORT"
	}
	return s
}
