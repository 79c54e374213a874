package azure

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksupgrade/aksupgrade"
)

// Start issues one upgrade step. It reads the resource first: a step the
// resource has already taken is refused with ErrAlreadyDone, a resource
// with an operation in progress with ErrBusy, both without a write.
//
//   - StepControlPlane: read-modify-write of the managed cluster that
//     sets properties.kubernetesVersion only (every agent pool's
//     orchestratorVersion is sent back as read), PUT with If-Match.
//   - StepNodePool: read-modify-write of the agent pool with the new
//     orchestratorVersion, PUT with If-Match.
//   - StepNodeImage: POST upgradeNodeImageVersion, after reading the pool
//     and its upgrade profile (latestNodeImageVersion).
//   - StepCluster: read-modify-write of the managed cluster that sets
//     properties.kubernetesVersion and every agent pool's
//     orchestratorVersion to the version, as az aks upgrade does without
//     --control-plane-only, PUT with If-Match.
//
// A managed cluster PUT leaves out what the az CLI leaves out: the
// servicePrincipalProfile (a GET never returns its secret) and any
// upgradeSettings.overrideSettings left on the cluster (sent back, a
// forceUpgrade would bypass AKS's block on deprecated API use).
//
// The returned Operation carries the SDK poller's resume token.
func (p *Provider) Start(ctx context.Context, s aksupgrade.Step) (aksupgrade.Operation, error) {
	if err := checkStep(s); err != nil {
		return aksupgrade.Operation{}, err
	}
	ctx, ref, f, err := p.forCluster(ctx, s.ClusterID)
	if err != nil {
		return aksupgrade.Operation{}, err
	}
	var token string
	switch s.Kind {
	case aksupgrade.StepControlPlane, aksupgrade.StepCluster:
		token, err = p.startCluster(ctx, f.NewManagedClustersClient(), ref, s)
	case aksupgrade.StepNodePool:
		token, err = p.startNodePool(ctx, f.NewAgentPoolsClient(), ref, s.Pool, s.Version)
	case aksupgrade.StepNodeImage:
		token, err = p.startNodeImage(ctx, f.NewAgentPoolsClient(), ref, s.Pool)
	}
	if err != nil {
		return aksupgrade.Operation{}, fmt.Errorf("start %s upgrade of %s: %w", describe(s), ref.id, err)
	}
	p.log.InfoContext(ctx, "upgrade started", "kind", s.Kind, "cluster", ref.id, "pool", s.Pool, "version", s.Version)
	return aksupgrade.Operation{Step: s, ResumeToken: token, StartedAt: p.clock.Now()}, nil
}

func checkStep(s aksupgrade.Step) error {
	switch s.Kind {
	case aksupgrade.StepControlPlane, aksupgrade.StepCluster:
		if s.Version == "" {
			return errorf(aksupgrade.ErrInvalid, string(s.Kind)+" step without a version")
		}
	case aksupgrade.StepNodePool:
		if s.Pool == "" || s.Version == "" {
			return errorf(aksupgrade.ErrInvalid, "node pool step needs a pool and a version")
		}
	case aksupgrade.StepNodeImage:
		if s.Pool == "" {
			return errorf(aksupgrade.ErrInvalid, "node image step without a pool")
		}
	default:
		return errorf(aksupgrade.ErrInvalid, fmt.Sprintf("unknown step kind %q", s.Kind))
	}
	return nil
}

func describe(s aksupgrade.Step) string {
	switch s.Kind {
	case aksupgrade.StepControlPlane:
		return "control plane " + s.Version
	case aksupgrade.StepNodePool:
		return "pool " + s.Pool + " " + s.Version
	case aksupgrade.StepCluster:
		return "whole cluster " + s.Version
	}
	return "pool " + s.Pool + " node image"
}

// startCluster upgrades the control plane (StepControlPlane) or the
// control plane and every pool (StepCluster).
func (p *Provider) startCluster(ctx context.Context, mcs *armcontainerservice.ManagedClustersClient, ref clusterRef, s aksupgrade.Step) (string, error) {
	got, err := mcs.Get(ctx, ref.resourceGroup, ref.name, nil)
	if err != nil {
		return "", p.classify(err)
	}
	mc := got.ManagedCluster
	c, err := convertCluster(&mc)
	if err != nil {
		return "", errorf(aksupgrade.ErrInternal, err.Error())
	}
	if !c.Idle() {
		return "", errorf(aksupgrade.ErrBusy, fmt.Sprintf("cluster is %s", busyState(c)))
	}
	if reached(c, s) {
		what := "control plane already runs "
		if s.Kind == aksupgrade.StepCluster {
			what = "control plane and every pool already run "
		}
		return "", errorf(aksupgrade.ErrAlreadyDone, what+c.KubernetesVersion)
	}
	if c.Stopped() {
		return "", errorf(aksupgrade.ErrInvalid, "cluster is stopped: start it before upgrading")
	}
	if mc.Properties == nil {
		return "", errorf(aksupgrade.ErrInternal, "managed cluster without properties")
	}
	version := s.Version
	mc.Properties.KubernetesVersion = &version
	if s.Kind == aksupgrade.StepCluster {
		for _, pp := range mc.Properties.AgentPoolProfiles {
			if pp != nil {
				pp.OrchestratorVersion = &version
			}
		}
	}
	// Otherwise the pools' orchestratorVersion stay as read, so AKS
	// upgrades the control plane alone (the API has no
	// control-plane-only flag).
	p.asTheCLISends(ctx, ref, mc.Properties)
	poller, err := mcs.BeginCreateOrUpdate(ctx, ref.resourceGroup, ref.name, mc,
		&armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: mc.ETag})
	if err != nil {
		return "", p.classify(err)
	}
	return resumeToken(ctx, poller, p.clock)
}

// reached reports whether the cluster already runs what a control plane
// or whole-cluster step asks for.
func reached(c aksupgrade.Cluster, s aksupgrade.Step) bool {
	if !sameVersion(c.KubernetesVersion, s.Version) {
		return false
	}
	if s.Kind == aksupgrade.StepCluster {
		for _, np := range c.NodePools {
			if !sameVersion(np.KubernetesVersion, s.Version) {
				return false
			}
		}
	}
	return true
}

// asTheCLISends leaves out of a managed cluster PUT what az aks upgrade
// leaves out: the service principal profile, whose secret a GET never
// returns, and an upgrade override left on the cluster, which would let
// the upgrade past AKS's block on deprecated API use unseen.
func (p *Provider) asTheCLISends(ctx context.Context, ref clusterRef, props *armcontainerservice.ManagedClusterProperties) {
	props.ServicePrincipalProfile = nil
	if u := props.UpgradeSettings; u != nil && u.OverrideSettings != nil {
		if u.OverrideSettings.ForceUpgrade != nil && *u.OverrideSettings.ForceUpgrade {
			p.log.WarnContext(ctx, "the cluster's upgradeSettings.overrideSettings.forceUpgrade is cleared: AKS's deprecated-API check applies to upgrades aksupgrade starts", "cluster", ref.id)
		}
		u.OverrideSettings = nil
	}
}

func (p *Provider) startNodePool(ctx context.Context, aps *armcontainerservice.AgentPoolsClient, ref clusterRef, pool, version string) (string, error) {
	got, err := aps.Get(ctx, ref.resourceGroup, ref.name, pool, nil)
	if err != nil {
		return "", p.classify(err)
	}
	ap := got.AgentPool
	np := convertAgentPool(&ap)
	if !idle(np.ProvisioningState) {
		return "", errorf(aksupgrade.ErrBusy, fmt.Sprintf("pool %s is %s", pool, np.ProvisioningState))
	}
	if sameVersion(np.KubernetesVersion, version) {
		return "", errorf(aksupgrade.ErrAlreadyDone, fmt.Sprintf("pool %s already runs %s", pool, np.KubernetesVersion))
	}
	if ap.Properties == nil {
		return "", errorf(aksupgrade.ErrInternal, "agent pool without properties")
	}
	etag := ap.Properties.ETag
	ap.Properties.OrchestratorVersion = &version
	poller, err := aps.BeginCreateOrUpdate(ctx, ref.resourceGroup, ref.name, pool, ap,
		&armcontainerservice.AgentPoolsClientBeginCreateOrUpdateOptions{IfMatch: etag})
	if err != nil {
		return "", p.classify(err)
	}
	return resumeToken(ctx, poller, p.clock)
}

func (p *Provider) startNodeImage(ctx context.Context, aps *armcontainerservice.AgentPoolsClient, ref clusterRef, pool string) (string, error) {
	got, err := aps.Get(ctx, ref.resourceGroup, ref.name, pool, nil)
	if err != nil {
		return "", p.classify(err)
	}
	np := convertAgentPool(&got.AgentPool)
	if !idle(np.ProvisioningState) {
		return "", errorf(aksupgrade.ErrBusy, fmt.Sprintf("pool %s is %s", pool, np.ProvisioningState))
	}
	prof, err := aps.GetUpgradeProfile(ctx, ref.resourceGroup, ref.name, pool, nil)
	if err != nil {
		return "", p.classify(err)
	}
	latest := latestNodeImage(&prof.AgentPoolUpgradeProfile)
	if latest != "" && strings.EqualFold(latest, np.NodeImageVersion) {
		return "", errorf(aksupgrade.ErrAlreadyDone, fmt.Sprintf("pool %s already runs the latest node image %s", pool, latest))
	}
	poller, err := aps.BeginUpgradeNodeImageVersion(ctx, ref.resourceGroup, ref.name, pool, nil)
	if err != nil {
		return "", p.classify(err)
	}
	return resumeToken(ctx, poller, p.clock)
}

// sameVersion reports whether current satisfies want: equal, or want is
// a minor ("1.31") and current one of its patches.
func sameVersion(current, want string) bool {
	current, want = strings.TrimPrefix(current, "v"), strings.TrimPrefix(want, "v")
	if current == want {
		return true
	}
	return strings.Count(want, ".") == 1 && strings.HasPrefix(current, want+".")
}

// idle reports whether a provisioning state has no operation in
// progress, the way the domain's Cluster.Idle sees it.
func idle(state string) bool {
	c := aksupgrade.Cluster{ProvisioningState: state}
	return c.Idle()
}

// busyState says what keeps a cluster busy, for the error message.
func busyState(c aksupgrade.Cluster) string {
	if !idle(c.ProvisioningState) {
		return c.ProvisioningState
	}
	for _, np := range c.NodePools {
		if !idle(np.ProvisioningState) {
			return fmt.Sprintf("busy: pool %s is %s", np.Name, np.ProvisioningState)
		}
	}
	return "busy"
}

// resumeToken returns the token of a started operation. An operation
// that ended at once (no polling needed) gets a token of ours that Poll
// answers without a request; one that failed at once is an error.
func resumeToken[T any](ctx context.Context, poller *runtime.Poller[T], clk aksupgrade.Clock) (string, error) {
	if !poller.Done() {
		tk, err := poller.ResumeToken()
		if err != nil {
			return "", errorf(aksupgrade.ErrInternal, "resume token: "+err.Error())
		}
		return tk, nil
	}
	if _, err := poller.Result(ctx); err != nil {
		return "", classify(err, clk.Now())
	}
	return doneToken, nil
}
