package simulator

import (
	"fmt"
	"net/http"
	"time"
)

// drainBlock is a drain that cannot finish: the pool operation stalls on
// batch, and fails with err once the pool's drain timeout has passed.
type drainBlock struct {
	batch int
	// namespace and workload name the workload whose
	// PodDisruptionBudget blocks (empty for a drainFailure fault); its pods
	// stay on the blocked nodes.
	namespace, workload string
	err                 *armError
}

// drainBlock decides, as an upgrade of p starts, whether a drain will
// block it: a drainFailure fault, or a PodDisruptionBudget that allows no
// disruption over a pod on one of p's nodes. The upgrade then stalls on
// the first batch with such a node. A pdbBlocksDrain fault behind the
// budget counts as fired.
func (s *Simulator) drainBlock(p *poolState, now time.Time) *drainBlock {
	if s.fire(FaultDrainFailure, now, func(f *Fault) bool { return f.hitsPool(p) }) != nil {
		return &drainBlock{batch: min(1, p.batches()-1), err: errDrain(p, min(p.surgeNodes(), max(p.count-1, 0)))}
	}
	v := s.clusterView(p.cluster, now)
	blocking := map[*Workload]*pdbView{}
	for _, b := range v.pdbs {
		if b.allowed == 0 && b.expected > 0 {
			blocking[b.workload] = b
		}
	}
	if len(blocking) == 0 {
		return nil
	}
	size := p.surgeNodes()
	for i, n := range p.cluster.kube.pools[p].nodes {
		name := nodeName(p, n.id)
		for _, pod := range v.pods {
			b := blocking[pod.workload]
			if b == nil || pod.node == nil || pod.node.name != name {
				continue
			}
			if b.fault != nil {
				b.fault.fired++
			}
			return &drainBlock{batch: i / size, namespace: pod.namespace, workload: pod.workload.Name,
				err: errDrainPDB(name, pod.namespace, pod.name, b.name, b.expected-b.healthy)}
		}
	}
	return nil
}

// errDrainPDB is AKS's failure of a drain that a PodDisruptionBudget
// blocks (learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/error-code-poddrainfailure),
// naming the pod and budget that blocked it.
func errDrainPDB(node, namespace, pod, pdb string, unready int) *armError {
	return &armError{status: http.StatusBadRequest, code: "UpgradeFailed",
		message: fmt.Sprintf("Drain node %s failed when evicting pod %s failed with Too Many Requests error. This is often caused by a restrictive Pod Disruption Budget (PDB) policy. See https://aka.ms/aks/debugdrainfailures. Original error: Cannot evict pod as it would violate the pod's disruption budget.. PDB debug info: %s/%s blocked by pdb %s with %d unready pods.", node, pod, namespace, pod, pdb, unready)}
}
