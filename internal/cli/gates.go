package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/gates"
	"github.com/aksupgrade/aksupgrade/internal/kube"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// The table's lines go to a tabwriter, which keeps the first write error
// and returns it from Flush.

func newGates(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "gates", Short: "The stages' health checks: a readiness report"}
	var policyFile, stage, cluster, target, output, armEndpoint, cloud string
	check := &cobra.Command{
		Use:   "check --policy FILE [--stage S | --cluster NAME] [--target V]",
		Short: "Run every gate now and say, per cluster, what would block an upgrade and why",
		Long: `gates check runs the policy's gates against the fleet now, touching nothing:
the preflight gates (drain blockers, deprecated APIs) against each cluster's
next target in the plan (or --target), and the postflight gates (nodes Ready,
pods, probes, Prometheus queries) as a health check of the cluster now. Each line says
what the gate saw and, when it failed, what to do.

The fleet is read live from Azure (or the simulator, with --arm-endpoint);
each cluster's own API is read with credentials from Resource Manager, as
'aksupgrade serve' reads it. The exit status is 1 when a blocking gate fails
or cannot look.`,
		Example: `  aksupgrade gates check --policy policy.yaml
  aksupgrade gates check --policy policy.yaml --stage prod --target 1.32.3 -o json
  aksupgrade gates check --policy examples/policy.yaml --arm-endpoint http://127.0.0.1:8090 --cluster test-weu-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			if stage != "" && cluster != "" {
				return fmt.Errorf("give --stage or --cluster, not both")
			}
			pol, err := policy.Load(policyFile, notify.Vocabulary())
			if err != nil {
				return failure("%v\nFix the policy file, then run the command again (aksupgrade policy check %s).", err, policyFile)
			}
			var want *aksupgrade.Target
			if target != "" {
				t, err := aksupgrade.ParseTarget(target)
				if err != nil {
					return fmt.Errorf("--target %q: %v", target, err)
				}
				want = &t
			}
			ctx := cmd.Context()
			in := planner.Input{Now: time.Now(), Policy: pol, Calendar: version.DefaultCalendar()}
			p, err := azure.New(azure.Options{Endpoint: armEndpoint, Cloud: cloud})
			if err != nil {
				return failure("%v", err)
			}
			if err := liveFleetFrom(ctx, &in, p); err != nil {
				return err
			}
			res := planner.Plan(in)
			user, err := kube.New(kube.Options{Kubeconfig: p.Kubeconfig, Credential: p.Credential(), Clock: clock.Real{}})
			if err != nil {
				return err
			}
			admin, err := kube.New(kube.Options{Kubeconfig: p.Kubeconfig, Credential: p.Credential(), Clock: clock.Real{}, Admin: true})
			if err != nil {
				return err
			}
			k := gates.New(gates.Options{API: user, AdminAPI: admin, Tokens: gates.Tokens(p.Credential(), os.Getenv), Capacity: p, Clock: clock.Real{}})
			var rows []gateRow
			for _, sp := range res.Stages {
				st := stageOf(pol, sp.Name)
				if stage != "" && !strings.EqualFold(stage, sp.Name) {
					continue
				}
				for _, cp := range sp.Clusters {
					if cluster != "" && !strings.EqualFold(cluster, cp.Name) {
						continue
					}
					c := clusterOf(in.Clusters, cp.Cluster)
					if c == nil {
						continue
					}
					next := want
					if next == nil {
						next = cp.Target
					}
					row := gateRow{Stage: sp.Name, Cluster: c.Name, Current: c.KubernetesVersion}
					if next != nil {
						row.Target = next.String()
						row.Results = append(row.Results, k.Preflight(ctx, *c, *next, st.Gates)...)
					}
					// Postflight as a health check now: nodes on any version.
					row.Results = append(row.Results, k.Postflight(ctx, *c, aksupgrade.Target{}, st.Gates)...)
					rows = append(rows, row)
				}
			}
			if len(rows) == 0 {
				return failure("no cluster matches: check --stage and --cluster against aksupgrade plan")
			}
			if output == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rows); err != nil {
					return err
				}
			} else if err := writeGates(e.stdout, rows); err != nil {
				return err
			}
			blocked := 0
			for _, r := range rows {
				for _, g := range r.Results {
					if g.Blocks() {
						blocked++
					}
				}
			}
			if blocked > 0 {
				return failure("%d blocking gate(s) failed or could not look: an upgrade would wait, or halt its stage, until they pass", blocked)
			}
			return nil
		},
	}
	f := check.Flags()
	f.StringVar(&policyFile, "policy", "", "policy file (YAML)")
	f.StringVar(&stage, "stage", "", "only the clusters of this stage")
	f.StringVar(&cluster, "cluster", "", "only this cluster (its name)")
	f.StringVar(&target, "target", "", `the target to check preflight against ("1.32.3"); default: each cluster's next target in the plan`)
	f.StringVar(&armEndpoint, "arm-endpoint", envOr("AKSUPGRADE_ARM_ENDPOINT", ""), "custom Azure Resource Manager endpoint, such as the simulator's (env AKSUPGRADE_ARM_ENDPOINT)")
	f.StringVar(&cloud, "cloud", envOr("AKSUPGRADE_CLOUD", "AzurePublic"), "AzurePublic, AzureChina or AzureUSGovernment (env AKSUPGRADE_CLOUD)")
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	requireFlags(check, "policy")
	cmd.AddCommand(check)
	return cmd
}

// gateRow is one cluster's readiness.
type gateRow struct {
	Stage   string                  `json:"stage"`
	Cluster string                  `json:"cluster"`
	Current string                  `json:"current"`
	Target  string                  `json:"target,omitempty"`
	Results []aksupgrade.GateResult `json:"results"`
}

func stageOf(p *policy.Policy, name string) policy.Stage {
	for _, s := range p.Stages {
		if s.Name == name {
			return s
		}
	}
	return policy.Stage{}
}

func clusterOf(cs []aksupgrade.Cluster, id string) *aksupgrade.Cluster {
	for i := range cs {
		if aksupgrade.SameID(cs[i].ID, id) {
			return &cs[i]
		}
	}
	return nil
}

// writeGates prints one block per cluster: a line per gate, and what to
// do under each that failed.
func writeGates(w io.Writer, rows []gateRow) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		head := fmt.Sprintf("%s (stage %s, on %s", r.Cluster, r.Stage, r.Current)
		if r.Target != "" {
			head += ", next " + r.Target
		}
		_, _ = fmt.Fprintln(tw, aksupgrade.Printable(head+")"))
		for _, g := range r.Results {
			what := string(g.Gate)
			if g.Name != "" {
				what += " " + g.Name
			}
			verdict := string(g.Verdict)
			if g.Verdict != aksupgrade.GatePassed && g.Mode == aksupgrade.GateWarn {
				verdict += " (warn)"
			}
			_, _ = fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", g.Phase, what, verdict, aksupgrade.Printable(g.Saw))
			if g.Verdict != aksupgrade.GatePassed && g.Fix != "" {
				_, _ = fmt.Fprintf(tw, "  \t\t\tto fix: %s\n", aksupgrade.Printable(g.Fix))
			}
		}
	}
	return tw.Flush()
}
