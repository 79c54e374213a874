package backtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// operator is a scheme a small program runs in aksupgrade's place: at
// each wake it reads the fleet through Azure's API and starts upgrades.
type operator interface {
	// act does what the scheme does at now and says when it next wants
	// to act (zero: only when Azure changes).
	act(ctx context.Context, now time.Time, az *arm) (time.Time, error)
}

// arm is what an operator sees of Azure: the real provider, talking to
// the simulator, and the catalogues read in this act.
type arm struct {
	p        aksupgrade.Provider
	subs     []string
	catalogs map[string]aksupgrade.KubernetesVersionList
	refused  int // upgrade requests AKS refused outright
}

// clusters lists the fleet as Azure shows it now.
func (a *arm) clusters(ctx context.Context) ([]aksupgrade.Cluster, error) {
	a.catalogs = map[string]aksupgrade.KubernetesVersionList{}
	return a.p.Clusters(ctx, a.subs)
}

// catalog is the catalogue of c's region, read once per act.
func (a *arm) catalog(ctx context.Context, c aksupgrade.Cluster) (aksupgrade.KubernetesVersionList, error) {
	key := c.SubscriptionID + "|" + planner.NormalizeLocation(c.Location)
	if cat, ok := a.catalogs[key]; ok {
		return cat, nil
	}
	l, err := a.p.Catalog(ctx, c.SubscriptionID, c.Location)
	if err != nil {
		return l, err
	}
	a.catalogs[key] = l
	return l, nil
}

// offer is a version AKS offers a cluster as a direct upgrade.
type offer struct {
	v       version.Version
	preview bool
}

// upgrades are the versions AKS offers c as direct upgrades, oldest
// first: what its region's catalogue lists for c's patch, or, for a
// patch the catalogue no longer lists, what AKS allows from any patch
// (a newer patch of its minor, or any patch of the next minor), as the
// cluster's own upgrade profile would.
func (a *arm) upgrades(ctx context.Context, c aksupgrade.Cluster) ([]offer, error) {
	cat, err := a.catalog(ctx, c)
	if err != nil {
		return nil, err
	}
	cur, err := version.Parse(c.KubernetesVersion)
	if err != nil {
		return nil, nil // a version nobody can read is offered nothing
	}
	var out []offer
	listed := false
	for _, kv := range cat.Values {
		pv, ok := kv.PatchVersions[c.KubernetesVersion]
		if !ok {
			continue
		}
		listed = true
		for _, u := range pv.Upgrades {
			if v, err := version.Parse(u); err == nil {
				out = append(out, offer{v: v, preview: previewMinor(cat, v)})
			}
		}
	}
	if !listed {
		for _, kv := range cat.Values {
			for p := range kv.PatchVersions {
				v, err := version.Parse(p)
				if err != nil || !cur.Less(v) || v.Major != cur.Major || v.Minor > cur.Minor+1 {
					continue
				}
				out = append(out, offer{v: v, preview: kv.IsPreview})
			}
		}
	}
	slices.SortFunc(out, func(x, y offer) int { return x.v.Compare(y.v) })
	return out, nil
}

// previewMinor tells whether the catalogue lists v's minor in preview.
func previewMinor(cat aksupgrade.KubernetesVersionList, v version.Version) bool {
	for _, kv := range cat.Values {
		if kv.Version == v.MinorString() {
			return kv.IsPreview
		}
	}
	return false
}

// upgrade asks AKS to move c's control plane and every pool to v in one
// managed cluster PUT, as the schemes' own programs do. It says whether
// AKS accepted; a refusal (a minor skipped, a busy cluster) is counted
// and is not an error: the programs go on with the next cluster.
func (a *arm) upgrade(ctx context.Context, c aksupgrade.Cluster, v version.Version) (bool, error) {
	_, err := a.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepCluster, ClusterID: c.ID, Version: v.String()})
	var ae *aksupgrade.Error
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ae):
		a.refused++
		return false, nil
	default:
		return false, fmt.Errorf("upgrade %s to %s: %w", c.Name, v, err)
	}
}

// replayOperator lets op run the fleet: it acts when it asked to and
// whenever Azure changes (an upgrade ends, a release arrives); the fleet
// is sampled at each wake and the stages' times come from the samples.
func replayOperator(ctx context.Context, in Input, endpoint string, clk *clock.Manual, sim *simulator.Simulator, w *watch, op operator) (*Result, error) {
	p, err := azure.New(azure.Options{Endpoint: endpoint, Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	az := &arm{p: p}
	for _, c := range in.Fleet.Clusters {
		if !slices.Contains(az.subs, c.SubscriptionID) {
			az.subs = append(az.subs, c.SubscriptionID)
		}
	}
	steps := 0
	for now := clk.Now(); now.Before(in.To); now = clk.Now() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		steps++
		next, err := step(ctx, func(ctx context.Context) (time.Time, error) { return op.act(ctx, now, az) }, clk)
		if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", in.Builtin, now.Format(time.RFC3339), err)
		}
		now = clk.Now()
		w.sample(now, sim.Fleet().Clusters)
		if next.IsZero() || next.After(in.To) {
			next = in.To
		}
		if at, ok := sim.NextChange(); ok && at.Before(next) {
			next = at
		}
		if !next.After(now) {
			next = now.Add(time.Second)
		}
		clk.Set(next)
	}
	w.sample(in.To, sim.Fleet().Clusters)
	res, err := w.result(in, w.sampled())
	if res != nil {
		res.Steps = steps
		res.UpgradesRefused = az.refused
	}
	return res, err
}
