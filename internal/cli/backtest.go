package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/backtest"
	"github.com/aksupgrade/aksupgrade/internal/history"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/snapshot"
)

func newBacktest(e *env) *cobra.Command {
	var policyFile, fleetFile, historyFile, from, to, output string
	var compare []string
	var seed int64
	var observe, approve, fix time.Duration
	var faultRate float64
	cmd := &cobra.Command{
		Use:   "backtest --policy FILE --fleet FILE [--from DATE --to DATE] [--seed N] [--history FILE] [--fault-rate P]",
		Short: "Replay AKS's release history on a fleet with a policy, and measure the rollouts",
		Long: `backtest replays AKS's real release history (new minors and patches, each
reaching each region after a modelled lag, minors leaving support) on a fleet,
with the real engine, planner and store against the simulator, on a clock that
jumps from one step to the next. It reports, per release, when each stage had
it and proved it, the time to prod against the critical-path lower bound (each
stage in order, the earliest window that fits, the upgrade, the soak, nothing
else), prod upgrades to a version no earlier stage had proven, and cluster-days
out of support.

The fleet file gives the clusters (names, tags, regions, node pools); a
cluster on a minor its region did not list at --from starts on the region's
default minor then. --history replaces the built-in history
(internal/history/aks-releases.json, its sources inside).`,
		Example: `  aksupgrade backtest --policy examples/policy.yaml --fleet examples/fleet.yaml --from 2025-01-01 --to 2025-07-01
  aksupgrade backtest --policy policy.yaml --fleet fleet.yaml --from 2024-06-01 --to 2026-06-01 --seed 7 -o json
  aksupgrade backtest --policy policy.yaml --fleet fleet.yaml --fault-rate 0.05 --fix-after 8h --compare fleet-manager
  aksupgrade backtest --policy policy.yaml --fleet fleet.yaml --compare aks-patch -o html > backtest.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json", "html"); err != nil {
				return err
			}
			start, err := dayFlag("from", from)
			if err != nil {
				return err
			}
			end, err := dayFlag("to", to)
			if err != nil {
				return err
			}
			if !end.After(start) {
				return fmt.Errorf("--to %s is not after --from %s", to, from)
			}
			pol, err := policy.Load(policyFile, notify.Vocabulary())
			if err != nil {
				return failure("%v\nFix the policy file, then run the command again (aksupgrade policy check %s).", err, policyFile)
			}
			snap, err := snapshot.Load(fleetFile)
			if err != nil {
				return failure("%v", err)
			}
			h, err := loadHistory(historyFile)
			if err != nil {
				return failure("%v", err)
			}
			if faultRate < 0 || faultRate > 1 {
				return fmt.Errorf("--fault-rate %g is not a probability; give a number from 0 to 1, such as 0.05", faultRate)
			}
			w := backtest.WorldFrom(h, regionsOf(snap), start, end, seed)
			in := backtest.Input{Policy: pol, Fleet: snap, From: start, To: end, Releases: w.Timeline, Catalogs: w.Catalogs,
				Observe: observe, ApproveAfter: approve, FixAfter: fix, Seed: uint64(seed)}
			if faultRate > 0 {
				in.Faults = []simulator.Fault{{Kind: simulator.FaultRandom, Rate: faultRate, Kinds: []simulator.FaultKind{simulator.FaultDrainFailure}}}
			}
			if len(compare) == 0 {
				compare = backtest.Schemes()
			}
			// Every scheme is checked before any replay runs.
			names := append([]string{filepath.Base(policyFile)}, compare...)
			runs := []backtest.Input{in}
			for _, name := range compare {
				run, err := schemeInput(in, name)
				if err != nil {
					return err
				}
				runs = append(runs, run)
			}
			rep := backtest.Report{From: start, To: end}
			for i, run := range runs {
				res, err := backtest.Replay(cmd.Context(), run)
				if err != nil {
					return failure("the replay of %s failed: %v", names[i], err)
				}
				rep.Schemes = append(rep.Schemes, backtest.Scheme{Name: names[i], Result: res})
			}
			rep.LowerBoundRatio = rep.Schemes[0].LowerBoundRatio
			switch output {
			case "json":
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			case "html":
				return backtest.WriteHTML(e.stdout, rep)
			}
			return writeBacktest(e, rep, pol)
		},
	}
	f := cmd.Flags()
	f.StringVar(&policyFile, "policy", "", "the policy `FILE` to replay")
	f.StringVar(&fleetFile, "fleet", "", "the fleet snapshot `FILE` (as for plan --fleet)")
	f.StringVar(&historyFile, "history", "", "a release history `FILE` instead of the built-in one")
	f.StringVar(&from, "from", "2025-01-01", "the replay's first `DATE` (2006-01-02)")
	f.StringVar(&to, "to", "2025-07-01", "the replay's end `DATE` (2006-01-02)")
	f.Int64Var(&seed, "seed", 1, "the seed of the regions' release lags and of --fault-rate's faults")
	f.DurationVar(&observe, "observe", backtest.DefaultObserve, "how often the replayed engine lists the whole fleet, in simulated time (serve: 15m); it hears of every change sooner, from AKS's events as from Event Grid, and lists the fleet again when a catalogue changes unannounced")
	f.DurationVar(&approve, "approve-after", 24*time.Hour, "how long a person takes to approve what waits for approval, in simulated time (negative: nobody approves)")
	f.Float64Var(&faultRate, "fault-rate", 0, "the chance, from 0 to 1, that a node pool's upgrade fails its drain (AKS's UpgradeFailed), drawn with --seed")
	f.DurationVar(&fix, "fix-after", 24*time.Hour, "how long a person takes to fix what halted a stage and retry it, in simulated time (negative: nobody does)")
	f.StringSliceVar(&compare, "compare", nil, "schemes to compare with the policy on the same fleet, history and seed: "+strings.Join(backtest.Schemes(), ", ")+", or another policy FILE (default: every built-in scheme)")
	f.StringVarP(&output, "output", "o", "table", "output format: table, json, or html (one self-contained page with charts: -o html > backtest.html)")
	for _, name := range []string{"policy", "fleet"} {
		if err := cmd.MarkFlagRequired(name); err != nil {
			panic(err) // the flags are defined just above
		}
	}
	return cmd
}

// dayFlag reads a date flag.
func dayFlag(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q is not a date; write it like 2025-01-01", flag, s)
	}
	return t, nil
}

func loadHistory(path string) (*history.History, error) {
	if path == "" {
		return history.Load()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the release history: %w", err)
	}
	return history.Parse(path, data)
}

// regionsOf lists the fleet's regions.
func regionsOf(snap *aksupgrade.Snapshot) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range snap.Clusters {
		r := planner.NormalizeLocation(c.Location)
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// schemeInput is the replay of a compared scheme: a built-in one, or a
// policy file.
func schemeInput(in backtest.Input, name string) (backtest.Input, error) {
	if backtest.IsScheme(name) {
		in.Builtin = name
		return in, nil
	}
	pol, err := policy.Load(name, notify.Vocabulary())
	if err != nil {
		return in, failure("--compare %s: not a built-in scheme (%s), and not a policy file: %v", name, strings.Join(backtest.Schemes(), ", "), err)
	}
	in.Policy = pol
	return in, nil
}

// writeBacktest prints a backtest for a terminal: the schemes side by
// side, then the policy's releases.
func writeBacktest(e *env, rep backtest.Report, pol *policy.Policy) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCHEME\tTO PROD (median / p90 / max)\tRELEASES IN PROD\tUNPROVEN PROD UPGRADES\tCLUSTER-DAYS OUT OF SUPPORT\tUPGRADES\tFAILED\tRETRIED")
	for _, s := range rep.Schemes {
		t, toProd := s.TimeToProdHours, "-"
		if t.N > 0 {
			toProd = hours(&t.Median) + " / " + hours(&t.P90) + " / " + hours(&t.Max)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f\t%d\t%d\t%d\n", s.Name, toProd, t.N, s.UnprovenProdUpgrades, s.ClusterDaysOutOfSupport, s.Upgrades, s.UpgradesFailed, s.UpgradesRetried)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	res := rep.Schemes[0].Result
	fmt.Fprintf(&b, "\n%s, per release:\n", rep.Schemes[0].Name)
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "RELEASE\tAVAILABLE")
	for _, st := range pol.Stages {
		fmt.Fprint(tw, "\t", strings.ToUpper(st.Name))
	}
	fmt.Fprintln(tw, "\tTO PROD\tLOWER BOUND\tRATIO")
	for _, r := range res.Releases {
		if !anyStage(r) {
			continue // a release no stage took (an older minor's patch, or one a newer patch overtook)
		}
		fmt.Fprintf(tw, "%s\t%s", r.Version, r.Available.Format("2006-01-02"))
		for _, s := range r.Stages {
			cell := "-"
			if s.Reached != nil {
				cell = s.Reached.Format("01-02 15:04")
			}
			fmt.Fprint(tw, "\t", cell)
		}
		fmt.Fprintf(tw, "\t%s\t%s\t%s\n", hours(r.ToProdHours), hours(r.LowerBoundHours), ratio(r.Ratio))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.TimeToProdHours.N == 0 {
		fmt.Fprintln(&b, "\nNo release reached prod in the replay.")
	} else {
		fmt.Fprintf(&b, "\nTime to prod: median %s, p90 %s, max %s (%d releases reached prod)\n",
			hours(&res.TimeToProdHours.Median), hours(&res.TimeToProdHours.P90), hours(&res.TimeToProdHours.Max), res.TimeToProdHours.N)
		fmt.Fprintf(&b, "Against the lower bound: median %.3f×, max %.3f×\n", res.LowerBoundRatio.Median, res.LowerBoundRatio.Max)
	}
	fmt.Fprintf(&b, "Upgrades seen: %d (operations started %d, failed %d, retried %d); approvals asked: %d\n",
		res.Upgrades, res.UpgradesStarted, res.UpgradesFailed, res.UpgradesRetried, res.ApprovalsAsked)
	fmt.Fprintf(&b, "Prod upgrades to a version not proven before it: %d\n", res.UnprovenProdUpgrades)
	fmt.Fprintf(&b, "Cluster-days out of support: %.1f; within 30 days of its end: %.1f\n", res.ClusterDaysOutOfSupport, res.ClusterDaysNearEndOfSupport)
	_, err := b.WriteTo(e.stdout)
	return err
}

func hours(h *float64) string {
	if h == nil {
		return "-"
	}
	return aksupgrade.FormatSpan(time.Duration(*h * float64(time.Hour)))
}

func ratio(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *r)
}

// anyStage tells whether some stage had the release.
func anyStage(r backtest.ReleaseResult) bool {
	for _, s := range r.Stages {
		if s.Reached != nil {
			return true
		}
	}
	return false
}
