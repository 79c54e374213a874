package simulator

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
)

func TestAKSRules(t *testing.T) {
	poolVersion := func(cluster, pool int, v string) func(*Scenario) {
		return func(sc *Scenario) { sc.Subscriptions[0].Clusters[cluster].NodePools[pool].KubernetesVersion = v }
	}
	tests := []struct {
		name    string
		changes []func(*Scenario)
		do      func(e *env) error
		status  int
		code    string
		message string // a part of it
	}{{
		name:   "minor versions cannot be skipped",
		do:     func(e *env) error { _, err := e.upgradeControlPlane("rg-a", "aks-c", "1.31.4"); return err },
		status: 400, code: "OperationNotAllowed",
		message: "Upgrading Kubernetes version 1.29.12 to 1.31.4 is not allowed. Available upgrades: [1.30.10 1.30.9 1.29.14]",
	}, {
		name:   "no downgrade",
		do:     func(e *env) error { _, err := e.upgradeControlPlane("rg-a", "aks-b", "1.30.10"); return err },
		status: 400, code: "OperationNotAllowed",
	}, {
		name:   "a version the region does not offer",
		do:     func(e *env) error { _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.11"); return err },
		status: 400, code: "K8sVersionNotSupported",
		message: "version 1.30.11 is not supported in this region",
	}, {
		name:   "a minor the region does not offer",
		do:     func(e *env) error { _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.28"); return err },
		status: 400, code: "K8sVersionNotSupported",
	}, {
		name:   "pool newer than the control plane",
		do:     func(e *env) error { _, err := e.upgradePool("rg-a", "aks-a", "apps", "1.31.4"); return err },
		status: 400, code: "NodePoolMcVersionIncompatible",
		message: "Minor version of node pool version 31 is bigger than control plane version 30",
	}, {
		name:   "pool downgrade",
		do:     func(e *env) error { _, err := e.upgradePool("rg-a", "aks-b", "system", "1.30.9"); return err },
		status: 400, code: "OperationNotAllowed",
	}, {
		name:    "pool skips a minor",
		changes: []func(*Scenario){poolVersion(1, 1, "1.29.14")},
		do:      func(e *env) error { _, err := e.upgradePool("rg-a", "aks-b", "apps", "1.31.4"); return err },
		status:  400, code: "OperationNotAllowed",
	}, {
		name:    "control plane more than 3 minors ahead of a pool",
		changes: []func(*Scenario){poolVersion(1, 1, "1.28.15")},
		do:      func(e *env) error { _, err := e.upgradeControlPlane("rg-a", "aks-b", "1.32.0"); return err },
		status:  400, code: "NodePoolMcVersionIncompatible",
		message: "cannot be more than 3 versions less",
	}, {
		name: "busy: pool write while the control plane upgrades",
		do: func(e *env) error {
			if _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30.10"); err != nil {
				return err
			}
			_, err := e.upgradePool("rg-a", "aks-a", "apps", "1.30.10")
			return err
		},
		status: 409, code: "OperationNotAllowed", message: "Another operation (Upgrading) is in progress",
	}, {
		name: "busy: cluster write while a pool upgrades",
		do: func(e *env) error {
			if _, err := e.upgradePool("rg-a", "aks-b", "apps", "1.31.4"); err != nil {
				return err
			}
			_, err := e.upgradeControlPlane("rg-a", "aks-b", "1.32.0")
			return err
		},
		status: 409, code: "OperationNotAllowed", message: "is in progress on agent pool (apps)",
	}, {
		name: "busy: same pool again",
		do: func(e *env) error {
			if _, err := e.pools().BeginUpgradeNodeImageVersion(context.Background(), "rg-a", "aks-a", "system", nil); err != nil {
				return err
			}
			_, err := e.pools().BeginUpgradeNodeImageVersion(context.Background(), "rg-a", "aks-a", "system", nil)
			return err
		},
		status: 409, code: "OperationNotAllowed", message: "Another agentpool operation (UpgradingNodeImageVersion) is in progress",
	}, {
		name: "stale eTag",
		do: func(e *env) error {
			mc := e.getCluster("rg-a", "aks-a")
			mc.Properties.KubernetesVersion = ptr("1.30.10")
			_, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: ptr("0000")})
			return err
		},
		status: 412, code: "PreconditionFailed",
	}, {
		name:   "stopped cluster",
		do:     func(e *env) error { _, err := e.upgradeControlPlane("rg-a", "aks-stopped", "1.30.10"); return err },
		status: 409, code: "OperationNotAllowed", message: "Power State(Stopped)",
	}, {
		name: "stopped cluster: node image",
		do: func(e *env) error {
			_, err := e.pools().BeginUpgradeNodeImageVersion(context.Background(), "rg-a", "aks-stopped", "system", nil)
			return err
		},
		status: 409, code: "OperationNotAllowed",
	}, {
		name: "a managed cluster PUT that moves a pool elsewhere than the control plane",
		do: func(e *env) error {
			mc := e.getCluster("rg-a", "aks-a")
			mc.Properties.AgentPoolProfiles[1].OrchestratorVersion = ptr("1.30.10")
			_, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, nil)
			return err
		},
		status: 400, code: "NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged",
		message: "must be all specified or all unspecified",
	}, {
		name: "a managed cluster PUT that gives some pools' versions and not others",
		do: func(e *env) error {
			mc := e.getCluster("rg-a", "aks-a")
			mc.Properties.KubernetesVersion = ptr("1.31.4")
			mc.Properties.AgentPoolProfiles[0].OrchestratorVersion = ptr("1.31.4")
			mc.Properties.AgentPoolProfiles[1].OrchestratorVersion = nil
			_, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, nil)
			return err
		},
		status: 400, code: "NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged",
	}, {
		name: "an auto-upgrade channel AKS does not know",
		do: func(e *env) error {
			mc := e.getCluster("rg-a", "aks-a")
			mc.Properties.AutoUpgradeProfile.NodeOSUpgradeChannel = ptr(armcontainerservice.NodeOSUpgradeChannel("none"))
			_, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, nil)
			return err
		},
		status: 400, code: "InvalidParameter",
		message: "autoUpgradeProfile.nodeOSUpgradeChannel",
	}, {
		name: "a PUT without a location",
		do: func(e *env) error {
			mc := e.getCluster("rg-a", "aks-a")
			mc.Location = nil
			_, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, nil)
			return err
		},
		status: 400, code: "LocationRequired",
	}, {
		name: "a PUT to another location",
		do: func(e *env) error {
			mc := e.getCluster("rg-a", "aks-a")
			mc.Location = ptr("North Europe")
			_, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, nil)
			return err
		},
		status: 400, code: "InvalidResourceLocation",
		message: "cannot be created in location 'northeurope'",
	}, {
		name: "a service principal sent back without its secret",
		do: func(e *env) error {
			mc := e.getCluster("rg-a", "aks-a")
			mc.Properties.KubernetesVersion = ptr("1.30.10")
			mc.Properties.ServicePrincipalProfile = &armcontainerservice.ManagedClusterServicePrincipalProfile{ClientID: ptr("5d1c3b4e-0000-4000-8000-000000000001")}
			_, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, nil)
			return err
		},
		status: 400, code: "InvalidParameter",
		message: "servicePrincipalProfile.secret",
	}, {
		name:    "the control plane alone from a minor that left support",
		changes: []func(*Scenario){outOfSupport},
		do:      func(e *env) error { _, err := e.upgradeControlPlane("rg-b", "aks-d", "1.30.10"); return err },
		status:  400, code: "OperationNotAllowed",
		message: "Upgrade the control plane and all agent pools together",
	}, {
		name:    "a whole-cluster upgrade from a minor that left support, past the oldest supported minor",
		changes: []func(*Scenario){outOfSupport},
		do:      func(e *env) error { _, err := e.upgradeCluster("rg-b", "aks-d", "1.31.4"); return err },
		status:  400, code: "OperationNotAllowed",
		message: "Available upgrades: [1.30.10 1.30.9]",
	}, {
		name: "unknown cluster",
		do: func(e *env) error {
			_, err := e.clusters().Get(context.Background(), "rg-a", "nope", nil)
			return err
		},
		status: 404, code: "ResourceNotFound",
	}, {
		name: "unknown resource group",
		do: func(e *env) error {
			_, err := e.clusters().NewListByResourceGroupPager("rg-nope", nil).NextPage(context.Background())
			return err
		},
		status: 404, code: "ResourceGroupNotFound",
	}, {
		name: "unknown subscription",
		do: func(e *env) error {
			_, err := e.factory("33333333-3333-4333-8333-333333333333").NewManagedClustersClient().Get(context.Background(), "rg-a", "aks-a", nil)
			return err
		},
		status: 404, code: "SubscriptionNotFound",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "small.yaml", tt.changes...)
			err := tt.do(e)
			re := responseError(t, err)
			if re.StatusCode != tt.status || re.ErrorCode != tt.code {
				t.Errorf("got %d %s, want %d %s\n%v", re.StatusCode, re.ErrorCode, tt.status, tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("message does not contain %q:\n%v", tt.message, err)
			}
		})
	}
}

// outOfSupport puts aks-d (eastus: 1.30 to 1.32) on 1.28, a minor the
// region no longer lists.
func outOfSupport(sc *Scenario) {
	sc.Subscriptions[0].Clusters[4].KubernetesVersion = "1.28.15"
}

// A cluster on a minor that left support takes the whole-cluster PUT the
// az CLI sends (every pool's orchestratorVersion set to the target) into
// the oldest supported minor, skipping 1.29; its upgrade profile offers
// exactly that.
func TestWholeClusterUpgradeRecoversFromAMinorThatLeftSupport(t *testing.T) {
	e := newEnv(t, "small.yaml", outOfSupport)
	prof, err := e.clusters().GetUpgradeProfile(context.Background(), "rg-b", "aks-d", nil)
	if err != nil {
		t.Fatal(err)
	}
	var offered []string
	for _, u := range prof.Properties.ControlPlaneProfile.Upgrades {
		offered = append(offered, deref(u.KubernetesVersion))
	}
	if strings.Join(offered, " ") != "1.30.9 1.30.10" {
		t.Errorf("upgrade profile of a 1.28 cluster offers %v, want the 1.30 patches", offered)
	}
	p, err := e.upgradeCluster("rg-b", "aks-d", "1.30.10")
	if err != nil {
		t.Fatalf("whole-cluster PUT refused: %v", err)
	}
	if got := e.sim.State(false).Operations; len(got) != 1 || got[0].Kind != string(opCluster) {
		t.Fatalf("operations %+v, want one whole-cluster operation", got)
	}
	for !p.poll(t) {
		e.clock.Advance(10 * time.Minute)
	}
	mc := e.getCluster("rg-b", "aks-d")
	if v := deref(mc.Properties.CurrentKubernetesVersion); v != "1.30.10" {
		t.Errorf("control plane runs %s, want 1.30.10", v)
	}
	for _, pp := range mc.Properties.AgentPoolProfiles {
		if v := deref(pp.CurrentOrchestratorVersion); v != "1.30.10" {
			t.Errorf("pool %s runs %s, want 1.30.10", deref(pp.Name), v)
		}
	}
}

// upgradeCluster sets the cluster's version and every pool's, as az aks
// upgrade does without --control-plane-only, and PUTs it.
func (e *env) upgradeCluster(rg, name, v string) (*pollerOf[armcontainerservice.ManagedClustersClientCreateOrUpdateResponse], error) {
	e.t.Helper()
	mc := e.getCluster(rg, name)
	mc.Properties.KubernetesVersion = &v
	for _, pp := range mc.Properties.AgentPoolProfiles {
		pp.OrchestratorVersion = &v
	}
	p, err := e.clusters().BeginCreateOrUpdate(context.Background(), rg, name, mc, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: mc.ETag})
	if err != nil {
		return nil, err
	}
	return &pollerOf[armcontainerservice.ManagedClustersClientCreateOrUpdateResponse]{p}, nil
}

// A PUT that changes the channels changes them, and AKS stops acting on
// its own.
func TestPutSetsChannels(t *testing.T) {
	e := newEnv(t, "small.yaml", func(sc *Scenario) { sc.Subscriptions[0].Clusters[0].NodeOSUpgradeChannel = "NodeImage" })
	mc := e.getCluster("rg-a", "aks-a")
	mc.Properties.AutoUpgradeProfile.NodeOSUpgradeChannel = ptr(armcontainerservice.NodeOSUpgradeChannelNone)
	mc.Properties.AutoUpgradeProfile.UpgradeChannel = ptr(armcontainerservice.UpgradeChannelNone)
	if _, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, nil); err != nil {
		t.Fatal(err)
	}
	got := e.getCluster("rg-a", "aks-a").Properties.AutoUpgradeProfile
	if deref(got.NodeOSUpgradeChannel) != armcontainerservice.NodeOSUpgradeChannelNone || deref(got.UpgradeChannel) != armcontainerservice.UpgradeChannelNone {
		t.Errorf("channels after the PUT: %s, %s", deref(got.UpgradeChannel), deref(got.NodeOSUpgradeChannel))
	}
}

func TestMinorAliasResolvesToNewestPatch(t *testing.T) {
	e := newEnv(t, "small.yaml")
	if _, err := e.upgradeControlPlane("rg-a", "aks-a", "1.30"); err != nil {
		t.Fatal(err)
	}
	if got := deref(e.getCluster("rg-a", "aks-a").Properties.KubernetesVersion); got != "1.30.10" {
		t.Errorf("kubernetesVersion = %s, want 1.30.10", got)
	}
}

func TestForceUpgradeBypassesDeprecatedAPIBlock(t *testing.T) {
	e := newEnv(t, "small.yaml")
	e.sim.AddFault(Fault{Kind: FaultDeprecatedAPI, Cluster: "aks-a"})
	mc := e.getCluster("rg-a", "aks-a")
	mc.Properties.KubernetesVersion = ptr("1.31.4")
	mc.Properties.UpgradeSettings = &armcontainerservice.ClusterUpgradeSettings{OverrideSettings: &armcontainerservice.UpgradeOverrideSettings{ForceUpgrade: ptr(true)}}
	if _, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, nil); err != nil {
		t.Fatalf("forceUpgrade did not bypass the block: %v", err)
	}
}

func TestARMRequestChecks(t *testing.T) {
	e := newEnv(t, "small.yaml")
	cluster := "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-a"
	tests := []struct {
		name, method, path string
		header             http.Header
		status             int
		code               string
	}{
		{"no token", "GET", cluster, http.Header{}, 401, "AuthenticationFailed"},
		{"empty bearer", "GET", cluster, http.Header{"Authorization": {"Bearer "}}, 401, "AuthenticationFailed"},
		{"no api-version", "GET", cluster + "?x=1", nil, 400, "MissingApiVersionParameter"},
		{"another api-version", "GET", cluster + "?api-version=2019-01-01", nil, 400, "NoRegisteredProviderFound"},
		{"unknown path", "GET", "/subscriptions/" + subOne + "/providers/Microsoft.Compute/virtualMachines", nil, 404, "InvalidResourceType"},
		{"unsupported method", "DELETE", cluster, nil, 405, "MethodNotAllowed"},
		{"paths ignore case", "GET", strings.ToUpper(cluster[:len(cluster)-len("aks-a")]) + "aks-a", nil, 200, ""},
		{"unknown location", "GET", "/subscriptions/" + subOne + "/providers/Microsoft.ContainerService/locations/mars/kubernetesVersions", nil, 400, "LocationNotAvailableForResourceType"},
		{"unknown operation", "GET", "/subscriptions/" + subOne + "/providers/Microsoft.ContainerService/locations/westeurope/operations/nope", nil, 404, "NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{"Authorization": {"Bearer token"}}
			}
			resp, body := e.rawHeaders(tt.method, tt.path, nil, h)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.code != "" {
				if got := armCode(t, body); got != tt.code {
					t.Errorf("code = %s, want %s", got, tt.code)
				}
			}
		})
	}
}
