package gates

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// capacityTTL is how long a region's quota read is used again: a round
// over many clusters of one region reads it once.
const capacityTTL = 5 * time.Minute

type capacityRead struct {
	cap aksupgrade.ComputeCapacity
	at  time.Time
}

// capacity returns a subscription's capacity in a region, read at most
// every capacityTTL.
func (k *Checker) capacity(ctx context.Context, sub, location string) (aksupgrade.ComputeCapacity, error) {
	key := strings.ToLower(sub + "|" + location)
	now := k.o.Clock.Now()
	k.mu.Lock()
	c, ok := k.capacities[key]
	k.mu.Unlock()
	if ok && now.Sub(c.at) < capacityTTL {
		return c.cap, nil
	}
	got, err := k.o.Capacity.Capacity(ctx, sub, location)
	if err != nil {
		return aksupgrade.ComputeCapacity{}, err
	}
	k.mu.Lock()
	k.capacities[key] = capacityRead{cap: got, at: now}
	k.mu.Unlock()
	return got, nil
}

// surgeCapacity: the regional vCPU quota has room for the surge nodes of
// the cluster's biggest pool upgrade. AKS upgrades a cluster's pools one
// after the other, each with maxSurge extra nodes of its VM size
// (https://learn.microsoft.com/azure/aks/upgrade-aks-cluster#customize-node-surge-upgrade),
// and refuses an upgrade it has no quota for (QuotaExceeded).
func (k *Checker) surgeCapacity(ctx context.Context, c aksupgrade.Cluster, g policy.Gates, r *aksupgrade.GateResult) {
	if k.o.Capacity == nil {
		cannotLook(r, &aksupgrade.Error{Code: aksupgrade.ErrUnreachable, Message: "no access to Microsoft.Compute usages is configured"})
		return
	}
	capa, err := k.capacity(ctx, c.SubscriptionID, c.Location)
	if err != nil {
		cannotLook(r, err)
		return
	}
	need, pool, what := 0, "", ""
	for _, p := range c.NodePools {
		cores, ok := capa.Cores[strings.ToLower(p.VMSize)]
		if !ok {
			r.Verdict, r.Saw = aksupgrade.GateUnknown, fmt.Sprintf("could not look: pool %s runs %q, which Microsoft.Compute does not list in %s", p.Name, p.VMSize, c.Location)
			r.Fix = "check the pool's VM size; the check is tried again at the next round"
			return
		}
		surge := g.Surge.For(&p).SurgeNodes(p.Count)
		if n := surge * cores; n > need {
			need, pool, what = n, p.Name, fmt.Sprintf("%d × %s", surge, p.VMSize)
		}
	}
	free := capa.Limit - capa.Used
	if need > free {
		r.Verdict = aksupgrade.GateFailed
		r.Saw = fmt.Sprintf("the surge of pool %s needs %d vCPUs (%s), but %d of %d regional vCPUs in %s are used: %d free (AKS would refuse the upgrade: QuotaExceeded)",
			pool, need, what, capa.Used, capa.Limit, c.Location, free)
		r.Fix = "ask for more regional vCPU quota for the subscription (Azure portal: Quotas), or lower the pool's upgradeSettings.maxSurge (az aks nodepool update --max-surge)"
		return
	}
	r.Verdict = aksupgrade.GatePassed
	r.Saw = fmt.Sprintf("the biggest surge (pool %s, %d vCPUs) fits: %d of %d regional vCPUs free in %s", pool, need, free, capa.Limit, c.Location)
}
