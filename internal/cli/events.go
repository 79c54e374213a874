package cli

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/server"
)

func newEvents(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: "Events received from Event Grid, found by polling, or emitted by the engine"}
	var srv, output string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List events, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			c, err := newClient(srv)
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
				fmt.Fprintln(e.stdout, "No events yet.")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tSOURCE\tTYPE\tSUMMARY")
			for _, ev := range evs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ev.Time.Format("2006-01-02 15:04"), sourceLabel(ev.Key.Source), shortType(ev.Type), ev.Summary)
			}
			return tw.Flush()
		},
	}
	serverFlag(list, &srv)
	list.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	list.Flags().IntVar(&limit, "limit", 50, "how many events")
	cmd.AddCommand(list)
	return cmd
}

// shortType drops the namespace of Azure's event types.
func shortType(t string) string {
	for _, p := range []string{"Microsoft.ContainerService.", "Microsoft.ResourceNotifications.ContainerServiceEventResources.", "aksupgrade."} {
		if len(t) > len(p) && t[:len(p)] == p {
			return t[len(p):]
		}
	}
	return t
}

// sourceLabel says where an event came from in a word or two.
func sourceLabel(src string) string {
	switch src {
	case "aksupgrade/engine":
		return "engine"
	case "aksupgrade/poller":
		return "polling"
	}
	return "Event Grid"
}
