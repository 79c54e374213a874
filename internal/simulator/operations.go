package simulator

import (
	"fmt"
	"hash/fnv"
	"time"
)

// Operation statuses, as ARM's async operation API reports them.
const (
	statusInProgress = "InProgress"
	statusSucceeded  = "Succeeded"
	statusFailed     = "Failed"
)

type opKind string

const (
	opControlPlane opKind = "controlPlane"
	opNodePool     opKind = "nodePool"
	opNodeImage    opKind = "nodeImage"
	// opCluster upgrades the control plane, then each moving pool in
	// turn, as one operation (a managed cluster PUT that sets every
	// pool's orchestratorVersion, or AKS's own upgrade of the cluster).
	opCluster opKind = "cluster"
)

// operation is a long-running operation. Its outcome is decided when it
// starts: it ends at end, Succeeded, or Failed with err.
type operation struct {
	id       string
	kind     opKind
	cluster  *clusterState
	pool     *poolState // nil for the control plane
	from, to string     // versions, or node images for opNodeImage
	image    string     // the node image a Kubernetes pool upgrade also moves to
	start    time.Time
	end      time.Time
	total    time.Duration // how long success takes
	status   string
	err      *armError
	// blocked is the drain that fails the operation, if one does.
	blocked *drainBlock
	// moves are the pools an opCluster upgrades.
	moves []poolMove
}

// poolMove is one pool of an opCluster and the node image it moves to.
type poolMove struct {
	pool  *poolState
	image string
}

// name is what AKS calls the operation in "another operation (...) is in
// progress".
func (op *operation) name() string {
	if op.kind == opNodeImage {
		return stateUpgradingNodeImage
	}
	return stateUpgrading
}

// percent is how far the operation has come at now.
func (op *operation) percent(now time.Time) float32 {
	if op.status == statusSucceeded {
		return 100
	}
	if op.status == statusFailed {
		now = op.end
	}
	if op.total <= 0 {
		return 100
	}
	p := float32(now.Sub(op.start)) / float32(op.total) * 100
	return min(max(p, 0), 100)
}

// startControlPlane starts a control-plane upgrade of c to version to.
func (s *Simulator) startControlPlane(c *clusterState, to string, now time.Time) *operation {
	op := &operation{id: s.newGUID(), kind: opControlPlane, cluster: c, from: c.version, to: to, start: now}
	op.total = scale(s.durations.controlPlane, s.slowFactor(c, now))
	op.end = now.Add(op.total)
	c.target = to
	c.provisioning = stateUpgrading
	return s.track(op)
}

// startPool starts a Kubernetes upgrade (opNodePool, to a version) or a node
// image upgrade (opNodeImage, to an image) of p. Quota and drain faults
// decide here whether it will fail.
func (s *Simulator) startPool(kind opKind, p *poolState, to string, now time.Time) *operation {
	c := p.cluster
	op := &operation{id: s.newGUID(), kind: kind, cluster: c, pool: p, to: to, start: now}
	factor := s.slowFactor(c, now)
	batch := s.durations.nodeBatch + time.Duration(p.soak)*time.Minute
	op.total = scale(batch*time.Duration(p.batches()), factor)
	op.end = now.Add(op.total)
	if kind == opNodePool {
		op.from = p.version
		op.image = s.imageFor(p, to)
		p.target = to
		p.provisioning = stateUpgrading
	} else {
		op.from = p.image
		p.provisioning = stateUpgradingNodeImage
	}
	c.provisioning = stateUpgrading

	hit := func(f *Fault) bool { return f.hitsPool(p) }
	if s.fire(FaultQuota, now, hit) != nil {
		// Surge nodes are created first: the operation fails at once.
		op.err = errQuota(s, p)
		op.end = now
	} else if blk := s.drainBlock(p, now); blk != nil {
		// The batches before the blocked one go through; its drain times
		// out.
		done := time.Duration(blk.batch) * batch
		op.blocked = blk
		op.err = blk.err
		op.end = now.Add(scale(done+time.Duration(p.drainTimeout)*time.Minute, factor))
	}
	return s.track(op)
}

// startCluster upgrades c's control plane (when to is newer) and the
// moving pools to version to in one operation: "Auto-upgrade first
// upgrades the control plane, and then upgrades agent pools one by one"
// (learn.microsoft.com/azure/aks/auto-upgrade-cluster). A drain that
// cannot finish fails it; quota faults are not modelled for it.
func (s *Simulator) startCluster(c *clusterState, to string, moving []*poolState, now time.Time) *operation {
	op := &operation{id: s.newGUID(), kind: opCluster, cluster: c, from: c.version, to: to, start: now}
	if c.version != to {
		op.total = s.durations.controlPlane
	}
	var blocked time.Duration // when a drain blocks: the time until it times out
	for _, p := range moving {
		batch := s.durations.nodeBatch + time.Duration(p.soak)*time.Minute
		if blocked == 0 {
			if blk := s.drainBlock(p, now); blk != nil {
				// The pools before go through, then the blocked pool's
				// drain times out and fails the whole operation, as it
				// fails a pool's own upgrade. Unverified: AKS leaves the
				// control plane and the pools before upgraded; here the
				// cluster keeps its versions and ends Failed.
				blocked = op.total + time.Duration(blk.batch)*batch + time.Duration(p.drainTimeout)*time.Minute
				op.err = blk.err
			}
		}
		op.total += batch * time.Duration(p.batches())
		op.moves = append(op.moves, poolMove{pool: p, image: s.imageFor(p, to)})
		p.target = to
		p.provisioning = stateUpgrading
	}
	if blocked > 0 {
		op.total = blocked
	}
	op.total = scale(op.total, s.slowFactor(c, now))
	op.end = now.Add(op.total)
	c.target = to
	c.provisioning = stateUpgrading
	for _, m := range op.moves {
		s.touch(c, m.pool)
		s.publishRolling(EventNodePoolRollingStarted, m.pool, now)
	}
	return s.track(op)
}

func (s *Simulator) track(op *operation) *operation {
	op.status = statusInProgress
	op.cluster.op = op
	s.ops = append(s.ops, op)
	if s.opByID == nil {
		s.opByID = map[string]*operation{}
	}
	s.opByID[lower(op.id)] = op
	s.touch(op.cluster, op.pool)
	if op.pool != nil {
		s.publishRolling(EventNodePoolRollingStarted, op.pool, op.start)
	}
	s.log.Info("operation started", "id", op.id, "kind", op.kind, "cluster", op.cluster.name, "pool", poolName(op.pool), "from", op.from, "to", op.to, "ends", op.end)
	return op
}

// finish ends op: the resource takes its new version, or fails.
func (s *Simulator) finish(op *operation) {
	c, p := op.cluster, op.pool
	if c.op == op {
		c.op = nil
	}
	if op.err != nil {
		op.status = statusFailed
		c.provisioning = stateFailed
		if p != nil {
			p.provisioning = stateFailed
		}
	} else {
		op.status = statusSucceeded
		switch op.kind {
		case opControlPlane:
			c.version = op.to
		case opNodePool:
			p.version = op.to
			p.image = op.image
		case opNodeImage:
			p.image = op.to
		case opCluster:
			c.version = op.to
			for _, m := range op.moves {
				m.pool.version, m.pool.image = op.to, m.image
			}
		}
		c.provisioning = stateSucceeded
		if p != nil {
			p.provisioning = stateSucceeded
		}
	}
	s.settleNodes(op)
	for _, m := range op.moves {
		typ := EventNodePoolRollingFailed
		m.pool.provisioning = stateFailed
		if op.err == nil {
			typ, m.pool.provisioning = EventNodePoolRollingSucceeded, stateSucceeded
			s.settleNodes(&operation{kind: opNodePool, cluster: c, pool: m.pool, to: op.to, image: m.image, end: op.end})
		}
		s.touch(c, m.pool)
		s.publishRolling(typ, m.pool, op.end)
	}
	s.touch(c, p)
	if p != nil {
		typ := EventNodePoolRollingSucceeded
		if op.err != nil {
			typ = EventNodePoolRollingFailed
		}
		s.publishRolling(typ, p, op.end)
	}
	s.log.Info("operation ended", "id", op.id, "kind", op.kind, "cluster", c.name, "pool", poolName(p), "status", op.status)
}

func (s *Simulator) operation(id string) *operation { return s.opByID[lower(id)] }

func poolName(p *poolState) string {
	if p == nil {
		return ""
	}
	return p.name
}

func scale(d time.Duration, factor float64) time.Duration {
	return time.Duration(float64(d) * factor)
}

// shortHash is a stable 8-hex-digit hash of a resource ID.
func shortHash(id string) string {
	h := fnv.New32a()
	h.Write([]byte(lower(id)))
	return fmt.Sprintf("%08x", h.Sum32())
}

// nodeName names the n-th node of a pool the way AKS names VMSS nodes.
func nodeName(p *poolState, n int) string {
	h := fnv.New32a()
	h.Write([]byte(lower(p.cluster.id())))
	return "aks-" + p.name + "-" + pad(int(h.Sum32()%100000000), 8) + "-vmss" + pad(n, 6)
}

func pad(n, width int) string {
	s := []byte{}
	for range width {
		s = append([]byte{byte('0' + n%10)}, s...)
		n /= 10
	}
	return string(s)
}
