package cli

import (
	"bytes"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade"

	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/poller"
	"github.com/aksupgrade/aksupgrade/internal/server"
)

func newEvents(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: "Events received from Event Grid, found by polling, or emitted by the engine"}
	var (
		rm     remote
		output string
	)
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List events, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			c, err := rm.client(cmd.Context())
			if err != nil {
				return err
			}
			var evs []server.EventView
			if err := c.do(cmd.Context(), "GET", "/api/v1/events?limit="+strconv.Itoa(limit), nil, &evs); err != nil {
				return err
			}
			if output == "json" {
				return encodeJSON(e, evs)
			}
			if len(evs) == 0 {
				_, err := fmt.Fprintln(e.stdout, "No events yet.")
				return err
			}
			var b bytes.Buffer
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tSOURCE\tTYPE\tSUMMARY")
			for _, ev := range evs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", humanTime(ev.Time, e.zone), sourceLabel(ev.Key.Source), ev.Type.Short(), aksupgrade.Printable(ev.Summary))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			_, err = b.WriteTo(e.stdout)
			return err
		},
	}
	rm.flags(list.Flags())
	list.Flags().StringVarP(&output, "output", "o", "table", "output format: table, or json (the API's GET /api/v1/events)")
	list.Flags().IntVar(&limit, "limit", 50, "how many events")
	cmd.AddCommand(list)
	return cmd
}

// sourceLabel says where an event came from in a word or two.
func sourceLabel(src string) string {
	switch src {
	case engine.EventSource:
		return "engine"
	case poller.Source:
		return "polling"
	}
	return "Event Grid"
}
