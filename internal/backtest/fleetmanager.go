package backtest

import (
	"context"
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// fleetManager is Azure Kubernetes Fleet Manager as a team would set it
// up: one update run per new release (an auto-upgrade profile makes one
// when AKS publishes a version), the policy's stages as the run's stages,
// each stage's clusters upgraded together, then a fixed wait
// (afterStageWait) before the next stage. Every member is upgraded in
// its stage's maintenance window ("all update runs honor member cluster
// maintenance windows": learn.microsoft.com, azure/kubernetes-fleet,
// concepts-update-orchestration). Runs know nothing of each other: a run
// does not wait for an earlier one, nor learn from its failure. A member
// whose upgrade fails, or that AKS refuses, stops its run.
//
// A run for a patch upgrades the members on its minor below it, as the
// patch channel does; members of a stage that need nothing pass at once.
// A stage whose window is its clusters' own is taken as always open.
type fleetManager struct {
	pol  *policy.Policy
	wait time.Duration
	rels []release
	made int // rels[:made] have their run
	runs []*updateRun
}

// fleetManagerWait is the wait after each stage: three days, as the seed
// deck on taming AKS updates suggests before production.
const fleetManagerWait = 72 * time.Hour

// updateRun is one run: its target, its stage, and where that stage is.
type updateRun struct {
	target version.Version
	stage  int
	// until: the run waits after its last stage until then.
	until time.Time
	sent  map[string]bool // members of the stage the run has upgraded
	ended bool
}

// newFleetManager makes a run for each release once every region of the
// fleet has it: a run sent earlier fails on the members of a region that
// does not list its target yet (unverified whether Fleet Manager's
// auto-upgrade profiles wait for every region; they would have to).
func newFleetManager(in Input) *fleetManager {
	last := map[string]time.Time{}
	for _, e := range in.Releases {
		if at := in.From.Add(e.After.D()); e.AddPatch != "" && at.After(last[e.AddPatch]) {
			last[e.AddPatch] = at
		}
	}
	rels := releases(in)
	for i := range rels {
		rels[i].at = last[rels[i].version]
	}
	slices.SortStableFunc(rels, func(a, b release) int { return a.at.Compare(b.at) })
	return &fleetManager{pol: in.Policy, wait: fleetManagerWait, rels: rels}
}

func (f *fleetManager) act(ctx context.Context, now time.Time, az *arm) (time.Time, error) {
	for ; f.made < len(f.rels) && !f.rels[f.made].at.After(now); f.made++ {
		v, err := version.Parse(f.rels[f.made].version)
		if err != nil {
			continue // a version nobody can read gets no run
		}
		f.runs = append(f.runs, &updateRun{target: v, sent: map[string]bool{}})
	}
	var next time.Time
	later := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if f.made < len(f.rels) {
		later(f.rels[f.made].at)
	}
	var clusters []aksupgrade.Cluster
	for _, r := range f.runs {
		if r.ended {
			continue
		}
		if now.Before(r.until) {
			later(r.until)
			continue
		}
		if clusters == nil {
			var err error
			if clusters, err = az.clusters(ctx); err != nil {
				return time.Time{}, err
			}
		}
		at, err := f.advance(ctx, now, az, r, clusters)
		if err != nil {
			return time.Time{}, err
		}
		later(at)
	}
	return next, nil
}

// advance moves run r on at now: upgrades the members of its stage whose
// window is open, stops it when one failed, and passes to the next stage
// when every member has the target. It returns when it next needs to
// look (zero: when Azure changes).
func (f *fleetManager) advance(ctx context.Context, now time.Time, az *arm, r *updateRun, clusters []aksupgrade.Cluster) (time.Time, error) {
	for r.stage < len(f.pol.Stages) {
		st := &f.pol.Stages[r.stage]
		var next time.Time
		complete := true
		for _, c := range clusters {
			if stageIndex(f.pol, &c) != r.stage {
				continue
			}
			if r.sent[c.ID] && c.ProvisioningState == "Failed" {
				r.ended = true // a failed member stops the run
				return time.Time{}, nil
			}
			wants, err := f.wants(ctx, az, c, r.target)
			if err != nil {
				return time.Time{}, err
			}
			if !wants {
				if r.sent[c.ID] && !c.Idle() {
					complete = false // still settling after its upgrade
				}
				continue // not for this run, or done
			}
			complete = false
			if r.sent[c.ID] || !c.Idle() {
				continue // running, or busy with another run: wait for it
			}
			start := now
			if !st.Window.FromCluster {
				s, _, ok := st.Window.Schedule.NextFit(now, planner.Estimate(st, &c, r.target))
				if !ok {
					continue // no window ever fits: the member waits forever
				}
				start = s
			}
			if start.After(now) {
				if next.IsZero() || start.Before(next) {
					next = start
				}
				continue
			}
			ok, err := az.upgrade(ctx, c, r.target)
			if err != nil {
				return time.Time{}, err
			}
			if !ok {
				r.ended = true // AKS refused the member: the run stops
				return time.Time{}, nil
			}
			r.sent[c.ID] = true
		}
		if !complete {
			return next, nil
		}
		r.stage++
		r.sent = map[string]bool{}
		r.until = now.Add(f.wait)
		if r.stage < len(f.pol.Stages) {
			return r.until, nil
		}
	}
	r.ended = true
	return time.Time{}, nil
}

// wants tells whether a run for target upgrades member c: c is below it
// on its minor, or, when the policy follows the stable or rapid channel,
// a minor below it and the channel wants target's minor in c's region.
func (f *fleetManager) wants(ctx context.Context, az *arm, c aksupgrade.Cluster, target version.Version) (bool, error) {
	cv, err := version.Parse(c.KubernetesVersion)
	if err != nil || !cv.Less(target) {
		return false, nil
	}
	if cv.SameMinor(target) {
		return true, nil
	}
	ch := f.pol.Kubernetes.Channel
	if (ch != version.ChannelStable && ch != version.ChannelRapid) || cv.Major != target.Major || cv.Minor+1 != target.Minor {
		return false, nil
	}
	l, err := az.catalog(ctx, c)
	if err != nil {
		return false, err
	}
	cat, err := version.NewCatalog(l)
	if err != nil {
		return false, err
	}
	want, ok, _ := version.Resolve(cat, ch, cv, version.Version{}, version.Filter{})
	return ok && !want.Less(target.MinorOf()), nil
}
