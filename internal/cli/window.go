package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

func newWindow(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "window", Short: "Maintenance-window arithmetic"}
	var file, after, output string
	var count int
	next := &cobra.Command{
		Use:     "next --window FILE",
		Short:   "Print the next occurrences of a window (those that end after --after, an open one first)",
		Example: `  aksupgrade window next --window prod-window.yaml --after 2026-03-01T00:00:00Z --count 5 --output json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			if count < 1 {
				return fmt.Errorf("--count %d: want 1 or more", count)
			}
			at, err := e.timeFlag("after", after)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return failure("read window: %v", err)
			}
			sched, err := policy.ParseWindow(file, data)
			if err != nil {
				return failure("%v", err)
			}
			occ := sched.Next(at, count)
			if output == "json" {
				type span struct {
					Start string `json:"start"`
					End   string `json:"end"`
				}
				out := make([]span, len(occ))
				for i, o := range occ {
					out[i] = span{o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339)}
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			var b bytes.Buffer
			for _, o := range occ {
				// In the window's own zone.
				fmt.Fprintf(&b, "%s  →  %s  (%s)\n", longTime(o.Start, sched.Location()), longTime(o.End, sched.Location()), aksupgrade.FormatSpan(o.End.Sub(o.Start)))
			}
			if _, err := b.WriteTo(e.stdout); err != nil {
				return err
			}
			if len(occ) < count {
				_, err := fmt.Fprintf(e.stderr, "only %d occurrences within five years of %s\n", len(occ), at.Format(time.RFC3339))
				return err
			}
			return nil
		},
	}
	f := next.Flags()
	f.StringVar(&file, "window", "", "file holding one window in the policy's window shape (YAML)")
	f.StringVar(&after, "after", "", "list occurrences that end after this time (RFC 3339); default: now")
	f.IntVar(&count, "count", 5, "how many occurrences")
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	requireFlags(next, "window")
	cmd.AddCommand(next)
	return cmd
}
