package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// writePlan prints a plan for a terminal: actions first, then each stage's
// targets and clusters, then what the plan leaves alone.
func writePlan(w io.Writer, res *planner.Result, pol *policy.Policy) error {
	fmt.Fprintf(w, "Plan at %s\n\n", res.Now.Format("Mon 2006-01-02 15:04 -07:00"))
	fmt.Fprintln(w, "ACTIONS NOW")
	if len(res.Actions) == 0 {
		fmt.Fprintln(w, "  none")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
			who = clusterName(a.Cluster)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Stage, who, what, change)
	}
	tw.Flush()
	for i, st := range res.Stages {
		loc := stageLocation(pol, i)
		fmt.Fprintf(w, "\nSTAGE %d %s   window %s", i+1, st.Name, st.Window)
		if st.Halted != "" {
			fmt.Fprintf(w, "   HALTED: %s", st.Halted)
		}
		fmt.Fprintln(w)
		if len(st.Targets) > 0 {
			tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  TARGET\tSTATE\tHAVE\tTO GO\tREACHED\tPROVEN\t")
			for _, t := range st.Targets {
				fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\t%s\t%s\n", t.Target, t.State, t.Done, t.Pending, when(t.ReachedAt, loc), when(t.ProvenAt, loc), t.Reason)
			}
			tw.Flush()
		}
		if len(st.Clusters) == 0 {
			fmt.Fprintln(w, "  no clusters")
			continue
		}
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CLUSTER\tLOCATION\tCURRENT\tSUPPORT\tTARGET\tSTATE\tSTART\tFINISH\tREASON")
		for _, c := range st.Clusters {
			target := "-"
			if c.Target != nil {
				target = c.Target.String()
				if c.Goal != "" {
					target += " (→ " + c.Goal + ")"
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Location, c.Current, shortSupport(c.Support), target, c.State,
				when(c.EarliestStart, loc), when(c.ExpectedFinish, loc), c.Reason)
		}
		tw.Flush()
	}
	notes := []struct {
		title string
		list  []planner.ClusterNote
	}{{"ERRORS", res.Errors}, {"CONFLICTS (AKS auto-upgrade on)", res.Conflicts}, {"UNMANAGED (no stage selects them)", res.Unmanaged}}
	for _, n := range notes {
		if len(n.list) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s\n", n.title)
		for _, c := range n.list {
			fmt.Fprintf(w, "  %s: %s\n", c.Name, c.Reason)
		}
	}
	return nil
}

func stageLocation(pol *policy.Policy, i int) *time.Location {
	if s := pol.Stages[i].Window.Schedule; s != nil {
		return s.Location()
	}
	return time.UTC
}

func when(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "-"
	}
	return t.In(loc).Format("Mon 01-02 15:04")
}

func clusterName(id string) string {
	id = strings.TrimRight(id, "/")
	return id[strings.LastIndexByte(id, '/')+1:]
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
