package cli

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/snapshot"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

func newPlan(e *env) *cobra.Command {
	var policyFile, fleetFile, now, output string
	cmd := &cobra.Command{
		Use:   "plan --policy FILE --fleet FILE",
		Short: "Show what would be upgraded, when and why (a dry run)",
		Long: `plan prints, without changing anything, the actions aksupgrade would take now
and the projected schedule of every stage and cluster: the next target, the
earliest start in a window, the expected finish, and the reason for every wait.

The fleet comes from a snapshot file: clusters with their node pools, the
version catalogue of each region, and the rollout history.`,
		Example: `  aksupgrade plan --policy examples/policy.yaml --fleet examples/fleet.yaml
  aksupgrade plan --policy policy.yaml --fleet fleet.json --now 2026-03-10T09:00:00Z --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			at, err := e.timeFlag("now", now)
			if err != nil {
				return err
			}
			pol, err := policy.Load(policyFile)
			if err != nil {
				return failure("%v\nFix the policy file, then run the command again (aksupgrade policy check %s).", err, policyFile)
			}
			snap, err := snapshot.Load(fleetFile)
			if err != nil {
				return failure("%v", err)
			}
			cats, err := snapshot.Catalogs(snap)
			if err != nil {
				return failure("%s: %v", fleetFile, err)
			}
			res := planner.Plan(planner.Input{Now: at, Policy: pol, Clusters: snap.Clusters, Catalogs: cats, History: snap.History,
				Calendar: version.DefaultCalendar()})
			if output == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			return writePlan(e.stdout, res, pol)
		},
	}
	f := cmd.Flags()
	f.StringVar(&policyFile, "policy", "", "policy file (YAML)")
	f.StringVar(&fleetFile, "fleet", "", "fleet snapshot file (YAML or JSON)")
	f.StringVar(&now, "now", "", "plan as if it were this time (RFC 3339); default: now")
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	cmd.MarkFlagRequired("policy")
	cmd.MarkFlagRequired("fleet")
	return cmd
}
