package simulator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// FaultKind names what a Fault does.
type FaultKind string

// Fault kinds.
const (
	// FaultThrottle answers matching ARM requests 429 Throttled:
	// the next Count of them, or all of them during the fault's period.
	FaultThrottle FaultKind = "throttle"
	// FaultSlow makes operations started on matching clusters take Factor
	// times longer.
	FaultSlow FaultKind = "slow"
	// FaultDrainFailure makes a matching pool's upgrade (Kubernetes or
	// node image) fail after its first batch with AKS's PodDisruptionBudget
	// drain error (UpgradeFailed); the pool and cluster end Failed. A retry
	// succeeds once the fault is cleared or spent.
	FaultDrainFailure FaultKind = "drainFailure"
	// FaultQuota makes a matching cluster's pool upgrades fail when they
	// create surge nodes, with QuotaExceeded.
	FaultQuota FaultKind = "quota"
	// FaultDeprecatedAPI refuses a matching cluster's minor control-plane
	// upgrades with AKS's deprecated-API validation error: every minor
	// upgrade, or with RemovedRelease only the one to that minor. The API
	// (Group, Version, Resource) shows in the cluster API's /metrics.
	FaultDeprecatedAPI FaultKind = "deprecatedAPI"
	// FaultStopped powers matching clusters off while it is in effect.
	FaultStopped FaultKind = "stopped"
	// FaultConflict refuses writes on matching clusters with 409
	// OperationNotAllowed, as if AKS were running an operation of its own.
	FaultConflict FaultKind = "conflict"
	// FaultRandom injects the faults of Kinds (default throttle and
	// drainFailure) at random, each chance with probability Rate, drawn
	// from the scenario's seed.
	FaultRandom FaultKind = "random"
	// FaultPDBBlocksDrain makes the PodDisruptionBudget of the cluster's
	// workload Namespace/Name allow no disruption (minAvailable: replicas);
	// a pool upgrade that must drain one of its pods fails as a
	// drainFailure does. Count counts the upgrades it fails.
	FaultPDBBlocksDrain FaultKind = "pdbBlocksDrain"
	// FaultNodeNotReady keeps one node of Pool NotReady, after the pool's
	// next upgrade (AfterUpgrade, the default) or at once.
	FaultNodeNotReady FaultKind = "nodeNotReady"
	// FaultSystemPodCrashLoop puts a kube-system pod (Pod: a pod name or
	// coredns, metrics-server, konnectivity-agent, kube-proxy) into
	// CrashLoopBackOff after the cluster's next upgrade (or at once).
	FaultSystemPodCrashLoop FaultKind = "systemPodCrashLoop"
	// FaultAppUnavailable makes the cluster's probe URL answer 503 after
	// its next upgrade (or at once). Count counts the 503s.
	FaultAppUnavailable FaultKind = "appUnavailable"
	// FaultMetricBreach makes the simulated Prometheus return Metric with
	// Value for the cluster after its next upgrade (or at once). Count
	// counts the queries that saw it.
	FaultMetricBreach FaultKind = "metricBreach"
)

var faultKinds = []FaultKind{FaultThrottle, FaultSlow, FaultDrainFailure, FaultQuota, FaultDeprecatedAPI, FaultStopped, FaultConflict, FaultRandom,
	FaultPDBBlocksDrain, FaultNodeNotReady, FaultSystemPodCrashLoop, FaultAppUnavailable, FaultMetricBreach}

// randomKinds are the kinds a random fault can inject.
var randomKinds = []FaultKind{FaultThrottle, FaultDrainFailure, FaultQuota, FaultDeprecatedAPI, FaultConflict}

// Fault is something that goes wrong, scripted in the scenario or added at
// run time. The target fields narrow what it hits; empty ones match
// everything.
type Fault struct {
	// ID names the fault for ClearFault; assigned when empty.
	ID   string    `yaml:"id,omitempty" json:"id,omitempty"`
	Kind FaultKind `yaml:"kind" json:"kind"`
	// Subscription is a subscription ID.
	Subscription  string `yaml:"subscription,omitempty" json:"subscription,omitempty"`
	ResourceGroup string `yaml:"resourceGroup,omitempty" json:"resourceGroup,omitempty"`
	// Cluster is a cluster name or ARM resource ID.
	Cluster string `yaml:"cluster,omitempty" json:"cluster,omitempty"`
	// Pool is an agent pool name (drainFailure, quota).
	Pool string `yaml:"pool,omitempty" json:"pool,omitempty"`
	// After delays the fault: it takes effect After the time it was added
	// (scripted faults: the scenario start).
	After Duration `yaml:"after,omitempty" json:"after,omitempty"`
	// For limits how long it lasts once in effect; 0: until cleared.
	For Duration `yaml:"for,omitempty" json:"for,omitempty"`
	// Count is how many times it fires (requests throttled, upgrades
	// failed, writes refused) before it is spent; 0: until cleared.
	Count int `yaml:"count,omitempty" json:"count,omitempty"`
	// Factor is the slowdown of a slow fault (default 2).
	Factor float64 `yaml:"factor,omitempty" json:"factor,omitempty"`
	// RetryAfter is what a throttle fault asks clients to wait (default
	// 10s, or the rest of its period).
	RetryAfter Duration `yaml:"retryAfter,omitempty" json:"retryAfter,omitempty"`
	// Rate is a random fault's probability per chance, 0 to 1.
	Rate float64 `yaml:"rate,omitempty" json:"rate,omitempty"`
	// Kinds are what a random fault may inject: throttle, drainFailure,
	// quota, deprecatedAPI, conflict.
	Kinds []FaultKind `yaml:"kinds,omitempty" json:"kinds,omitempty"`
	// Namespace and Name name a workload of the cluster (pdbBlocksDrain).
	Namespace string `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	Name      string `yaml:"name,omitempty" json:"name,omitempty"`
	// Pod is the kube-system pod a systemPodCrashLoop fault crashes.
	Pod string `yaml:"pod,omitempty" json:"pod,omitempty"`
	// Group, Version, Resource and RemovedRelease ("1.32") describe the
	// API a deprecatedAPI fault reports in use.
	Group          string `yaml:"group,omitempty" json:"group,omitempty"`
	Version        string `yaml:"version,omitempty" json:"version,omitempty"`
	Resource       string `yaml:"resource,omitempty" json:"resource,omitempty"`
	RemovedRelease string `yaml:"removedRelease,omitempty" json:"removedRelease,omitempty"`
	// AfterUpgrade (nodeNotReady, systemPodCrashLoop, appUnavailable,
	// metricBreach; default true) holds the fault back until an upgrade
	// of its target ends after the fault takes effect.
	AfterUpgrade *bool `yaml:"afterUpgrade,omitempty" json:"afterUpgrade,omitempty"`
	// Metric and Value are the series a metricBreach fault makes
	// Prometheus return.
	Metric string   `yaml:"metric,omitempty" json:"metric,omitempty"`
	Value  *float64 `yaml:"value,omitempty" json:"value,omitempty"`
}

// FaultStatus is a fault as the simulator holds it.
type FaultStatus struct {
	Fault
	// Added is when it was added; it is in effect from Added+After.
	Added time.Time `json:"added"`
	// Fired counts the times it hit.
	Fired  int  `json:"fired"`
	Active bool `json:"active"`
}

// activeFault is a fault in the simulator.
type activeFault struct {
	Fault
	added time.Time
	fired int
}

func (f *activeFault) inEffect(now time.Time) bool {
	from := f.added.Add(f.After.D())
	if now.Before(from) {
		return false
	}
	if f.For > 0 && !now.Before(from.Add(f.For.D())) {
		return false
	}
	return f.Count == 0 || f.fired < f.Count
}

// periodEnd is when the fault's period ends; zero when it has none.
func (f *activeFault) periodEnd() time.Time {
	if f.For == 0 {
		return time.Time{}
	}
	return f.added.Add(f.After.D() + f.For.D())
}

// hitsCluster reports whether the fault's target includes c.
func (f *Fault) hitsCluster(c *clusterState) bool {
	if f.Subscription != "" && !strings.EqualFold(f.Subscription, c.sub.id) {
		return false
	}
	if f.ResourceGroup != "" && !strings.EqualFold(f.ResourceGroup, c.rg) {
		return false
	}
	if f.Cluster != "" && !strings.EqualFold(f.Cluster, c.name) && !aksupgrade.SameID(f.Cluster, c.id()) {
		return false
	}
	return true
}

func (f *Fault) hitsPool(p *poolState) bool {
	return f.hitsCluster(p.cluster) && (f.Pool == "" || strings.EqualFold(f.Pool, p.name))
}

// hitsRequest reports whether a throttle fault's target includes a request
// on subscription sub about cluster c (nil when the request names none).
func (f *Fault) hitsRequest(sub string, c *clusterState) bool {
	if c != nil {
		return f.hitsCluster(c)
	}
	if f.Subscription != "" && !strings.EqualFold(f.Subscription, sub) {
		return false
	}
	return f.ResourceGroup == "" && f.Cluster == ""
}

func (f *Fault) randomKinds() []FaultKind {
	if len(f.Kinds) == 0 {
		return []FaultKind{FaultThrottle, FaultDrainFailure}
	}
	return f.Kinds
}

// check returns the problems of f's own fields, relative to field.
func (f *Fault) check(field string) []problem {
	var ps []problem
	add := func(sub, msg string) { ps = append(ps, problem{field + sub, msg}) }
	if !slices.Contains(faultKinds, f.Kind) {
		add(".kind", fmt.Sprintf("found %q, want one of %s", f.Kind, joinKinds(faultKinds)))
		return ps
	}
	if f.Count < 0 {
		add(".count", "must not be negative")
	}
	if f.Pool != "" && f.Kind != FaultDrainFailure && f.Kind != FaultQuota && f.Kind != FaultRandom && f.Kind != FaultNodeNotReady {
		add(".pool", fmt.Sprintf("a %s fault hits clusters, not pools", f.Kind))
	}
	if f.Factor != 0 && f.Kind != FaultSlow {
		add(".factor", "only a slow fault has a factor")
	}
	if f.Kind == FaultSlow && f.Factor < 0 {
		add(".factor", "must be positive")
	}
	if f.RetryAfter != 0 && f.Kind != FaultThrottle && f.Kind != FaultRandom {
		add(".retryAfter", "only throttle and random faults have retryAfter")
	}
	if f.Kind == FaultRandom {
		if f.Rate <= 0 || f.Rate > 1 {
			add(".rate", "a random fault needs a rate above 0 and at most 1")
		}
		for i, k := range f.Kinds {
			if !slices.Contains(randomKinds, k) {
				add(".kinds["+strconv.Itoa(i)+"]", fmt.Sprintf("found %q, want one of %s", k, joinKinds(randomKinds)))
			}
		}
	} else {
		if f.Rate != 0 {
			add(".rate", "only a random fault has a rate")
		}
		if len(f.Kinds) > 0 {
			add(".kinds", "only a random fault has kinds")
		}
	}
	if f.Kind == FaultStopped && f.Cluster == "" {
		add(".cluster", "a stopped fault needs the cluster to power off")
	}
	return append(ps, f.checkClusterAPI(field)...)
}

func joinKinds(ks []FaultKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// AddFault puts f in effect and returns its ID (f.ID when set and free).
// It does not check that f's target exists; POST /simulator/v1/faults does.
func (s *Simulator) AddFault(f Fault) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addFault(f, s.clock.Now())
}

func (s *Simulator) addFault(f Fault, added time.Time) string {
	f.Kinds = slices.Clone(f.Kinds)
	f.AfterUpgrade = clonePtr(f.AfterUpgrade)
	f.Value = clonePtr(f.Value)
	if f.ID == "" || s.faultByID(f.ID) != nil {
		for {
			s.faultSeq++
			f.ID = "fault-" + strconv.Itoa(s.faultSeq)
			if s.faultByID(f.ID) == nil {
				break
			}
		}
	}
	if f.Kind == FaultSlow && f.Factor == 0 {
		f.Factor = 2
	}
	s.faults = append(s.faults, &activeFault{Fault: f, added: added})
	s.log.Info("fault added", "id", f.ID, "kind", f.Kind, "cluster", f.Cluster, "pool", f.Pool)
	return f.ID
}

// ClearFault ends the fault with the given ID; false when there is none.
func (s *Simulator) ClearFault(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.ID == id {
			s.faults = slices.Delete(s.faults, i, i+1)
			s.log.Info("fault cleared", "id", id)
			return true
		}
	}
	return false
}

// Faults returns the faults the simulator holds, in the order they were
// added.
func (s *Simulator) Faults() []FaultStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultStatuses(s.clock.Now())
}

func (s *Simulator) faultStatuses(now time.Time) []FaultStatus {
	out := make([]FaultStatus, len(s.faults))
	for i, f := range s.faults {
		out[i] = FaultStatus{Fault: f.Fault, Added: f.added, Fired: f.fired, Active: f.inEffect(now)}
		out[i].Kinds = slices.Clone(f.Kinds)
		out[i].AfterUpgrade = clonePtr(f.AfterUpgrade)
		out[i].Value = clonePtr(f.Value)
	}
	return out
}

func (s *Simulator) faultByID(id string) *activeFault {
	for _, f := range s.faults {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// fire finds the first fault of kind in effect that hit matches, counts it
// and returns it. Random faults that may inject kind get their chance too.
func (s *Simulator) fire(kind FaultKind, now time.Time, hit func(*Fault) bool) *activeFault {
	for _, f := range s.faults {
		if f.Kind == kind && f.inEffect(now) && hit(&f.Fault) {
			f.fired++
			return f
		}
	}
	for _, f := range s.faults {
		if f.Kind == FaultRandom && slices.Contains(f.randomKinds(), kind) && f.inEffect(now) && hit(&f.Fault) {
			if s.rng.Float64() < f.Rate {
				f.fired++
				return f
			}
		}
	}
	return nil
}

// stoppedByFault reports whether a stopped fault powers c off now.
func (s *Simulator) stoppedByFault(c *clusterState, now time.Time) bool {
	for _, f := range s.faults {
		if f.Kind == FaultStopped && f.inEffect(now) && f.hitsCluster(c) {
			return true
		}
	}
	return false
}

// slowFactor is the product of the slow faults on c.
func (s *Simulator) slowFactor(c *clusterState, now time.Time) float64 {
	factor := 1.0
	for _, f := range s.faults {
		if f.Kind == FaultSlow && f.inEffect(now) && f.hitsCluster(c) {
			factor *= f.Factor
		}
	}
	return factor
}

// throttleFault returns the Retry-After of a throttle fault that hits a
// request now, or false.
func (s *Simulator) throttleFault(sub string, c *clusterState, now time.Time) (time.Duration, bool) {
	f := s.fire(FaultThrottle, now, func(f *Fault) bool { return f.hitsRequest(sub, c) })
	if f == nil {
		return 0, false
	}
	if f.RetryAfter > 0 {
		return f.RetryAfter.D(), true
	}
	if end := f.periodEnd(); !end.IsZero() && f.Kind == FaultThrottle {
		return end.Sub(now), true
	}
	return 10 * time.Second, true
}
