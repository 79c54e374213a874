package simulator

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// component is one of AKS's own kube-system workloads that the cluster's
// API shows (a few of many; names and labels as on AKS, images
// unverified).
type component struct {
	name      string
	daemon    bool // a DaemonSet: one pod per Linux node
	replicas  int
	labels    map[string]string
	container string
	image     string // kube-proxy's tag is its node's version
	priority  string
}

func components() []component {
	return []component{
		{name: "coredns", replicas: 2, labels: map[string]string{"k8s-app": "kube-dns"}, container: "coredns",
			image: "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-8", priority: "system-cluster-critical"},
		{name: "konnectivity-agent", replicas: 1, labels: map[string]string{"app": "konnectivity-agent"}, container: "konnectivity-agent",
			image: "mcr.microsoft.com/oss/kubernetes/apiserver-network-proxy/agent:v0.30.3", priority: "system-cluster-critical"},
		{name: "kube-proxy", daemon: true, labels: map[string]string{"component": "kube-proxy", "tier": "node"}, container: "kube-proxy",
			image: "mcr.microsoft.com/oss/kubernetes/kube-proxy:v", priority: "system-node-critical"},
		{name: "metrics-server", replicas: 1, labels: map[string]string{"k8s-app": "metrics-server"}, container: "metrics-server",
			image: "mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2", priority: "system-cluster-critical"},
	}
}

func componentNames() []string {
	var out []string
	for _, c := range components() {
		out = append(out, c.name)
	}
	return out
}

// componentOf finds the component a pod name (or a component's name)
// belongs to.
func componentOf(pod string) (component, bool) {
	var best component
	found := false
	for _, c := range components() {
		if (pod == c.name || strings.HasPrefix(pod, c.name+"-")) && len(c.name) > len(best.name) {
			best, found = c, true
		}
	}
	return best, found
}

// deployment is a Deployment: one of AKS's or a scenario workload.
type deployment struct {
	namespace, name  string
	replicas         int
	pools            []*poolState
	labels           map[string]string
	container, image string
	priority         string
	workload         *Workload // nil for AKS's own
	pinned           string    // a workload's pool, for its nodeSelector
}

// deployments lists the cluster's Deployments: AKS's on the System pools,
// the scenario's on their pool, or the Linux User pools, or the System
// pools.
func deployments(c *clusterState) []deployment {
	var system, user []*poolState
	for _, p := range c.pools {
		switch {
		case p.mode == "System":
			system = append(system, p)
		case !strings.EqualFold(p.osType, "Windows"):
			user = append(user, p)
		}
	}
	var out []deployment
	for _, comp := range components() {
		if !comp.daemon {
			out = append(out, deployment{namespace: "kube-system", name: comp.name, replicas: comp.replicas, pools: system,
				labels: comp.labels, container: comp.container, image: comp.image, priority: comp.priority})
		}
	}
	for i := range c.kube.workloads {
		w := &c.kube.workloads[i]
		d := deployment{namespace: w.Namespace, name: w.Name, replicas: w.Replicas, pools: user, workload: w,
			labels: map[string]string{"app": w.Name}, container: w.Name, image: "mcr.microsoft.com/azurelinux/base/nginx:1.25"}
		switch {
		case w.Pool != "":
			d.pools, d.pinned = []*poolState{c.pool(w.Pool)}, w.Pool
		case len(user) == 0:
			d.pools = system
		}
		out = append(out, d)
	}
	return out
}

// podView is a pod as the API shows it now.
type podView struct {
	namespace, name  string
	ownerKind, owner string
	labels           map[string]string
	container, image string
	priority         string
	nodeSelector     map[string]string
	node             *nodeView // nil: Pending
	created          time.Time
	ready            bool
	restarts         int32
	crashSince       time.Time // zero: not crash-looping
	workload         *Workload
	// pending is the scheduler's message for a pod with no node.
	pending string
}

// podViews places the cluster's pods on nodes. Each replica has a home
// node, fixed by its index; it runs there unless the node is cordoned
// (drained), then on a schedulable node of its pools, or stays Pending
// when there is none. A drain blocked by the replica's own
// PodDisruptionBudget leaves it at home. A pod made again (moved, or back
// home after an upgrade) gets a new name. Simplification: pods go back to
// their home node when an upgrade ends, where Kubernetes would leave them
// where they were rescheduled.
func (s *Simulator) podViews(c *clusterState, nodes []*nodeView, now time.Time) []*podView {
	byName := map[string]*nodeView{}
	for _, n := range nodes {
		byName[n.name] = n
	}
	var out []*podView
	for _, d := range deployments(c) {
		type home struct {
			pool *poolState
			id   int
		}
		var homes []home
		for _, p := range d.pools {
			for _, n := range c.kube.pools[p].nodes {
				homes = append(homes, home{p, n.id})
			}
		}
		var spare []*nodeView
		for _, n := range nodes {
			if n.schedulable() && n.linux() && slices.Contains(d.pools, n.pool) {
				spare = append(spare, n)
			}
		}
		off := int(hash32(d.namespace+"/"+d.name) >> 1)
		rs := d.name + "-" + podHash(10, c.id(), d.namespace, d.name)
		for i := range d.replicas {
			pod := &podView{namespace: d.namespace, ownerKind: "ReplicaSet", owner: rs, labels: d.labels, container: d.container,
				image: d.image, priority: d.priority, created: s.start, workload: d.workload}
			if d.pinned != "" {
				pod.nodeSelector = map[string]string{"kubernetes.azure.com/agentpool": d.pinned}
			}
			gen := 0
			if len(homes) > 0 {
				h := homes[(i+off)%len(homes)]
				kp := c.kube.pools[h.pool]
				gen, pod.created = kp.generation, later(s.start, kp.settled)
				hv := byName[nodeName(h.pool, h.id)]
				r := rolloutOf(h.pool, now)
				switch {
				case hv != nil && !hv.cordoned:
					pod.node = hv
				case hv != nil && r != nil && r.stuck && hv.index/r.size == r.batch && d.workload != nil &&
					r.op.blocked.namespace == d.namespace && r.op.blocked.workload == d.name:
					pod.node = hv // its eviction is refused
				default:
					if r != nil && hv != nil {
						pod.created = r.batchStart(hv.index / r.size)
					}
					if len(spare) > 0 {
						pod.node = spare[(i+off)%len(spare)]
					}
				}
			}
			on := ""
			if pod.node != nil {
				on = pod.node.name
			} else {
				pod.pending = unschedulable(nodes, d.pools)
			}
			pod.name = rs + "-" + podHash(5, c.id(), d.namespace, d.name, fmt.Sprint(i), fmt.Sprint(gen), on)
			out = append(out, pod)
		}
	}
	for _, comp := range components() {
		if !comp.daemon {
			continue
		}
		for _, n := range nodes {
			if !n.linux() {
				continue
			}
			out = append(out, &podView{namespace: "kube-system", name: comp.name + "-" + podHash(5, c.id(), n.name, n.version),
				ownerKind: "DaemonSet", owner: comp.name, labels: comp.labels, container: comp.container,
				image: comp.image + n.version, priority: comp.priority, node: n, created: n.created})
		}
	}
	for _, p := range out {
		p.ready = p.node != nil && p.node.ready == corev1.ConditionTrue
	}
	slices.SortFunc(out, func(a, b *podView) int {
		return cmp.Or(strings.Compare(a.namespace, b.namespace), strings.Compare(a.name, b.name))
	})
	s.crashLoops(c, out, now)
	return out
}

// unschedulable is the scheduler's message for a pod that fits no node:
// the nodes of other pools do not match its selector, its pools' nodes
// are cordoned or not ready.
func unschedulable(nodes []*nodeView, pools []*poolState) string {
	other, unfit := 0, 0
	for _, n := range nodes {
		if slices.Contains(pools, n.pool) {
			unfit++
		} else {
			other++
		}
	}
	return fmt.Sprintf("0/%d nodes are available: %d node(s) didn't match Pod's node affinity/selector, %d node(s) were unschedulable.", len(nodes), other, unfit)
}

// crashLoops puts the kube-system pods that systemPodCrashLoop faults
// name into CrashLoopBackOff: the pod of that name, or the first pod of
// that component.
func (s *Simulator) crashLoops(c *clusterState, pods []*podView, now time.Time) {
	for _, sh := range s.shownFaults(FaultSystemPodCrashLoop, c, nil, now, nil) {
		comp, ok := componentOf(sh.f.Pod)
		if !ok {
			continue
		}
		var target *podView
		for _, p := range pods {
			if p.namespace != "kube-system" {
				continue
			}
			if p.name == sh.f.Pod {
				target = p
				break
			}
			if target == nil && (p.owner == comp.name || strings.HasPrefix(p.owner, comp.name+"-")) {
				target = p
			}
		}
		if target == nil || target.node == nil {
			continue
		}
		target.ready = false
		target.crashSince = sh.since
		target.restarts = crashRestarts(now.Sub(sh.since))
	}
}

// crashRestarts counts a crash-looping container's restarts after d: the
// kubelet restarts it after 10s, 20s, 40s, ... capped at five minutes
// (kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts).
func crashRestarts(d time.Duration) int32 {
	const ceiling = 5 * time.Minute
	var n int32
	t, wait := time.Duration(0), 10*time.Second
	for wait < ceiling {
		if t += wait; t > d {
			return n
		}
		n++
		wait *= 2
	}
	if d < t {
		return n
	}
	return n + int32((d-t)/ceiling)
}

// pdbView is a PodDisruptionBudget with the status the disruption
// controller computes (k8s.io/kubernetes pkg/controller/disruption):
// desiredHealthy is minAvailable, or expectedPods less maxUnavailable;
// disruptionsAllowed is currentHealthy less desiredHealthy, at least 0.
type pdbView struct {
	namespace, name              string
	workload                     *Workload
	minAvailable, maxUnavailable *int
	expected, healthy            int
	desired, allowed             int
	created                      time.Time
	// fault is the pdbBlocksDrain fault behind the budget, if any.
	fault *activeFault
}

func (s *Simulator) pdbViews(c *clusterState, pods []*podView, now time.Time) []*pdbView {
	var out []*pdbView
	for i := range c.kube.workloads {
		w := &c.kube.workloads[i]
		b := &pdbView{namespace: w.Namespace, name: pdbName(w.Name), workload: w, created: s.start}
		if w.PDB != nil {
			b.minAvailable, b.maxUnavailable = w.PDB.MinAvailable, w.PDB.MaxUnavailable
		}
		same := func(f *Fault) bool { return f.Namespace == w.Namespace && f.Name == w.Name }
		if f, since := s.shownFault(FaultPDBBlocksDrain, c, nil, now, false, same); f != nil {
			n := w.Replicas
			b.minAvailable, b.maxUnavailable, b.fault, b.created = &n, nil, f, since
		}
		if b.minAvailable == nil && b.maxUnavailable == nil {
			continue
		}
		for _, p := range pods {
			if p.workload == w {
				b.expected++
				if p.ready {
					b.healthy++
				}
			}
		}
		if b.minAvailable != nil {
			b.desired = *b.minAvailable
		} else {
			b.desired = max(b.expected-*b.maxUnavailable, 0)
		}
		b.allowed = max(b.healthy-b.desired, 0)
		out = append(out, b)
	}
	return out
}

// clusterView is the cluster's Kubernetes objects at one time.
type clusterView struct {
	nodes      []*nodeView
	pods       []*podView
	pdbs       []*pdbView
	namespaces []string
}

func (s *Simulator) clusterView(c *clusterState, now time.Time) *clusterView {
	v := &clusterView{nodes: s.nodeViews(c, now)}
	v.pods = s.podViews(c, v.nodes, now)
	v.pdbs = s.pdbViews(c, v.pods, now)
	v.namespaces = []string{"default", "kube-node-lease", "kube-public", "kube-system"}
	for _, w := range c.kube.workloads {
		if !slices.Contains(v.namespaces, w.Namespace) {
			v.namespaces = append(v.namespaces, w.Namespace)
		}
	}
	slices.Sort(v.namespaces)
	return v
}

// podHash is n characters of the alphabet Kubernetes names generated
// objects with (k8s.io/apimachinery/pkg/util/rand), hashed from parts.
func podHash(n int, parts ...string) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	x := h.Sum64()
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[x%uint64(len(alphabet))]
		x /= uint64(len(alphabet))
		if x == 0 {
			x = splitmix(uint64(i) + h.Sum64())
		}
	}
	return string(out)
}

func hash32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
