package simulator

// AKS's rules for upgrades, and the errors AKS and ARM answer with when one
// is broken. Codes, statuses and message texts follow the public
// documentation:
//
//   - OperationNotAllowed (409), "Another operation (...) is in progress":
//     learn.microsoft.com/troubleshoot/azure/azure-kubernetes/create-upgrade-delete/operationnotallowed
//   - OperationNotAllowed (400), "Upgrading Kubernetes version X to Y is not
//     allowed. Available upgrades: [...]", K8sVersionNotSupported (400) and
//     NodePoolMcVersionIncompatible (400):
//     learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/aks-upgrade-blocked
//     and .../error-codes/nodepoolmcversionincompatible-error
//   - OperationNotAllowed for a stopped cluster, "managed cluster is in
//     Provisioning State(...) and Power State(Stopped), ... cannot be
//     performed": the same OperationNotAllowed article (start/stop cases).
//   - ValidationError (400) with subcode UpgradeBlockedOnDeprecatedAPIUsage:
//     learn.microsoft.com/azure/aks/stop-cluster-upgrade-api-breaking-changes
//   - UpgradeFailed, "Drain node ... failed when evicting pod ... Too Many
//     Requests ... Pod Disruption Budget": learn.microsoft.com/troubleshoot/
//     azure/azure-kubernetes/create-upgrade-delete/error-code-poddrainfailure
//   - QuotaExceeded, "Operation results in exceeding quota limits of Core":
//     learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/quota-exceeded-error
//   - Throttled (AKS) and SubscriptionRequestsThrottled (ARM), 429 with
//     Retry-After, and the token buckets: throttle.go.
//   - ARM's own: AuthenticationFailed (401), MissingApiVersionParameter and
//     NoRegisteredProviderFound (400), SubscriptionNotFound,
//     ResourceGroupNotFound, ResourceNotFound and InvalidResourceType (404),
//     PreconditionFailed (412), InvalidRequestContent (400):
//     learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/version"
)

const pendingOperationHelp = "please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details"

// checkControlPlane returns why c's control plane cannot be upgraded to
// to, or nil.
func (s *Simulator) checkControlPlane(c *clusterState, to version.Version) *armError {
	from := mustVersion(c.version)
	r := s.region(c)
	switch {
	case r.minor(from) == nil:
		return errControlPlaneOnlyOutOfSupport(from, r.upgradesFrom(from))
	case to.Less(from):
		return errUpgradeNotAllowed(from, to, r.upgradesFrom(from))
	case !r.has(to):
		return errVersionNotSupported(c.name, to)
	case from.MinorsBehind(to) > 1:
		return errUpgradeNotAllowed(from, to, r.upgradesFrom(from))
	}
	for _, p := range c.pools {
		if pv := mustVersion(p.version); pv.MinorsBehind(to) > 3 {
			return errPoolTooOld(pv, to)
		}
	}
	return nil
}

// checkCluster returns why c's control plane and pools cannot all be
// upgraded to to in one operation, or nil. From a minor no longer listed,
// to may skip minors into the oldest supported one (upgradesFrom).
func (s *Simulator) checkCluster(c *clusterState, to version.Version) *armError {
	from := mustVersion(c.version)
	r := s.region(c)
	switch ups := s.clusterUpgrades(c); {
	case to.Less(from):
		return errUpgradeNotAllowed(from, to, ups)
	case to == from:
		return nil
	case !r.has(to):
		return errVersionNotSupported(c.name, to)
	case !slices.Contains(ups, to):
		return errUpgradeNotAllowed(from, to, ups)
	}
	for _, p := range c.pools {
		if why := osSupports(p.osSKU, to); why != "" {
			return errOSNotSupported(p, why)
		}
	}
	return nil
}

// errOSNotSupported refuses to move a pool to a Kubernetes version its
// OS SKU does not run on. Code and wording unverified.
func errOSNotSupported(p *poolState, why string) *armError {
	return &armError{status: http.StatusBadRequest, code: "OperationNotAllowed",
		message: fmt.Sprintf("Agent pool %s (osSKU %s) cannot be upgraded: %s.", p.name, p.osSKU, why)}
}

// errControlPlaneOnlyOutOfSupport refuses to upgrade the control plane
// alone from a minor that left support. Unverified: the probe
// reports the refusal; this code and wording are the simulator's own.
func errControlPlaneOnlyOutOfSupport(from version.Version, avail []version.Version) *armError {
	list := make([]string, 0, len(avail))
	for i := len(avail) - 1; i >= 0; i-- {
		list = append(list, avail[i].String())
	}
	return &armError{status: http.StatusBadRequest, code: "OperationNotAllowed",
		message: fmt.Sprintf("Upgrading only the control plane is not allowed: Kubernetes version %s is out of support. Upgrade the control plane and all agent pools together (set every agent pool's orchestratorVersion to the target) to one of [%s]. See https://aka.ms/aks-supported-k8s-ver.", from, strings.Join(list, " "))}
}

// checkPool returns why p cannot be upgraded to to, or nil.
func (s *Simulator) checkPool(p *poolState, to version.Version) *armError {
	from := mustVersion(p.version)
	cp := mustVersion(p.cluster.version)
	switch {
	case to.Less(from):
		return errUpgradeNotAllowed(from, to, s.poolUpgrades(p))
	case cp.Less(to):
		return errPoolNewer(to, cp)
	case !s.region(p.cluster).has(to) && to != cp:
		return errVersionNotSupported(p.cluster.name, to)
	case from.MinorsBehind(to) > 1:
		return errUpgradeNotAllowed(from, to, s.poolUpgrades(p))
	}
	if why := osSupports(p.osSKU, to); why != "" {
		return errOSNotSupported(p, why)
	}
	return nil
}

// poolUpgrades lists, ascending, the versions p can be upgraded to in one
// step: the region's upgrades from its version that are not newer than the
// control plane, and the control plane's version.
func (s *Simulator) poolUpgrades(p *poolState) []version.Version {
	from := mustVersion(p.version)
	cp := mustVersion(p.cluster.version)
	var out []version.Version
	for _, v := range s.region(p.cluster).upgradesFrom(from) {
		if !cp.Less(v) {
			out = append(out, v)
		}
	}
	if from.Less(cp) && from.MinorsBehind(cp) <= 1 && !slices.Contains(out, cp) {
		out = append(out, cp)
		slices.SortFunc(out, version.Version.Compare)
	}
	return out
}

// resolveVersion reads a requested version: a patch, or a minor ("1.31")
// that AKS resolves to the region's newest patch of it.
func (s *Simulator) resolveVersion(c *clusterState, text string) (version.Version, *armError) {
	if v, err := version.Parse(text); err == nil {
		return v, nil
	}
	m, err := version.ParseMinor(text)
	if err != nil {
		return version.Version{}, &armError{status: http.StatusBadRequest, code: "InvalidParameter",
			message: fmt.Sprintf("The value of parameter kubernetesVersion is invalid: %q is not a Kubernetes version such as 1.31.4 or 1.31.", text)}
	}
	v, ok := s.region(c).latestPatch(m)
	if !ok {
		return version.Version{}, errVersionNotSupported(c.name, m)
	}
	return v, nil
}

func errVersionNotSupported(cluster string, v version.Version) *armError {
	text := v.String()
	if v.Patch == 0 {
		text = v.MinorString()
	}
	return &armError{status: http.StatusBadRequest, code: "K8sVersionNotSupported",
		message: fmt.Sprintf("Managed cluster %s: version %s is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list", cluster, text)}
}

func errUpgradeNotAllowed(from, to version.Version, avail []version.Version) *armError {
	list := make([]string, 0, len(avail))
	for i := len(avail) - 1; i >= 0; i-- {
		list = append(list, avail[i].String())
	}
	return &armError{status: http.StatusBadRequest, code: "OperationNotAllowed",
		message: fmt.Sprintf("Upgrading Kubernetes version %s to %s is not allowed. Available upgrades: [%s]. For more information, please check https://aka.ms/aks-supported-k8s-ver for version details.", from, to, strings.Join(list, " "))}
}

func errPoolNewer(pool, cp version.Version) *armError {
	msg := fmt.Sprintf("Node pool version %s and control plane version %s are incompatible. Minor version of node pool version %d is bigger than control plane version %d. For more information, please check https://aka.ms/version-skew-policy.", pool, cp, pool.Minor, cp.Minor)
	if pool.SameMinor(cp) {
		msg = fmt.Sprintf("Node pool version %s and control plane version %s are incompatible. Node pool version cannot be greater than control plane version. For more information, please check https://aka.ms/version-skew-policy.", pool, cp)
	}
	return &armError{status: http.StatusBadRequest, code: "NodePoolMcVersionIncompatible", message: msg}
}

func errPoolTooOld(pool, cp version.Version) *armError {
	return &armError{status: http.StatusBadRequest, code: "NodePoolMcVersionIncompatible",
		message: fmt.Sprintf("Node pool version %s and control plane version %s are incompatible. Minor version of node pool cannot be more than 3 versions less than control plane's version. Minor version of node pool is %d and control plane is %d. For more information, please check https://aka.ms/aks/UpgradeVersionRules.", pool, cp, pool.Minor, cp.Minor)}
}

// errBusy answers a write on c (or on its pool target, when not nil) while
// op runs.
func errBusy(op *operation, target *poolState) *armError {
	var msg string
	switch {
	case op.pool == nil:
		msg = fmt.Sprintf("Operation is not allowed: Another operation (%s) is in progress, %s", op.name(), pendingOperationHelp)
	case target == op.pool:
		msg = fmt.Sprintf("Operation is not allowed: Another agentpool operation (%s) is in progress, %s", op.name(), pendingOperationHelp)
	default:
		msg = fmt.Sprintf("Managed cluster operation not allowed: Another operation (%s) is in progress on agent pool (%s), %s", op.name(), op.pool.name, pendingOperationHelp)
	}
	return &armError{status: http.StatusConflict, code: "OperationNotAllowed", message: msg}
}

// errConflict answers a write refused by a conflict fault: AKS is busy with
// an operation of its own.
func errConflict() *armError {
	return &armError{status: http.StatusConflict, code: "OperationNotAllowed",
		message: "Operation is not allowed: Another operation (Updating) is in progress, " + pendingOperationHelp}
}

func errStopped(c *clusterState, action string) *armError {
	return &armError{status: http.StatusConflict, code: "OperationNotAllowed",
		message: fmt.Sprintf("managed cluster is in Provisioning State(%s) and Power State(Stopped), %s cannot be performed", c.provisioning, action)}
}

// errDeprecatedAPI is AKS's refusal of a minor upgrade over recent use
// of api, which the target version removes.
func errDeprecatedAPI(api removedAPI, now time.Time) *armError {
	seen := now.Add(-time.Hour).UTC().Format("2006-01-02 15:04:05 -0700 MST")
	return &armError{status: http.StatusBadRequest, code: "ValidationError", subcode: "UpgradeBlockedOnDeprecatedAPIUsage",
		message: fmt.Sprintf("Control Plane upgrade is blocked due to recent usage of a Kubernetes API deprecated in the specified version. Please refer to https://kubernetes.io/docs/reference/using-api/deprecation-guide to migrate the usage. To bypass this error, set enable-force-upgrade in upgradeSettings.overrideSettings. Bypassing this error without migrating usage will result in the deprecated Kubernetes API calls failing. Usage details: 1 error occurred:\n\t* usage has been detected on API %s, and was recently seen at: %s, which will be removed in %s\n\n", api.name(), seen, api.release)}
}

// errDrain is the failure of a drain blocked by a PodDisruptionBudget on
// the pool's node n.
func errDrain(p *poolState, n int) *armError {
	node := nodeName(p, n)
	pod := "web-7854ff8877-gbr4m"
	return &armError{status: http.StatusBadRequest, code: "UpgradeFailed",
		message: fmt.Sprintf("Drain node %s failed when evicting pod %s failed with Too Many Requests error. This is often caused by a restrictive Pod Disruption Budget (PDB) policy. See https://aka.ms/aks/debugdrainfailures. Original error: Cannot evict pod as it would violate the pod's disruption budget.. PDB debug info: default/%s blocked by pdb web-pdb with 0 unready pods.", node, pod, pod)}
}

var coresPattern = regexp.MustCompile(`^Standard_[A-Za-z]+?(\d+)`)

// vmCores is a VM size's vCPUs: the size table's (compute.go), else a
// guess from its name (Standard_D4s_v5: 4).
func vmCores(size string) int {
	if z := lookupVMSize(size); z != nil {
		return int(z.cores)
	}
	if m := coresPattern.FindStringSubmatch(size); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return n
		}
	}
	return 4
}

// errQuota is the failure to create p's surge nodes: the subscription's
// cores in the region are all in use.
func errQuota(s *Simulator, p *poolState) *armError {
	inUse := 0
	for _, c := range p.cluster.sub.clusters {
		if c.location != p.cluster.location {
			continue
		}
		for _, q := range c.pools {
			inUse += q.count * vmCores(q.vmSize)
		}
	}
	return &armError{status: http.StatusBadRequest, code: "QuotaExceeded",
		message: fmt.Sprintf("Operation results in exceeding quota limits of Core. Maximum allowed: %d, Current in use: %d, Additional requested: %d. Surge nodes for agent pool %s could not be created in %s; submit a request for a quota increase.", inUse, inUse, p.surgeNodes()*vmCores(p.vmSize), p.name, p.cluster.location)}
}

func errPrecondition() *armError {
	return &armError{status: http.StatusPreconditionFailed, code: "PreconditionFailed",
		message: "Operation failed: the eTag in the If-Match header does not match the resource's current eTag. Get the resource again and retry."}
}

func errInvalidParameter(format string, args ...any) *armError {
	return &armError{status: http.StatusBadRequest, code: "InvalidParameter", message: fmt.Sprintf(format, args...)}
}

func errInvalidBody(err error) *armError {
	return &armError{status: http.StatusBadRequest, code: "InvalidRequestContent",
		message: "The request content was invalid and could not be deserialized: " + err.Error()}
}

func errAuth(msg string) *armError {
	return &armError{status: http.StatusUnauthorized, code: "AuthenticationFailed", message: msg}
}

func errMissingAPIVersion() *armError {
	return &armError{status: http.StatusBadRequest, code: "MissingApiVersionParameter",
		message: "The api-version query parameter (?api-version=) is required for all requests."}
}

func errUnsupportedAPIVersion(got, typ, want string) *armError {
	return &armError{status: http.StatusBadRequest, code: "NoRegisteredProviderFound",
		message: fmt.Sprintf("No registered resource provider found for API version '%s' and type '%s'. The supported api-versions are '%s'.", got, typ, want)}
}

func errSubscriptionNotFound(id string) *armError {
	return &armError{status: http.StatusNotFound, code: "SubscriptionNotFound",
		message: fmt.Sprintf("The subscription '%s' could not be found.", id)}
}

func errResourceGroupNotFound(rg string) *armError {
	return &armError{status: http.StatusNotFound, code: "ResourceGroupNotFound",
		message: fmt.Sprintf("Resource group '%s' could not be found.", rg)}
}

func errResourceNotFound(typ, name, rg string) *armError {
	return &armError{status: http.StatusNotFound, code: "ResourceNotFound",
		message: fmt.Sprintf("The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", typ, name, rg)}
}

func errNotFound(code, msg string) *armError {
	return &armError{status: http.StatusNotFound, code: code, message: msg}
}

func errThrottled(code string, retry time.Duration, msg string) *armError {
	return &armError{status: http.StatusTooManyRequests, code: code, message: msg, retryAfter: retry}
}
