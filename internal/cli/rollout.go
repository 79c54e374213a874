package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

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
		Short: "List rollouts: what holds each (paused, aborted, awaiting approval) and its progress per stage",
		Args:  cobra.NoArgs,
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
				return encodeJSON(e, st.Rollouts)
			}
			return writeRollouts(e.stdout, &st, e.zone)
		},
	}
	list.Flags().StringVarP(&output, "output", "o", "table", "output format: table, or json (the API's GET /api/v1/rollouts)")

	show := &cobra.Command{
		Use:   "show TARGET",
		Short: "Show one rollout with its audit log",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
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
			return writeRollout(e.stdout, &d, e.zone)
		},
	}
	show.Flags().StringVarP(&output, "output", "o", "table", "output format: table, or json (the API's GET /api/v1/rollouts/TARGET)")

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
				return say(e, done, fmt.Sprintf("%s: %s (by %s).", t, verb, done.Actor))
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
			return say(e, done, fmt.Sprintf("Stage %s: retry (by %s).", stage, done.Actor))
		},
	}
	retry.Flags().StringVar(&stage, "stage", "", "the halted stage (required)")
	cmd.AddCommand(list, show,
		action("approve TARGET --stage NAME", "Approve a target into a stage that requires approval", "approve", true),
		action("pause TARGET", "Hold a rollout: no new step towards its target starts", "pause", false),
		action("resume TARGET", "Let a paused rollout go on (an aborted one stays aborted)", "resume", false),
		action("abort TARGET", "Abandon a rollout: no stage receives its target any more", "abort", false),
		retry)
	return cmd
}

// say prints the server's sentence for an action done; an older server
// sends none, and then the command says what it asked for.
func say(e *env, done server.ActionResult, fallback string) error {
	msg := done.Message
	if msg == "" {
		msg = fallback
	}
	_, err := fmt.Fprintln(e.stdout, aksupgrade.Printable(msg))
	return err
}

// writeRollouts prints the rollouts of a status: what holds each, and
// where it stands in each stage, times in loc.
func writeRollouts(w io.Writer, st *server.Status, loc *time.Location) error {
	if len(st.Rollouts) == 0 {
		_, err := fmt.Fprintln(w, "No rollouts yet.")
		return err
	}
	var stages []string
	if st.Plan != nil {
		for _, sp := range st.Plan.Stages {
			stages = append(stages, sp.Name)
		}
	}
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "TARGET\tSTATE")
	for _, s := range stages {
		fmt.Fprint(tw, "\t", strings.ToUpper(s))
	}
	fmt.Fprintln(tw)
	for _, r := range st.Rollouts {
		// Printable cell by cell: it would take the tabs out of a line.
		line := r.Target.String() + "\t" + aksupgrade.Printable(rolloutState(st.Plan, r))
		for _, s := range stages {
			line += "\t" + aksupgrade.Printable(stageProgressText(r, s, awaitsApproval(st.Plan, s, r), loc))
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := b.WriteTo(w)
	return err
}

// writeRollout prints one rollout: what holds it, each stage, and its
// audit log, times in loc.
func writeRollout(w io.Writer, d *server.RolloutDetail, loc *time.Location) error {
	var b bytes.Buffer
	r := d.Rollout
	fmt.Fprintf(&b, "Rollout of %s\n", r.Target)
	if m := r.Aborted; m != nil {
		fmt.Fprintf(&b, "  ABORTED by %s at %s%s; no stage receives it any more\n", aksupgrade.Printable(m.By), humanTime(m.At, loc), aksupgrade.Printable(reasonText(m.Reason)))
	}
	if m := r.Paused; m != nil && r.Aborted == nil {
		fmt.Fprintf(&b, "  PAUSED by %s at %s%s; nothing new starts until 'aksupgrade rollout resume %s'\n", aksupgrade.Printable(m.By), humanTime(m.At, loc), aksupgrade.Printable(reasonText(m.Reason)), r.Target.Arg())
	}
	for _, sp := range r.Stages {
		fmt.Fprintf(&b, "  %-10s %s\n", sp.Stage, stageProgressText(r, sp.Stage, false, loc))
		if sp.Approval != nil && (sp.StartedAt != nil || sp.Halt != nil) {
			fmt.Fprintf(&b, "             approved by %s at %s\n", aksupgrade.Printable(sp.Approval.By), humanTime(sp.Approval.At, loc))
		}
		if sp.Halt != nil {
			fmt.Fprintf(&b, "             halted on %s at %s: %s\n", aksupgrade.ClusterName(sp.Halt.Cluster), humanTime(sp.Halt.At, loc), aksupgrade.Printable(sp.Halt.Reason))
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
		fmt.Fprintf(&b, "  %s  %-8s %s\n", humanTime(a.At, loc), aksupgrade.Printable(a.Actor), aksupgrade.Printable(a.Message))
	}
	_, err := b.WriteTo(w)
	return err
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
