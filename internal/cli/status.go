package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/server"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

func newStatus(e *env) *cobra.Command {
	var (
		rm     remote
		output string
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the fleet by stage and every rollout's progress, from a running server",
		Long: `status asks a running 'aksupgrade serve' for the fleet by stage: each
cluster's versions, its next target, where its upgrade stands, the reason of
any wait and when it may start; each stage's approvals, pauses, aborts and
halts; then each rollout's progress through the stages. It says how long ago
the fleet was observed. Times are in the local zone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			c, err := rm.client(cmd.Context())
			if err != nil {
				return err
			}
			var st server.Status
			if err := c.do(cmd.Context(), "GET", "/api/v1/status", nil, &st); err != nil {
				return err
			}
			if output == "json" {
				return encodeJSON(e, st)
			}
			return writeStatus(e.stdout, &st, e.zone)
		},
	}
	rm.flags(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, or json (the API's GET /api/v1/status)")
	return cmd
}

// writeStatus prints a server's status for a terminal, times in loc.
// What people did (approvals, pauses, aborts, halts) comes from the
// rollouts as stored now, not from the plan, which may be older. The text
// is drawn in memory and written in one go.
func writeStatus(w io.Writer, st *server.Status, loc *time.Location) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Status at %s", longTime(st.Now, loc))
	if st.FleetAt != nil {
		fmt.Fprintf(&b, " (fleet observed %s)", ago(st.Now, *st.FleetAt))
	} else {
		fmt.Fprint(&b, " (the fleet has not been observed yet)")
	}
	fmt.Fprintln(&b)
	if st.EngineErr != "" && st.EngineErrAt != nil {
		fmt.Fprintf(&b, "\nThe engine's last step failed at %s: %s\n", longTime(*st.EngineErrAt, loc), aksupgrade.Printable(st.EngineErr))
	}
	if st.PlanErr != "" {
		fmt.Fprintf(&b, "\nThe engine cannot plan: %s\n", st.PlanErr)
	}
	if st.Plan == nil {
		fmt.Fprintln(&b, "\nNo plan yet: the engine has not finished its first step.")
		_, err := b.WriteTo(w)
		return err
	}
	runs := map[string]store.Run{}
	for _, r := range st.Runs {
		runs[strings.ToLower(r.ClusterID)] = r
	}
	for _, sp := range st.Plan.Stages {
		fmt.Fprintf(&b, "\nSTAGE %s   window %s", sp.Name, sp.Window)
		for _, n := range stageNotes(sp, st.Rollouts) {
			fmt.Fprintf(&b, "   %s", aksupgrade.Printable(n))
		}
		fmt.Fprintln(&b)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CLUSTER\tVERSION\tNODE IMAGE\tTARGET\tSTEP\tSTATE\tNEXT\tREASON")
		for _, c := range sp.Clusters {
			step := "-"
			if r, ok := runs[strings.ToLower(c.Cluster)]; ok {
				step = string(r.State) + " " + r.Target.String()
			}
			next := "-"
			if c.EarliestStart != nil && c.EarliestStart.After(st.Now) {
				next = humanTime(*c.EarliestStart, loc)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Current, orDash(c.NodeImage), clusterTarget(c), step, c.State, next, aksupgrade.Printable(c.Reason))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(st.Rollouts) > 0 {
		fmt.Fprintln(&b, "\nROLLOUTS")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		header := "  TARGET"
		for _, sp := range st.Plan.Stages {
			header += "\t" + strings.ToUpper(sp.Name)
		}
		fmt.Fprintln(tw, header)
		for _, r := range st.Rollouts {
			line := "  " + r.Target.String()
			if m := rolloutMark(r); m != "" {
				line += " (" + aksupgrade.Printable(m) + ")"
			}
			for _, sp := range st.Plan.Stages {
				line += "\t" + aksupgrade.Printable(stageProgressText(r, sp.Name, awaitsApproval(st.Plan, sp.Name, r), loc))
			}
			fmt.Fprintln(tw, line)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(st.Maintenance) > 0 {
		fmt.Fprintln(&b, "\nAZURE PLANNED MAINTENANCE (no upgrade is started into it)")
		for _, m := range st.Maintenance {
			fmt.Fprintf(&b, "  %s  %s  %s to %s  %s\n", aksupgrade.ClusterName(m.ClusterID), m.Status, humanTime(m.Start, loc), humanTime(m.End, loc), m.Description)
		}
	}
	if len(st.Notices) > 0 {
		fmt.Fprintln(&b, "\nSUPPORT")
		for _, n := range st.Notices {
			fmt.Fprintf(&b, "  %s\n", aksupgrade.Printable(n.Summary))
		}
	}
	if len(st.Steps) > 0 {
		fmt.Fprintln(&b, "\nOPERATIONS IN FLIGHT")
		for _, s := range st.Steps {
			fmt.Fprintf(&b, "  %s %s %s since %s (%s)\n", aksupgrade.ClusterName(s.Step.ClusterID), s.Step.Change(), s.State, humanTime(s.StartedAt, loc), aksupgrade.FormatSpan(st.Now.Sub(s.StartedAt)))
		}
	}
	_, err := b.WriteTo(w)
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
