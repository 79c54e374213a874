package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/server"
)

func newRollout(e *env) *cobra.Command {
	var (
		rm         remote
		by, output string
	)
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "List rollouts and act on them: approve, pause, resume, retry, abort",
		Long: `rollout talks to a running 'aksupgrade serve'. A target is a Kubernetes version
(1.31.4) or a node image release (nodeImage:202502.03.0). Every action is
recorded in the audit log with who did it: the name of the API token the
command sends (--token-file, or AKSUPGRADE_TOKEN).`,
	}
	cmd.PersistentFlags().StringVar(&by, "by", "", "no longer used: the audit records the token's name")
	if err := cmd.PersistentFlags().MarkDeprecated("by", "the audit records the name of the API token (--token-file, AKSUPGRADE_TOKEN)"); err != nil {
		panic(err) // the flag is defined just above
	}
	rm.flags(cmd.PersistentFlags())

	list := &cobra.Command{
		Use:   "list",
		Short: "List rollouts and their progress per stage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := rm.client(cmd.Context())
			if err != nil {
				return err
			}
			var st server.Status
			if err := c.do(cmd.Context(), "GET", "/api/v1/status", nil, &st); err != nil {
				return err
			}
			if output == "json" {
				return encodeJSON(e, st.Rollouts)
			}
			if len(st.Rollouts) == 0 {
				_, err := fmt.Fprintln(e.stdout, "No rollouts yet.")
				return err
			}
			var b bytes.Buffer
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			fmt.Fprint(tw, "TARGET")
			for _, sp := range st.Plan.Stages {
				fmt.Fprint(tw, "\t", sp.Name)
			}
			fmt.Fprintln(tw)
			for _, r := range st.Rollouts {
				fmt.Fprint(tw, r.Target.String())
				for _, sp := range st.Plan.Stages {
					fmt.Fprint(tw, "\t", stageProgressText(r, sp.Name))
				}
				fmt.Fprintln(tw)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			_, err = b.WriteTo(e.stdout)
			return err
		},
	}
	list.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")

	show := &cobra.Command{
		Use:   "show TARGET",
		Short: "Show one rollout with its audit log",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := aksupgrade.ParseTarget(args[0])
			if err != nil {
				return err
			}
			c, err := rm.client(cmd.Context())
			if err != nil {
				return err
			}
			var d server.RolloutDetail
			if err := c.do(cmd.Context(), "GET", "/api/v1/rollouts/"+url.PathEscape(t.Arg()), nil, &d); err != nil {
				return err
			}
			if output == "json" {
				return encodeJSON(e, d)
			}
			var b bytes.Buffer
			fmt.Fprintf(&b, "Rollout of %s\n", d.Rollout.Target)
			for _, sp := range d.Rollout.Stages {
				fmt.Fprintf(&b, "  %-10s %s\n", sp.Stage, stageProgressText(d.Rollout, sp.Stage))
				if sp.Halt != nil {
					fmt.Fprintf(&b, "             halted on %s: %s\n", aksupgrade.ClusterName(sp.Halt.Cluster), aksupgrade.Printable(sp.Halt.Reason))
				}
				// The evidence of a proof: the clusters behind it, and what
				// each gate saw in the last round.
				if len(sp.Evidence) > 0 {
					fmt.Fprintf(&b, "             clusters: %s\n", aksupgrade.Printable(strings.Join(sp.Evidence, ", ")))
				}
				for _, g := range sp.Gates {
					fmt.Fprintf(&b, "             gate: %s\n", aksupgrade.Printable(g))
				}
			}
			fmt.Fprintln(&b, "\nAUDIT (newest first)")
			for _, a := range d.Audit {
				fmt.Fprintf(&b, "  %s  %-8s %s\n", a.At.Format("2006-01-02 15:04"), aksupgrade.Printable(a.Actor), aksupgrade.Printable(a.Message))
			}
			_, err = b.WriteTo(e.stdout)
			return err
		},
	}
	show.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")

	var stage, reason string
	action := func(use, short, verb string, needStage bool) *cobra.Command {
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				t, err := aksupgrade.ParseTarget(args[0])
				if err != nil {
					return err
				}
				if needStage && stage == "" {
					return fmt.Errorf("say which stage: --stage NAME")
				}
				cl, err := rm.client(cmd.Context())
				if err != nil {
					return err
				}
				req := server.ActionRequest{Stage: stage, Reason: reason}
				var done server.ActionResult
				if err := cl.do(cmd.Context(), "POST", "/api/v1/rollouts/"+url.PathEscape(t.Arg())+"/"+verb, req, &done); err != nil {
					return err
				}
				what := verb
				if stage != "" {
					what += " for " + stage
				}
				_, err = fmt.Fprintf(e.stdout, "%s: %s, recorded as %s.\n", t, what, done.Actor)
				return err
			},
		}
		if needStage {
			c.Flags().StringVar(&stage, "stage", "", "the stage (required)")
		}
		c.Flags().StringVar(&reason, "reason", "", "why, for the audit log")
		return c
	}
	retry := &cobra.Command{
		Use:   "retry --stage NAME",
		Short: "Lift a stage's halt once its cause is fixed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stage == "" {
				return fmt.Errorf("say which stage: --stage NAME")
			}
			cl, err := rm.client(cmd.Context())
			if err != nil {
				return err
			}
			var done server.ActionResult
			if err := cl.do(cmd.Context(), "POST", "/api/v1/stages/"+url.PathEscape(stage)+"/retry", server.ActionRequest{}, &done); err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "Stage %s: retried, recorded as %s.\n", stage, done.Actor)
			return err
		},
	}
	retry.Flags().StringVar(&stage, "stage", "", "the halted stage (required)")
	cmd.AddCommand(list, show,
		action("approve TARGET --stage NAME", "Approve a target into a stage that requires approval", "approve", true),
		action("pause TARGET", "Hold a rollout: no new step towards its target starts", "pause", false),
		action("resume TARGET", "Let a paused rollout go on", "resume", false),
		action("abort TARGET", "Abandon a rollout: no stage receives its target any more", "abort", false),
		retry)
	return cmd
}

func encodeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func envOr(k, def string) string {
	if v := lookupEnv(k); v != "" {
		return v
	}
	return def
}
