package simulator

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// A pool upgrade (Kubernetes or node image) as the cluster's API shows
// it, following AKS's rolling upgrade
// (learn.microsoft.com/azure/aks/upgrade-conceptual): maxSurge surge
// nodes at the target version join at the start; then, batch by batch of
// maxSurge nodes in instance order, AKS cordons and drains the batch's
// nodes (their pods move to schedulable nodes), reimages them to the
// target (the node stops reporting: Ready Unknown) and lets them back
// in; at the end the surge nodes go. Each batch takes the operation's
// length over the number of batches: the first half drains, the second
// reimages. The doc leaves open which nodes remain at the end; here the
// reimaged ones keep their names and the surge nodes go (unverified).
//
//	node:   Ready ──(batch starts)──▶ cordoned, drained ──(half way)──▶ reimaging (Unknown)
//	          ▲                                                               │
//	          └──────────────── upgraded, uncordoned ◀──(batch ends)─────────┘

// nodeView is a node as the API shows it now.
type nodeView struct {
	pool *poolState
	// index is the node's place in its pool (-1: a surge node).
	index          int
	id             int
	name           string
	version, image string
	created        time.Time
	cordoned       bool
	ready          corev1.ConditionStatus
	reason, msg    string
	since          time.Time // the Ready condition's last transition
}

func (n *nodeView) schedulable() bool { return !n.cordoned && n.ready == corev1.ConditionTrue }

func (n *nodeView) linux() bool { return !strings.EqualFold(n.pool.osType, "Windows") }

// rollout is where a pool upgrade in progress stands.
type rollout struct {
	op       *operation
	size     int // nodes per batch, maxSurge
	batchLen time.Duration
	// batch is the batch being drained or reimaged (every batch before it
	// is done).
	batch     int
	reimaging bool
	// stuck: batch's drain is blocked (op.blocked) and will time out.
	stuck bool
}

// rolloutOf returns p's upgrade in progress at now, or nil.
func rolloutOf(p *poolState, now time.Time) *rollout {
	op := p.cluster.op
	if op == nil || op.pool != p || op.status != statusInProgress || now.Before(op.start) {
		return nil
	}
	batches := p.batches()
	r := &rollout{op: op, size: p.surgeNodes(), batchLen: op.total / time.Duration(batches)}
	if r.batchLen <= 0 {
		return nil
	}
	elapsed := now.Sub(op.start)
	r.batch = min(int(elapsed/r.batchLen), batches)
	if op.blocked != nil && r.batch >= op.blocked.batch {
		r.batch, r.stuck = op.blocked.batch, true
	} else {
		r.reimaging = elapsed-time.Duration(r.batch)*r.batchLen >= r.batchLen/2
	}
	return r
}

// batchStart is when batch b starts draining.
func (r *rollout) batchStart(b int) time.Time {
	return r.op.start.Add(time.Duration(b) * r.batchLen)
}

// nodeViews returns the cluster's nodes at now, by name.
func (s *Simulator) nodeViews(c *clusterState, now time.Time) []*nodeView {
	var out []*nodeView
	for _, p := range c.pools {
		kp := c.kube.pools[p]
		r := rolloutOf(p, now)
		for i, n := range kp.nodes {
			v := &nodeView{pool: p, index: i, id: n.id, name: nodeName(p, n.id), version: n.version, image: n.image,
				created: n.created, ready: corev1.ConditionTrue, reason: "KubeletReady", msg: "kubelet is posting ready status",
				since: later(n.created, kp.settled)}
			if r != nil {
				switch b := i / r.size; {
				case b < r.batch:
					v.version, v.image = r.op.targetOf(n)
					v.since = r.batchStart(b + 1)
				case b == r.batch:
					v.cordoned = true
					if r.reimaging {
						// The node lifecycle controller's words for a
						// kubelet that stopped reporting.
						v.ready, v.reason, v.msg = corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."
						v.since = r.batchStart(b).Add(r.batchLen / 2)
					}
				}
			}
			out = append(out, v)
		}
		if r != nil {
			for j := range r.size {
				id := kp.nextID + j
				v := &nodeView{pool: p, index: -1, id: id, name: nodeName(p, id), created: r.op.start, since: r.op.start,
					ready: corev1.ConditionTrue, reason: "KubeletReady", msg: "kubelet is posting ready status"}
				v.version, v.image = r.op.targetOf(nodeInstance{version: p.version, image: p.image})
				out = append(out, v)
			}
		}
		// nodeNotReady: the pool's first node, the first one upgraded,
		// stays NotReady (a kubelet message seen on real nodes whose
		// network plugin did not start).
		if f, since := s.shownFault(FaultNodeNotReady, c, p, now, false, nil); f != nil && len(kp.nodes) > 0 {
			for _, v := range out {
				if v.pool == p && v.index == 0 && v.ready == corev1.ConditionTrue {
					v.ready, v.reason, v.since = corev1.ConditionFalse, "KubeletNotReady", since
					v.msg = "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b *nodeView) int { return strings.Compare(a.name, b.name) })
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
