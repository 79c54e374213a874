package simulator

import (
	"context"
	"net/http"
	"strings"
	"testing"

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
		name: "a managed cluster PUT that changes a pool's version",
		do: func(e *env) error {
			mc := e.getCluster("rg-a", "aks-a")
			mc.Properties.AgentPoolProfiles[1].OrchestratorVersion = ptr("1.30.10")
			_, err := e.clusters().BeginCreateOrUpdate(context.Background(), "rg-a", "aks-a", mc, nil)
			return err
		},
		status: 400, code: "InvalidParameter",
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
