// Package gates runs a stage's health checks on a cluster and says, in
// plain words, what each saw: preflight before the cluster's upgrade
// (drain blockers, deprecated APIs), postflight after it and through the
// soak (nodes, pods, HTTP probes, Prometheus queries). It reads clusters
// through an aksupgrade.ClusterAPI (package kube on AKS), probes over
// HTTP and queries Prometheus with its API client; it decides nothing
// else: the engine acts on the results.
package gates

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Options configure a Checker.
type Options struct {
	// API reads the clusters with the user credential, AdminAPI with the
	// admin credential (policy gates.access); nil: the gates that need
	// one say so.
	API, AdminAPI aksupgrade.ClusterAPI
	// HTTP sends probes and Prometheus queries (default: a client with
	// no timeout of its own; each probe has its own).
	HTTP *http.Client
	// Tokens gives the bearer token of a query (see Query.Auth);
	// nil: only auth "none" works.
	Tokens TokenSource
	// Capacity reads regional vCPU quotas (surgeCapacity); nil: that
	// gate says it cannot look.
	Capacity aksupgrade.CapacityReader
	Clock    aksupgrade.Clock
}

// TokenSource gives a Prometheus query its bearer token.
type TokenSource func(ctx context.Context, q policy.Query) (string, error)

// Checker runs gates. It is safe for concurrent use.
type Checker struct {
	o Options

	mu sync.Mutex
	// restarts are the pods' restart counts the pods gate first saw after
	// a cluster's upgrade to a target, by cluster and target, then pod:
	// restarts are counted from there. After a restart of the service
	// they are seen anew.
	restarts map[string]map[string]int
	// capacities are the quota reads of the last capacityTTL.
	capacities map[string]capacityRead
}

// New returns a Checker.
func New(o Options) *Checker {
	if o.HTTP == nil {
		o.HTTP = &http.Client{}
	}
	return &Checker{o: o, restarts: map[string]map[string]int{}, capacities: map[string]capacityRead{}}
}

// Preflight runs the preflight gates of g on c before its upgrade to t.
func (k *Checker) Preflight(ctx context.Context, c aksupgrade.Cluster, t aksupgrade.Target, g policy.Gates) []aksupgrade.GateResult {
	var out []aksupgrade.GateResult
	for _, kind := range []aksupgrade.GateKind{aksupgrade.GateDrainBlockers, aksupgrade.GateDeprecatedAPIs, aksupgrade.GateSurgeCapacity} {
		mode, on := g.Preflight[kind]
		if !on {
			continue
		}
		r := k.result(kind, "", aksupgrade.GatePreflight, mode, c)
		switch kind {
		case aksupgrade.GateDrainBlockers:
			k.drainBlockers(ctx, c, g, &r)
		case aksupgrade.GateDeprecatedAPIs:
			k.deprecatedAPIs(ctx, c, t, g, &r)
		case aksupgrade.GateSurgeCapacity:
			k.surgeCapacity(ctx, c, g, &r)
		}
		out = append(out, r)
	}
	return out
}

// Postflight runs the postflight gates of g on c after its upgrade to t;
// with a zero t, as a health check of c now (nodes on any version).
func (k *Checker) Postflight(ctx context.Context, c aksupgrade.Cluster, t aksupgrade.Target, g policy.Gates) []aksupgrade.GateResult {
	var out []aksupgrade.GateResult
	if g.Nodes != "" {
		r := k.result(aksupgrade.GateNodes, "", aksupgrade.GatePostflight, g.Nodes, c)
		k.nodes(ctx, c, t, g, &r)
		out = append(out, r)
	}
	if g.Pods.Mode != "" {
		r := k.result(aksupgrade.GatePods, "", aksupgrade.GatePostflight, g.Pods.Mode, c)
		k.pods(ctx, c, t, g, &r)
		out = append(out, r)
	}
	for _, p := range g.Probes {
		r := k.result(aksupgrade.GateProbe, p.Name, aksupgrade.GatePostflight, p.Mode, c)
		k.probe(ctx, c, p, &r)
		out = append(out, r)
	}
	for _, q := range g.Queries {
		r := k.result(aksupgrade.GatePrometheus, q.Name, aksupgrade.GatePostflight, q.Mode, c)
		k.query(ctx, c, q, &r)
		out = append(out, r)
	}
	return out
}

// Forget drops what the pods gate remembers of c's upgrade to t (once
// its stage proved or left it).
func (k *Checker) Forget(c aksupgrade.Cluster, t aksupgrade.Target) {
	k.mu.Lock()
	delete(k.restarts, restartKey(c, t))
	k.mu.Unlock()
}

func (k *Checker) result(kind aksupgrade.GateKind, name string, phase aksupgrade.GatePhase, mode aksupgrade.GateMode, c aksupgrade.Cluster) aksupgrade.GateResult {
	return aksupgrade.GateResult{Gate: kind, Name: name, Phase: phase, Mode: mode, Cluster: c.ID, At: k.o.Clock.Now()}
}

// errNoAPI is what a gate that needs the cluster API says without one.
var errNoAPI = &aksupgrade.Error{Code: aksupgrade.ErrUnreachable, Message: "no access to the clusters' own APIs is configured"}

// cannotLook fills r for a gate that could not look.
func cannotLook(r *aksupgrade.GateResult, err error) {
	r.Verdict, r.Saw = aksupgrade.GateUnknown, "could not look: "+err.Error()
	switch aksupgrade.Code(err) {
	case aksupgrade.ErrAuth:
		r.Fix = "give the service's identity read access to the cluster (examples/gates-clusterrole.yaml), or set gates.access"
	case aksupgrade.ErrUnreachable:
		r.Fix = "let the service reach the cluster's API server (a private cluster needs the service in a network that reaches it), or turn this gate off for the stage"
	default:
		r.Fix = "the check is tried again at the next round"
	}
}

func (k *Checker) api(g policy.Gates) (aksupgrade.ClusterAPI, error) {
	api := k.o.API
	if g.Admin {
		api = k.o.AdminAPI
	}
	if api == nil {
		return nil, errNoAPI
	}
	return api, nil
}

func (k *Checker) drainBlockers(ctx context.Context, c aksupgrade.Cluster, g policy.Gates, r *aksupgrade.GateResult) {
	api, err := k.api(g)
	if err != nil {
		cannotLook(r, err)
		return
	}
	pdbs, err := api.DisruptionBudgets(ctx, c.ID)
	if err != nil {
		cannotLook(r, err)
		return
	}
	var blocking []string
	for _, b := range pdbs {
		if b.DisruptionsAllowed == 0 && b.ExpectedPods > 0 {
			blocking = append(blocking, fmt.Sprintf("%s/%s (0 of %d pods may go)", b.Namespace, b.Name, b.ExpectedPods))
		}
	}
	if len(blocking) == 0 {
		r.Verdict, r.Saw = aksupgrade.GatePassed, fmt.Sprintf("%s; every one allows a disruption", count(len(pdbs), "PodDisruptionBudget"))
		return
	}
	sort.Strings(blocking)
	r.Verdict = aksupgrade.GateFailed
	r.Saw = fmt.Sprintf("%s no disruption, so a node drain would fail: %s", allows(len(blocking)), strings.Join(blocking, ", "))
	r.Fix = "let each budget allow one disruption (minAvailable below the replicas, or maxUnavailable 1), or add a replica, then the check passes on its next round"
}

func allows(n int) string {
	if n == 1 {
		return "1 PodDisruptionBudget allows"
	}
	return fmt.Sprintf("%d PodDisruptionBudgets allow", n)
}

func (k *Checker) deprecatedAPIs(ctx context.Context, c aksupgrade.Cluster, t aksupgrade.Target, g policy.Gates, r *aksupgrade.GateResult) {
	to, from, minor := minorUpgrade(c, t)
	if !minor {
		r.Verdict, r.Saw = aksupgrade.GatePassed, "not a minor upgrade: no API is removed"
		return
	}
	api, err := k.api(g)
	if err != nil {
		cannotLook(r, err)
		return
	}
	apis, err := api.DeprecatedAPIs(ctx, c.ID)
	if err != nil {
		cannotLook(r, err)
		return
	}
	var removed []string
	for _, d := range apis {
		rel, err := version.ParseMinor(d.RemovedRelease)
		if err != nil || !from.Less(rel) || to.Less(rel) {
			continue // not removed between the two, or not said when
		}
		gv := d.Version
		if d.Group != "" {
			gv = d.Group + "/" + d.Version
		}
		removed = append(removed, fmt.Sprintf("%s %s (removed in %s)", gv, d.Resource, d.RemovedRelease))
	}
	if len(removed) == 0 {
		r.Verdict, r.Saw = aksupgrade.GatePassed, fmt.Sprintf("no requests to APIs removed by %s", to.MinorString())
		return
	}
	sort.Strings(removed)
	r.Verdict = aksupgrade.GateFailed
	r.Saw = fmt.Sprintf("requests to APIs that %s removes: %s (AKS would refuse the upgrade: UpgradeBlockedOnDeprecatedAPIUsage)", to.MinorString(), strings.Join(removed, ", "))
	r.Fix = "move the clients and manifests to the APIs that replace them (see the Kubernetes deprecation guide); the API server stops reporting them once no request uses them"
}

// minorUpgrade reports whether t moves c to a newer minor, and the two
// minors.
func minorUpgrade(c aksupgrade.Cluster, t aksupgrade.Target) (to, from version.Version, minor bool) {
	if t.Kind != aksupgrade.TargetKubernetes {
		return version.Version{}, version.Version{}, false
	}
	tv, err1 := version.Parse(t.Version)
	cv, err2 := version.Parse(c.KubernetesVersion)
	if err1 != nil || err2 != nil {
		return version.Version{}, version.Version{}, false
	}
	return tv.MinorOf(), cv.MinorOf(), cv.MinorOf().Less(tv.MinorOf())
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// errorText is err's message, for what a gate saw.
func errorText(err error) string {
	var ae *aksupgrade.Error
	if errors.As(err, &ae) && ae.Message != "" {
		return ae.Message
	}
	return err.Error()
}
