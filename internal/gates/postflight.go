package gates

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// nodes: every node Ready and on the target (a zero target: Ready, on
// whatever version, as a health check of the cluster now).
func (k *Checker) nodes(ctx context.Context, c aksupgrade.Cluster, t aksupgrade.Target, g policy.Gates, r *aksupgrade.GateResult) {
	api, err := k.api(g)
	if err != nil {
		cannotLook(r, err)
		return
	}
	nodes, err := api.Nodes(ctx, c.ID)
	if err != nil {
		cannotLook(r, err)
		return
	}
	var notReady, behind []string
	for _, n := range nodes {
		if !n.Ready {
			notReady = append(notReady, n.Name)
		}
		if t.Version != "" && !onTarget(n, t) {
			behind = append(behind, fmt.Sprintf("%s (%s)", n.Name, nodeVersion(n, t)))
		}
	}
	sort.Strings(notReady)
	sort.Strings(behind)
	switch {
	case len(nodes) == 0:
		r.Verdict, r.Saw = aksupgrade.GateFailed, "the cluster has no nodes"
		r.Fix = "look at the cluster's node pools in the Azure portal or with az aks nodepool list"
	case len(notReady) > 0:
		r.Verdict = aksupgrade.GateFailed
		r.Saw = fmt.Sprintf("%d of %d nodes Ready; not Ready: %s", len(nodes)-len(notReady), len(nodes), strings.Join(notReady, ", "))
		r.Fix = "kubectl describe node NAME tells why; once every node is Ready, run aksupgrade rollout retry --stage STAGE"
	case len(behind) > 0:
		r.Verdict = aksupgrade.GateFailed
		r.Saw = fmt.Sprintf("%d of %d nodes not on %s: %s", len(behind), len(nodes), t.Version, strings.Join(behind, ", "))
		r.Fix = "a pool did not finish its upgrade: az aks nodepool show tells its state; then aksupgrade rollout retry --stage STAGE"
	case t.Version == "":
		r.Verdict, r.Saw = aksupgrade.GatePassed, fmt.Sprintf("%d of %d nodes Ready", len(nodes), len(nodes))
	default:
		r.Verdict, r.Saw = aksupgrade.GatePassed, fmt.Sprintf("%d of %d nodes Ready on %s", len(nodes), len(nodes), t.Version)
	}
}

func onTarget(n aksupgrade.Node, t aksupgrade.Target) bool {
	if t.Kind == aksupgrade.TargetNodeImage {
		return n.ImageVersion == t.Version
	}
	return strings.TrimPrefix(n.KubeletVersion, "v") == t.Version
}

func nodeVersion(n aksupgrade.Node, t aksupgrade.Target) string {
	if t.Kind == aksupgrade.TargetNodeImage {
		return n.ImageVersion
	}
	return n.KubeletVersion
}

func restartKey(c aksupgrade.Cluster, t aksupgrade.Target) string {
	return aksupgrade.NormalizeID(c.ID) + "|" + t.String()
}

// pods: the pods of the namespaces Ready, and restarted at most
// MaxRestarts times since the gate first saw them after the upgrade.
func (k *Checker) pods(ctx context.Context, c aksupgrade.Cluster, t aksupgrade.Target, gs policy.Gates, r *aksupgrade.GateResult) {
	g := gs.Pods
	api, err := k.api(gs)
	if err != nil {
		cannotLook(r, err)
		return
	}
	pods, err := api.Pods(ctx, c.ID, g.Namespaces)
	if err != nil {
		cannotLook(r, err)
		return
	}
	k.mu.Lock()
	seen := k.restarts[restartKey(c, t)]
	if seen == nil {
		seen = map[string]int{}
		k.restarts[restartKey(c, t)] = seen
	}
	var notReady, restarting []string
	running := 0
	for _, p := range pods {
		name := p.Namespace + "/" + p.Name
		first, ok := seen[name]
		if !ok {
			seen[name], first = p.Restarts, p.Restarts
		}
		if !p.Running && !p.Ready {
			// A pod that finished (a job) or waits to be scheduled says
			// nothing of the upgrade unless it should be running: count
			// it as not Ready only when it restarts.
			if p.Restarts-first > g.MaxRestarts {
				restarting = append(restarting, fmt.Sprintf("%s (%d restarts)", name, p.Restarts-first))
			}
			continue
		}
		running++
		if !p.Ready {
			notReady = append(notReady, name)
		}
		if p.Restarts-first > g.MaxRestarts {
			restarting = append(restarting, fmt.Sprintf("%s (%d restarts)", name, p.Restarts-first))
		}
	}
	k.mu.Unlock()
	sort.Strings(notReady)
	sort.Strings(restarting)
	where := strings.Join(g.Namespaces, ", ")
	switch {
	case len(notReady) > 0:
		r.Verdict = aksupgrade.GateFailed
		r.Saw = fmt.Sprintf("%d of %d pods in %s not Ready: %s", len(notReady), running, where, strings.Join(notReady, ", "))
		r.Fix = "kubectl -n NAMESPACE describe pod NAME and its logs tell why; once they are Ready, run aksupgrade rollout retry --stage STAGE"
	case len(restarting) > 0:
		r.Verdict = aksupgrade.GateFailed
		r.Saw = fmt.Sprintf("pods in %s restarted more than %d times since the upgrade: %s", where, g.MaxRestarts, strings.Join(restarting, ", "))
		r.Fix = "kubectl -n NAMESPACE logs NAME --previous tells why they crash; then aksupgrade rollout retry --stage STAGE"
	default:
		r.Verdict, r.Saw = aksupgrade.GatePassed, fmt.Sprintf("%d pods in %s Ready", running, where)
	}
}
