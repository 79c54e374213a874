package backtest

import (
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Result is what a replay measured (docs/backtest.md defines each).
type Result struct {
	Releases []ReleaseResult `json:"releases"`
	// TimeToProdHours: from a release's availability (its first region)
	// to every prod cluster running it, over the releases prod received.
	TimeToProdHours Stats `json:"timeToProdHours"`
	// LowerBoundRatio: time to prod over the critical-path lower bound,
	// per release prod received.
	LowerBoundRatio Stats `json:"lowerBoundRatio"`
	// Upgrades counts control plane version changes seen, of every
	// cluster, by anyone (aksupgrade or AKS itself).
	Upgrades int `json:"upgrades"`
	// UnprovenProdUpgrades counts upgrades of a cluster of the last stage
	// to a version the stage before had not proven when it was seen.
	UnprovenProdUpgrades int `json:"unprovenProdUpgrades"`
	// Unproven names them.
	Unproven []Upgrade `json:"unproven,omitempty"`
	// ClusterDaysOutOfSupport sums, over clusters, the days their control
	// plane's minor was out of community support (platform support only,
	// or none); ClusterDaysNearEndOfSupport the days it was within 30
	// days of leaving it.
	ClusterDaysOutOfSupport     float64 `json:"clusterDaysOutOfSupport"`
	ClusterDaysNearEndOfSupport float64 `json:"clusterDaysNearEndOfSupport"`
	// UpgradesStarted counts the upgrade operations AKS ran (a control
	// plane, a pool, or a whole cluster each), UpgradesFailed those that
	// failed, UpgradesRetried those started again on a cluster (and pool)
	// after one to the same version had failed, and UpgradesRefused the
	// upgrade requests AKS refused outright (a program's only).
	UpgradesStarted int `json:"upgradesStarted"`
	UpgradesFailed  int `json:"upgradesFailed"`
	UpgradesRetried int `json:"upgradesRetried"`
	UpgradesRefused int `json:"upgradesRefused"`
	// ApprovalsAsked counts the stage targets that waited for a person's
	// approval (aksupgrade only).
	ApprovalsAsked int `json:"approvalsAsked"`
	// Steps is how many engine steps the replay took.
	Steps int `json:"steps"`
	// Lowest is, per stage, the lowest control plane version of its
	// clusters over time: a point at the start and at each change.
	Lowest []StageLine `json:"lowest,omitempty"`
}

// StageLine is a stage's lowest control plane version over time.
type StageLine struct {
	Stage  string      `json:"stage"`
	Points []LinePoint `json:"points"`
}

// LinePoint is a version from a time on.
type LinePoint struct {
	At      time.Time `json:"at"`
	Version string    `json:"version"`
}

// Stats sums up a list of numbers.
type Stats struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	Max    float64 `json:"max"`
}

// ReleaseResult is one Kubernetes patch: when it came, when each stage
// had it and proved it, and how that compares with the lower bound.
type ReleaseResult struct {
	Version   string        `json:"version"`
	Available time.Time     `json:"available"`
	Stages    []StageResult `json:"stages"`
	// ToProdHours is nil when prod never had it (a newer patch came
	// first, or the replay ended).
	ToProdHours *float64 `json:"toProdHours,omitempty"`
	// LowerBoundHours is the critical path to prod; Ratio ToProd over it.
	LowerBoundHours *float64 `json:"lowerBoundHours,omitempty"`
	Ratio           *float64 `json:"ratio,omitempty"`
	// BoundError says why no bound could be computed.
	BoundError string `json:"boundError,omitempty"`
}

// StageResult is when a stage had a release on every cluster, and proved
// it.
type StageResult struct {
	Stage   string     `json:"stage"`
	Reached *time.Time `json:"reached,omitempty"`
	Proven  *time.Time `json:"proven,omitempty"`
	// BoundReached and BoundProven are the lower bound's: the earliest
	// the stage could have had and proved the release.
	BoundReached *time.Time `json:"boundReached,omitempty"`
	BoundProven  *time.Time `json:"boundProven,omitempty"`
}

// nearEnd is how close to the end of support counts as near.
const nearEnd = 30 * 24 * time.Hour

// watch follows the fleet through a replay, from one sample to the next.
type watch struct {
	pol       *policy.Policy
	cal       *version.Calendar
	last      time.Time
	prev      map[string]aksupgrade.Cluster
	seen      []Upgrade
	out, near time.Duration
	// first is the fleet as Azure showed it at the start: what the lower
	// bound estimates with (pools with the upgradeSettings AKS reports).
	first []aksupgrade.Cluster
	// rels follows each release through the stages, as the samples show
	// it (for schemes without a rollout history).
	rels []*tracked
	// lowest is each stage's lowest control plane version over time.
	lowest map[string]*StageLine
}

// tracked is a release as the samples see it: the clusters of each stage
// that were below it on its minor when it came, and when the last of them
// had it.
type tracked struct {
	release
	v        version.Version
	involved map[string][]string // stage → cluster keys
	reached  map[string]time.Time
}

// Upgrade is a control plane seen on a new version.
type Upgrade struct {
	Cluster string    `json:"cluster"`
	Stage   string    `json:"stage"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	At      time.Time `json:"at"`
}

func newWatch(pol *policy.Policy, cal *version.Calendar) *watch {
	return &watch{pol: pol, cal: cal}
}

// sample looks at the fleet at now: support time since the last sample
// counts as it was then; versions changed since are upgrades.
func (w *watch) sample(now time.Time, clusters []aksupgrade.Cluster) {
	if w.prev != nil {
		for _, c := range w.prev {
			v, err := version.Parse(c.KubernetesVersion)
			if err != nil {
				continue // a version nobody can read counts nowhere
			}
			w.support(v, c.SupportPlan, w.last, now)
		}
	}
	if w.first == nil {
		w.first = clusters
	}
	w.track(now, clusters)
	w.lines(now, clusters)
	cur := make(map[string]aksupgrade.Cluster, len(clusters))
	for _, c := range clusters {
		key := lower(c.ID)
		cur[key] = c
		if p, ok := w.prev[key]; ok && p.KubernetesVersion != c.KubernetesVersion {
			w.seen = append(w.seen, Upgrade{Cluster: c.Name, Stage: stageOf(w.pol, &c), From: p.KubernetesVersion, To: c.KubernetesVersion, At: now})
		}
	}
	w.prev, w.last = cur, now
}

// support adds the time from..to that a control plane on v, on support
// plan plan, spent out of support and near its end. The interval is cut
// where the calendar changes v's status, so the sums do not depend on how
// often the fleet is sampled, only on when its versions changed.
func (w *watch) support(v version.Version, plan string, from, to time.Time) {
	cuts := []time.Time{from}
	if e, ok := w.cal.Entry(v); ok {
		for _, last := range []time.Time{e.EndOfLife, e.PlatformSupportEnd, e.LTSEnd} {
			if last.IsZero() {
				continue
			}
			end := last.AddDate(0, 0, 1) // a status holds through its last day
			cuts = append(cuts, end, end.Add(-nearEnd))
		}
		cuts = append(cuts, e.AKSGA)
	}
	cuts = slices.DeleteFunc(cuts, func(t time.Time) bool { return t.Before(from) || !t.Before(to) })
	slices.SortFunc(cuts, time.Time.Compare)
	cuts = append(slices.Compact(cuts), to)
	for i := 0; i+1 < len(cuts); i++ {
		at, d := cuts[i], cuts[i+1].Sub(cuts[i])
		st := w.cal.Status(v, plan, at)
		switch {
		case st.Support == version.OutOfSupport || st.Support == version.PlatformSupport:
			w.out += d
		case st.Support == version.Supported && st.LastDay(plan).AddDate(0, 0, 1).Sub(at) <= nearEnd:
			w.near += d
		}
	}
}

func (w *watch) result(in Input, hist aksupgrade.History) (*Result, error) {
	r := &Result{Upgrades: len(w.seen), ClusterDaysOutOfSupport: days(w.out), ClusterDaysNearEndOfSupport: days(w.near)}
	for _, st := range w.pol.Stages {
		if l := w.lowest[st.Name]; l != nil {
			r.Lowest = append(r.Lowest, *l)
		}
	}
	stages := w.pol.Stages
	last := stages[len(stages)-1].Name
	for _, u := range w.seen {
		if u.Stage != last || len(stages) < 2 {
			continue
		}
		p := hist.Progress(stages[len(stages)-2].Name, aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: u.To})
		if p == nil || p.ProvenAt == nil || p.ProvenAt.After(u.At) {
			r.UnprovenProdUpgrades++
			r.Unproven = append(r.Unproven, u)
		}
	}
	var toProd, ratios []float64
	for _, rel := range releases(in) {
		t := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: rel.version}
		rr := ReleaseResult{Version: rel.version, Available: rel.at}
		for _, st := range stages {
			sr := StageResult{Stage: st.Name}
			if p := hist.Progress(st.Name, t); p != nil {
				sr.Reached, sr.Proven = p.ReachedAt, p.ProvenAt
			}
			rr.Stages = append(rr.Stages, sr)
		}
		if reached := rr.Stages[len(rr.Stages)-1].Reached; reached != nil {
			h := reached.Sub(rel.at).Hours()
			rr.ToProdHours = &h
			toProd = append(toProd, h)
		}
		v, err := version.Parse(rel.version)
		if err != nil {
			rr.BoundError = err.Error()
			r.Releases = append(r.Releases, rr)
			continue
		}
		works, err := Works(w.pol, w.first, v)
		needed := 0
		for _, st := range works {
			needed += len(st.Clusters)
		}
		if err == nil && needed == 0 {
			rr.BoundError = "no cluster of the fleet was on " + v.MinorString() + " below " + rel.version
			r.Releases = append(r.Releases, rr)
			continue
		}
		var ms []Milestone
		if err == nil {
			arrives := arrivals(in, rel.version)
			for i := range works {
				for j := range works[i].Clusters {
					works[i].Clusters[j].Available = arrives[works[i].Clusters[j].Region]
				}
			}
			ms, err = LowerBound(rel.at, works)
		}
		if err != nil {
			rr.BoundError = err.Error()
		} else {
			for i := range ms {
				rr.Stages[i].BoundReached, rr.Stages[i].BoundProven = &ms[i].Reached, &ms[i].Proven
			}
			b := ms[len(ms)-1].Reached.Sub(rel.at).Hours()
			rr.LowerBoundHours = &b
			if rr.ToProdHours != nil && b > 0 {
				ratio := *rr.ToProdHours / b
				rr.Ratio = &ratio
				ratios = append(ratios, ratio)
			}
		}
		r.Releases = append(r.Releases, rr)
	}
	r.TimeToProdHours, r.LowerBoundRatio = stats(toProd), stats(ratios)
	return r, nil
}

// release is a Kubernetes patch of the input and when its first region
// had it.
type release struct {
	version string
	at      time.Time
}

func releases(in Input) []release {
	first := map[string]time.Time{}
	var order []string
	for _, e := range in.Releases {
		if e.AddPatch == "" {
			continue
		}
		at := in.From.Add(e.After.D())
		if t, ok := first[e.AddPatch]; !ok || at.Before(t) {
			if !ok {
				order = append(order, e.AddPatch)
			}
			first[e.AddPatch] = at
		}
	}
	out := make([]release, 0, len(order))
	for _, v := range order {
		out = append(out, release{version: v, at: first[v]})
	}
	slices.SortStableFunc(out, func(a, b release) int { return a.at.Compare(b.at) })
	return out
}

// countOperations counts the upgrade operations AKS ran, failed and ran
// again after a failure.
func (r *Result) countOperations(ops []simulator.OperationStatus) {
	failed := map[string]bool{} // cluster/pool/version → an operation there failed
	for _, op := range ops {
		key := lower(op.ClusterID) + "/" + op.Pool + "/" + op.To
		r.UpgradesStarted++
		if failed[key] {
			r.UpgradesRetried++
		}
		if op.Status == "Failed" {
			r.UpgradesFailed++
			failed[key] = true
		}
	}
}

func days(d time.Duration) float64 { return d.Hours() / 24 }

// stats is the median, 90th percentile (nearest rank) and maximum of xs.
func stats(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stats{N: len(s), Median: med, P90: rank(0.9), Max: s[len(s)-1]}
}

// watchReleases makes the releases of in followed by the samples.
func (w *watch) watchReleases(in Input) {
	for _, r := range releases(in) {
		v, err := version.Parse(r.version)
		if err != nil {
			continue // not a release the samples can compare with
		}
		w.rels = append(w.rels, &tracked{release: r, v: v, reached: map[string]time.Time{}})
	}
}

// track notes, for each release out by now, which stages have it on
// every cluster that was below it when it came.
func (w *watch) track(now time.Time, clusters []aksupgrade.Cluster) {
	var by map[string]string // cluster → its version now, made when needed
	for _, t := range w.rels {
		if now.Before(t.at) || (t.involved != nil && len(t.reached) == len(t.involved)) {
			continue
		}
		if t.involved == nil {
			t.involved = map[string][]string{}
			for _, c := range clusters {
				cv, err := version.Parse(c.KubernetesVersion)
				if err != nil || !cv.Less(t.v) || !cv.SameMinor(t.v) {
					continue // a patch is for the clusters on its minor
				}
				st := stageOf(w.pol, &c)
				t.involved[st] = append(t.involved[st], lower(c.ID))
			}
		}
		if by == nil {
			by = make(map[string]string, len(clusters))
			for _, c := range clusters {
				by[lower(c.ID)] = c.KubernetesVersion
			}
		}
		for st, keys := range t.involved {
			if _, done := t.reached[st]; done {
				continue
			}
			all := true
			for _, k := range keys {
				cv, err := version.Parse(by[k])
				all = all && err == nil && !cv.Less(t.v)
			}
			if all {
				t.reached[st] = now
			}
		}
	}
}

// sampled is the rollout history the samples make of the releases: each
// stage reached when its last involved cluster had the release, proven a
// soak (the policy's) later.
func (w *watch) sampled() aksupgrade.History {
	var h aksupgrade.History
	for _, t := range w.rels {
		ro := aksupgrade.Rollout{Target: aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: t.version}}
		for _, st := range w.pol.Stages {
			at, ok := t.reached[st.Name]
			if !ok {
				continue
			}
			proven := at.Add(st.Soak)
			ro.Stages = append(ro.Stages, aksupgrade.StageProgress{Stage: st.Name, ReachedAt: &at, ProvenAt: &proven})
		}
		h.Rollouts = append(h.Rollouts, ro)
	}
	return h
}

// lines notes each stage's lowest control plane version when it changes.
func (w *watch) lines(now time.Time, clusters []aksupgrade.Cluster) {
	if w.lowest == nil {
		w.lowest = map[string]*StageLine{}
	}
	low := map[string]version.Version{}
	for _, c := range clusters {
		st := stageOf(w.pol, &c)
		v, err := version.Parse(c.KubernetesVersion)
		if st == "" || err != nil {
			continue
		}
		if cur, ok := low[st]; !ok || v.Less(cur) {
			low[st] = v
		}
	}
	for st, v := range low {
		l := w.lowest[st]
		if l == nil {
			l = &StageLine{Stage: st}
			w.lowest[st] = l
		}
		if n := len(l.Points); n == 0 || l.Points[n-1].Version != v.String() {
			l.Points = append(l.Points, LinePoint{At: now, Version: v.String()})
		}
	}
}

// arrivals is when a Kubernetes patch reaches each region: added as a
// patch, or with its minor.
func arrivals(in Input, v string) map[string]time.Time {
	out := map[string]time.Time{}
	for _, e := range in.Releases {
		if e.AddPatch != v && (e.AddMinor == nil || !slices.Contains(e.AddMinor.Patches, v)) {
			continue
		}
		at := in.From.Add(e.After.D())
		if t, ok := out[e.Region]; !ok || at.Before(t) {
			out[e.Region] = at
		}
	}
	return out
}
