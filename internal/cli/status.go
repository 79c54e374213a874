package cli

import (
	"bytes"
	"encoding/json"
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
cluster's versions, where its upgrade stands, the reason of any wait and when
it may start; then each rollout's progress through the stages.`,
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
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return writeStatus(e.stdout, &st)
		},
	}
	rm.flags(cmd.Flags())
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// writeStatus prints a server's status for a terminal. The text is drawn
// in memory and written in one go.
func writeStatus(w io.Writer, st *server.Status) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Status at %s", st.Now.Format("Mon 2006-01-02 15:04 -07:00"))
	if st.FleetAt != nil {
		fmt.Fprintf(&b, " (fleet observed %s)", st.FleetAt.Format("15:04"))
	}
	fmt.Fprintln(&b)
	if st.EngineErr != "" && st.EngineErrAt != nil {
		fmt.Fprintf(&b, "\nThe engine's last step failed at %s: %s\n", st.EngineErrAt.Format("Mon 2006-01-02 15:04 -07:00"), aksupgrade.Printable(st.EngineErr))
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
		if sp.Halted != "" {
			fmt.Fprintf(&b, "   HALTED: %s", aksupgrade.Printable(sp.Halted))
		}
		fmt.Fprintln(&b)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CLUSTER\tVERSION\tNODE IMAGE\tSTEP\tSTATE\tNEXT\tREASON")
		for _, c := range sp.Clusters {
			step := "-"
			if r, ok := runs[strings.ToLower(c.Cluster)]; ok {
				step = string(r.State) + " " + r.Target.String()
			}
			next := "-"
			if c.EarliestStart != nil && c.EarliestStart.After(st.Now) {
				next = c.EarliestStart.Format("Mon 01-02 15:04")
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Current, orDash(c.NodeImage), step, c.State, next, aksupgrade.Printable(c.Reason))
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
			if r.Aborted != nil {
				line += " (aborted)"
			} else if r.Paused != nil {
				line += " (paused)"
			}
			for _, sp := range st.Plan.Stages {
				line += "\t" + stageProgressText(r, sp.Name)
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
			fmt.Fprintf(&b, "  %s  %s  %s to %s  %s\n", aksupgrade.ClusterName(m.ClusterID), m.Status, m.Start.Format("Mon 01-02 15:04"), m.End.Format("Mon 01-02 15:04"), m.Description)
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
			fmt.Fprintf(&b, "  %s %s %s since %s\n", aksupgrade.ClusterName(s.Step.ClusterID), describeStep(s.Step), s.State, s.StartedAt.Format("15:04"))
		}
	}
	_, err := b.WriteTo(w)
	return err
}

func stageProgressText(r aksupgrade.Rollout, stage string) string {
	for _, sp := range r.Stages {
		if sp.Stage != stage {
			continue
		}
		day := func(t *time.Time) string { return t.Format("01-02 15:04") }
		switch {
		case sp.Halt != nil:
			return "HALTED"
		case sp.ProvenAt != nil:
			return "proven " + day(sp.ProvenAt)
		case sp.ReachedAt != nil:
			return "soaking since " + day(sp.ReachedAt)
		case sp.StartedAt != nil:
			return "rolling since " + day(sp.StartedAt)
		case sp.Approval != nil:
			return "approved by " + sp.Approval.By
		}
	}
	return "-"
}

func describeStep(s aksupgrade.Step) string {
	switch s.Kind {
	case aksupgrade.StepControlPlane:
		return "control plane → " + s.Version
	case aksupgrade.StepNodePool:
		return "pool " + s.Pool + " → " + s.Version
	case aksupgrade.StepCluster:
		return "whole cluster → " + s.Version
	}
	return "pool " + s.Pool + " node image"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
