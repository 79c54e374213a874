package simulator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// The faults that show in a cluster's own Kubernetes API, its probe URL
// and the simulated Prometheus: what a health gate looks at.

var metricNamePattern = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// clusterAPIKinds are the kinds that need a cluster.
var clusterAPIKinds = []FaultKind{FaultPDBBlocksDrain, FaultNodeNotReady, FaultSystemPodCrashLoop, FaultAppUnavailable, FaultMetricBreach}

// afterUpgradeKinds are the kinds AfterUpgrade holds back.
var afterUpgradeKinds = []FaultKind{FaultNodeNotReady, FaultSystemPodCrashLoop, FaultAppUnavailable, FaultMetricBreach}

// checkClusterAPI returns the problems of the fields that only some kinds
// have, relative to field.
func (f *Fault) checkClusterAPI(field string) []problem {
	var ps []problem
	add := func(sub, format string, args ...any) {
		ps = append(ps, problem{field + sub, fmt.Sprintf(format, args...)})
	}
	only := func(sub string, set bool, kinds ...FaultKind) {
		if set && !slices.Contains(kinds, f.Kind) {
			add(sub, "%s fault has no %s (only %s)", article(f.Kind), sub[1:], joinKinds(kinds))
		}
	}
	only(".namespace", f.Namespace != "", FaultPDBBlocksDrain)
	only(".name", f.Name != "", FaultPDBBlocksDrain)
	only(".pod", f.Pod != "", FaultSystemPodCrashLoop)
	only(".group", f.Group != "", FaultDeprecatedAPI)
	only(".version", f.Version != "", FaultDeprecatedAPI)
	only(".resource", f.Resource != "", FaultDeprecatedAPI)
	only(".removedRelease", f.RemovedRelease != "", FaultDeprecatedAPI)
	only(".afterUpgrade", f.AfterUpgrade != nil, afterUpgradeKinds...)
	only(".metric", f.Metric != "", FaultMetricBreach)
	only(".value", f.Value != nil, FaultMetricBreach)

	if slices.Contains(clusterAPIKinds, f.Kind) && f.Cluster == "" {
		add(".cluster", "%s fault needs the cluster it happens on", article(f.Kind))
	}
	switch f.Kind {
	case FaultPDBBlocksDrain:
		if f.Namespace == "" || f.Name == "" {
			add(".name", "a pdbBlocksDrain fault names a workload of the cluster: namespace and name")
		}
	case FaultNodeNotReady:
		if f.Pool == "" {
			add(".pool", "a nodeNotReady fault needs the pool whose node stays NotReady")
		}
	case FaultSystemPodCrashLoop:
		if f.Pod == "" {
			add(".pod", "a systemPodCrashLoop fault needs the kube-system pod, one of %s or a pod name", strings.Join(componentNames(), ", "))
		} else if _, ok := componentOf(f.Pod); !ok {
			add(".pod", "found %q, want one of %s or one of their pods' names", f.Pod, strings.Join(componentNames(), ", "))
		}
	case FaultMetricBreach:
		if !metricNamePattern.MatchString(f.Metric) {
			add(".metric", "found %q, want a Prometheus metric name such as aks_app_error_ratio", f.Metric)
		}
		if f.Value == nil {
			add(".value", "a metricBreach fault needs the value the metric takes")
		}
	case FaultDeprecatedAPI:
		if (f.Group != "" || f.Resource != "" || f.Version != "") && (f.Resource == "" || f.Version == "") {
			add(".resource", "a deprecated API has a resource and a version (and a group, except the core group)")
		}
		if f.RemovedRelease != "" {
			if _, err := version.ParseMinor(f.RemovedRelease); err != nil {
				add(".removedRelease", "found %q, want the minor that removes the API, such as 1.32", f.RemovedRelease)
			}
		}
	}
	if f.Count != 0 && (f.Kind == FaultNodeNotReady || f.Kind == FaultSystemPodCrashLoop) {
		add(".count", "%s fault lasts until cleared or until its for ends; it has no count", article(f.Kind))
	}
	return ps
}

// article is "a kind" or "an kind".
func article(k FaultKind) string {
	if strings.ContainsRune("aeiou", rune(k[0])) {
		return "an " + string(k)
	}
	return "a " + string(k)
}

// checkWorkloadTarget checks that a scripted pdbBlocksDrain fault names a
// workload of a cluster it targets.
func (sc *Scenario) checkWorkloadTarget(field string, f *Fault) []problem {
	if f.Kind != FaultPDBBlocksDrain || f.Namespace == "" || f.Name == "" {
		return nil
	}
	for _, s := range sc.Subscriptions {
		for _, c := range s.Clusters {
			target := Fault{Subscription: f.Subscription, ResourceGroup: f.ResourceGroup, Cluster: f.Cluster}
			if !target.matchesScenarioCluster(s.ID, c) {
				continue
			}
			for _, w := range c.Workloads {
				if w.Namespace == f.Namespace && w.Name == f.Name {
					return nil
				}
			}
		}
	}
	return []problem{{field + ".name", fmt.Sprintf("no cluster the fault targets has a workload %s/%s", f.Namespace, f.Name)}}
}

func (f *Fault) matchesScenarioCluster(sub string, c Cluster) bool {
	if f.Subscription != "" && !strings.EqualFold(f.Subscription, sub) {
		return false
	}
	if f.ResourceGroup != "" && !strings.EqualFold(f.ResourceGroup, c.ResourceGroup) {
		return false
	}
	return f.Cluster == "" || strings.EqualFold(f.Cluster, c.Name) || aksupgrade.SameID(f.Cluster, clusterID(sub, c.ResourceGroup, c.Name))
}

// workloadTargetProblem is checkWorkloadTarget for a fault added at run
// time; "" when there is none.
func (s *Simulator) workloadTargetProblem(f *Fault) string {
	if f.Kind != FaultPDBBlocksDrain || f.Namespace == "" || f.Name == "" {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.subs {
		for _, c := range sub.clusters {
			if f.hitsCluster(c) && c.kube.workload(f.Namespace, f.Name) != nil {
				return ""
			}
		}
	}
	return fmt.Sprintf("fault.name: no cluster the fault targets has a workload %s/%s", f.Namespace, f.Name)
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// from is when the fault takes effect.
func (f *activeFault) from() time.Time { return f.added.Add(f.After.D()) }

func (f *Fault) afterUpgrade() bool {
	return slices.Contains(afterUpgradeKinds, f.Kind) && (f.AfterUpgrade == nil || *f.AfterUpgrade)
}

// triggered reports since when f shows on c at time at: from when it
// takes effect, or, held back until an upgrade, from the end of the first
// upgrade of c (of pool p, when not nil) that succeeded since then.
func (s *Simulator) triggered(f *activeFault, c *clusterState, p *poolState, at time.Time) (time.Time, bool) {
	from := f.from()
	if !f.afterUpgrade() {
		return from, !at.Before(from)
	}
	var first time.Time
	found := false
	for _, op := range s.ops {
		if op.cluster != c || op.status != statusSucceeded || (p != nil && op.pool != p) {
			continue
		}
		if op.end.Before(from) || op.end.After(at) {
			continue
		}
		if !found || op.end.Before(first) {
			first, found = op.end, true
		}
	}
	return first, found
}

// shown is a fault that shows on a cluster, and since when.
type shown struct {
	f     *activeFault
	since time.Time
}

// shownFaults returns the faults of kind that show on c (pool p, when not
// nil) at time at, in the order they were added.
func (s *Simulator) shownFaults(kind FaultKind, c *clusterState, p *poolState, at time.Time, match func(*Fault) bool) []shown {
	var out []shown
	for _, f := range s.faults {
		if f.Kind != kind || !f.inEffect(at) || !f.hitsCluster(c) {
			continue
		}
		if (p != nil && !f.hitsPool(p)) || (match != nil && !match(&f.Fault)) {
			continue
		}
		if since, ok := s.triggered(f, c, p, at); ok {
			out = append(out, shown{f, since})
		}
	}
	return out
}

// shownFault returns the first of shownFaults and since when; fire counts
// it as fired once.
func (s *Simulator) shownFault(kind FaultKind, c *clusterState, p *poolState, at time.Time, fire bool, match func(*Fault) bool) (*activeFault, time.Time) {
	all := s.shownFaults(kind, c, p, at, match)
	if len(all) == 0 {
		return nil, time.Time{}
	}
	if fire {
		all[0].f.fired++
	}
	return all[0].f, all[0].since
}

// deprecatedInUse is the API a deprecatedAPI fault reports in use on a
// cluster at version from: its own, or a real API removed in the next
// minor when the fault names none.
func (f *Fault) deprecatedInUse(from version.Version) removedAPI {
	if f.Resource != "" {
		return removedAPI{group: f.Group, version: f.Version, resource: f.Resource, release: f.RemovedRelease}
	}
	next := version.Version{Major: from.Major, Minor: from.Minor + 1}
	api := removedIn(next)
	if f.RemovedRelease != "" {
		api.release = f.RemovedRelease
	}
	return api
}

// blocksUpgrade reports whether a deprecatedAPI fault stops a control-plane
// upgrade from from to to. AKS blocks minor upgrades to 1.26 or later
// over recent use of an API removed by the target version
// (learn.microsoft.com/azure/aks/stop-cluster-upgrade-api-breaking-changes,
// "Before you begin"); a fault without removedRelease blocks every such
// minor upgrade.
func (f *Fault) blocksUpgrade(from, to version.Version) bool {
	if from.SameMinor(to) || to.Less(version.Version{Major: 1, Minor: 26}) {
		return false
	}
	if f.RemovedRelease == "" {
		return true
	}
	removed, err := version.ParseMinor(f.RemovedRelease)
	if err != nil {
		return false
	}
	return from.Less(removed) && !to.Less(removed)
}
