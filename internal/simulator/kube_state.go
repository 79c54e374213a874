package simulator

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// kubeState is what a cluster's own Kubernetes API holds besides what ARM
// shows: its credentials, its workloads and its pools' nodes. Nodes change
// only when a pool operation ends (settleNodes); while one runs, the API
// shows its progress, derived from the clock (nodeViews).
type kubeState struct {
	// token is the static bearer token of the cluster's local accounts,
	// random and kept for the simulator's life.
	token     string
	aad       *AADProfile
	noLocal   bool // disableLocalAccounts
	workloads []Workload
	pools     map[*poolState]*kubePool
	// requests counts the API's requests, for its /metrics.
	requests map[kubeRequestKey]int
}

// kubePool is a pool's VMSS: its nodes, in instance ID order.
type kubePool struct {
	nodes []nodeInstance
	// nextID is the VMSS instance ID the next surge node gets; IDs are
	// never reused.
	nextID int
	// generation counts the rolling upgrades that drained the pool: pods
	// made again after one get new names.
	generation int
	// settled is when the last of them ended (zero: none yet).
	settled time.Time
}

// nodeInstance is a VMSS instance that is a node of the cluster.
type nodeInstance struct {
	id             int
	version, image string
	created        time.Time
}

// kubeRequestKey is what apiserver_request_total counts by.
type kubeRequestKey struct {
	verb, group, version, resource, scope string
	code                                  int
}

func newKubeState(c Cluster, pools []*poolState, start time.Time) *kubeState {
	// 16 random bytes, as hex (unverified: the length and alphabet of
	// AKS's own tokens). crypto/rand.Read never fails (Go 1.24+: it
	// crashes the program instead of returning an error).
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	ks := &kubeState{
		token:     hex.EncodeToString(b),
		aad:       c.AADProfile,
		noLocal:   c.DisableLocalAccounts,
		workloads: c.Workloads,
		pools:     map[*poolState]*kubePool{},
		requests:  map[kubeRequestKey]int{},
	}
	for _, p := range pools {
		kp := &kubePool{nextID: p.count}
		for i := range p.count {
			kp.nodes = append(kp.nodes, nodeInstance{id: i, version: p.version, image: p.image, created: start})
		}
		ks.pools[p] = kp
	}
	return ks
}

func (k *kubeState) workload(namespace, name string) *Workload {
	for i := range k.workloads {
		if w := &k.workloads[i]; w.Namespace == namespace && w.Name == name {
			return w
		}
	}
	return nil
}

// settleNodes gives a pool's nodes what the operation that just ended left
// them with. A success upgrades every node; a drain that failed leaves
// the batches before the blocked one upgraded and the rest as they were,
// uncordoned (AKS's default undrainableNodeBehavior, Schedule: "AKS will
// mark the blocked nodes schedulable, but the blocked nodes are not
// upgraded. A best-effort attempt will be made to delete all surge
// nodes." learn.microsoft.com/dotnet/api/azure.resourcemanager.containerservice.models.undrainablenodebehavior);
// a quota failure made no surge node and changed nothing. The surge nodes
// go in every case.
func (s *Simulator) settleNodes(op *operation) {
	if op.pool == nil || (op.err != nil && op.blocked == nil) {
		return
	}
	kp := op.cluster.kube.pools[op.pool]
	done := len(kp.nodes)
	if op.err != nil {
		done = min(op.blocked.batch*op.pool.surgeNodes(), done)
	}
	for i := range kp.nodes[:done] {
		kp.nodes[i].version, kp.nodes[i].image = op.targetOf(kp.nodes[i])
	}
	kp.nextID += op.pool.surgeNodes()
	kp.generation++
	kp.settled = op.end
}

// targetOf is the version and node image a pool operation gives node n.
func (op *operation) targetOf(n nodeInstance) (version, image string) {
	if op.kind == opNodeImage {
		return n.version, op.to
	}
	return op.to, op.image
}
