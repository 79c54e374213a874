package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/snapshot"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

func newPlan(e *env) *cobra.Command {
	var policyFile, fleetFile, now, output, dbPath, armEndpoint, cloud string
	cmd := &cobra.Command{
		Use:   "plan --policy FILE [--fleet FILE | --arm-endpoint URL] [--db PATH]",
		Short: "Show what would be upgraded, when and why (a dry run)",
		Long: `plan prints, without changing anything, the actions aksupgrade would take now
and the projected schedule of every stage and cluster: the next target, the
earliest start in a window, the expected finish, and the reason for every wait.
Each stage says which gates run before and after an upgrade; a cluster its
preflight gates keep waiting shows as gated, with what they saw (with --db).

The fleet comes from a snapshot file (--fleet: clusters with their node pools,
the version catalogue of each region, and the rollout history), or, without
--fleet, is read live from Azure (or the simulator, with --arm-endpoint). With
--db the rollout history comes from the database of 'aksupgrade serve'.`,
		Example: `  aksupgrade plan --policy examples/policy.yaml --fleet examples/fleet.yaml
  aksupgrade plan --policy policy.yaml --fleet fleet.json --now 2026-03-10T09:00:00Z --output json
  aksupgrade plan --policy policy.yaml --db /var/lib/aksupgrade/state.db
  aksupgrade plan --policy examples/policy.yaml --arm-endpoint http://127.0.0.1:8090`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			at, err := e.timeFlag("now", now)
			if err != nil {
				return err
			}
			pol, err := policy.Load(policyFile, notify.Vocabulary())
			if err != nil {
				return failure("%v\nFix the policy file, then run the command again (aksupgrade policy check %s).", err, policyFile)
			}
			in := planner.Input{Now: at, Policy: pol, Calendar: version.DefaultCalendar()}
			if fleetFile != "" {
				snap, err := snapshot.Load(fleetFile)
				if err != nil {
					return failure("%v", err)
				}
				in.Clusters, in.History = snap.Clusters, snap.History
				if in.Catalogs, err = snapshot.Catalogs(snap); err != nil {
					return failure("%s: %v", fleetFile, err)
				}
			} else if err := liveFleet(cmd.Context(), &in, armEndpoint, cloud); err != nil {
				return err
			}
			if dbPath != "" {
				if err := dbFlag(cmd, dbPath); err != nil {
					return err
				}
				if err := storedHistory(cmd.Context(), &in, dbPath); err != nil {
					return err
				}
			}
			res := planner.Plan(in)
			if output == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			return writePlan(e.stdout, res, pol, e.zone)
		},
	}
	f := cmd.Flags()
	f.StringVar(&policyFile, "policy", "", "policy file (YAML)")
	f.StringVar(&fleetFile, "fleet", "", "fleet snapshot file (YAML or JSON); without it the fleet is read live")
	f.StringVar(&dbPath, "db", envOr("AKSUPGRADE_DB", ""), "database of 'aksupgrade serve' (a SQLite file or postgres://...), for the rollout history (env AKSUPGRADE_DB)")
	f.StringVar(&armEndpoint, "arm-endpoint", envOr("AKSUPGRADE_ARM_ENDPOINT", ""), "custom Azure Resource Manager endpoint, such as the simulator's (env AKSUPGRADE_ARM_ENDPOINT)")
	f.StringVar(&cloud, "cloud", envOr("AKSUPGRADE_CLOUD", "AzurePublic"), "AzurePublic, AzureChina or AzureUSGovernment (env AKSUPGRADE_CLOUD)")
	f.StringVar(&now, "now", "", "plan as if it were this time (RFC 3339); default: now")
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	requireFlags(cmd, "policy")
	return cmd
}

// liveFleet reads the fleet the policy manages from Azure (or the
// simulator).
func liveFleet(ctx context.Context, in *planner.Input, endpoint, cloud string) error {
	p, err := azure.New(azure.Options{Endpoint: endpoint, Cloud: cloud})
	if err != nil {
		return failure("%v", err)
	}
	return liveFleetFrom(ctx, in, p)
}

// liveFleetFrom is liveFleet through a provider the caller goes on using
// (one provider, one set of rate limits).
func liveFleetFrom(ctx context.Context, in *planner.Input, p *azure.Provider) error {
	f, stale, err := engine.Discover(ctx, p, in.Policy, in.Now, 0, nil)
	if err != nil {
		return failure("read the fleet: %v\nCheck your Azure sign-in (az login, or AZURE_* variables), or plan from a snapshot with --fleet FILE.", err)
	}
	if len(stale) > 0 {
		// Without its pools' latest images a cluster's plan would be
		// wrong; a one-off command has no earlier reading to fall back on.
		return failure("read the fleet: %d clusters' node pools could not be read (first, %s: %v)\nAzure is throttling this subscription: try again in a minute, or plan from the service's view with --db.", len(stale), stale[0].Cluster, stale[0].Err)
	}
	in.Clusters = f.Clusters
	in.Catalogs = map[string]*version.Catalog{}
	for region, l := range f.Catalogs {
		c, err := version.NewCatalog(l)
		if err != nil {
			return failure("catalogue of %s: %v", region, err)
		}
		in.Catalogs[planner.NormalizeLocation(region)] = c
	}
	return nil
}

// storedHistory takes the rollout history, and the clusters their
// preflight gates keep waiting, from the service's database.
func storedHistory(ctx context.Context, in *planner.Input, path string) error {
	name := app.RedactDB(path)
	if !app.IsPostgres(path) {
		if _, err := os.Stat(path); err != nil {
			return failure("--db %s: %v", name, err)
		}
	}
	st, err := app.OpenStore(ctx, path)
	if err != nil {
		return failure("--db %s: %v", name, err)
	}
	h, err := st.History(ctx)
	var runs []store.Run
	if err == nil {
		runs, err = st.Runs(ctx)
	}
	if err = errors.Join(err, st.Close()); err != nil {
		return failure("--db %s: %v", name, err)
	}
	in.History, in.Gated = h, engine.GatedRuns(runs)
	return nil
}
