package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/receivers"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

func newNotify(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "notify", Short: "Check notification receivers"}
	var policyFile, receiver string
	test := &cobra.Command{
		Use:   "test --policy FILE --receiver NAME",
		Short: "Send a sample message to a receiver of the policy, to check its set-up",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pol, err := policy.Load(policyFile, notify.Vocabulary())
			if err != nil {
				return failure("%v", err)
			}
			env := receivers.OS()
			env.Console = e.stdout
			r, ok, err := receivers.One(pol.Notifications, receiver, env)
			switch {
			case err != nil:
				return failure("%v\nSet the environment variable or file the policy names for it, then try again.", err)
			case !ok:
				var names []string
				if pol.Notifications != nil {
					for _, pr := range pol.Notifications.Receivers {
						names = append(names, pr.Name)
					}
				}
				slices.Sort(names)
				return failure("no receiver %q in %s; its receivers: %s", receiver, policyFile, strings.Join(names, ", "))
			}
			now := e.now().UTC()
			m := notify.Message{
				Key: "aksupgrade-test-" + now.Format("20060102T150405"), Kind: "test", Severity: notify.SeverityInfo,
				Summary: "Test message from aksupgrade: this receiver works",
				Details: []string{"Sent by `aksupgrade notify test` to check the receiver's set-up.", "Nothing else happened."},
				Time:    now,
			}
			if pol.Notifications != nil && pol.Notifications.ServerURL != "" {
				m.Link = strings.TrimRight(pol.Notifications.ServerURL, "/") + "/api/v1/status"
			}
			if err := r.Send(cmd.Context(), m); err != nil {
				hint := "the receiver refused it: check its settings"
				if notify.Retryable(err) {
					hint = "it may work later: check the receiver is reachable"
				}
				return failure("%v\n%s", err, hint)
			}
			_, err = fmt.Fprintf(e.stdout, "Sent a test message to %s at %s.\n", receiver, now.Format(time.RFC3339))
			return err
		},
	}
	test.Flags().StringVar(&policyFile, "policy", "", "policy file (YAML)")
	test.Flags().StringVar(&receiver, "receiver", "", "the receiver's name")
	requireFlags(test, "policy", "receiver")
	cmd.AddCommand(test)
	return cmd
}
