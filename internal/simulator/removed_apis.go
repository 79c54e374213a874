package simulator

import "github.com/aksupgrade/aksupgrade/internal/version"

// removedAPI is a Kubernetes API and the release that removes it.
type removedAPI struct {
	group, version, resource string
	release                  string // "1.32"
}

// name is how AKS names an API in UpgradeBlockedOnDeprecatedAPIUsage:
// group.resource.version, as in its example
// "flowcontrol.apiserver.k8s.io.prioritylevelconfigurations.v1beta1"
// (learn.microsoft.com/azure/aks/stop-cluster-upgrade-api-breaking-changes).
// A core-group API is resource.version (unverified: no example shows one).
func (a removedAPI) name() string {
	if a.group == "" {
		return a.resource + "." + a.version
	}
	return a.group + "." + a.resource + "." + a.version
}

// removedIn returns an API that minor removes, from the Kubernetes
// deprecation guide (kubernetes.io/docs/reference/using-api/deprecation-guide).
// A minor that removed no API gets a stand-in, flowschemas v1beta3 (really
// removed in 1.32), so that a deprecatedAPI fault that names no API still
// has one to report.
func removedIn(minor version.Version) removedAPI {
	release := minor.MinorString()
	switch release {
	case "1.25":
		return removedAPI{"policy", "v1beta1", "poddisruptionbudgets", release}
	case "1.26":
		return removedAPI{"flowcontrol.apiserver.k8s.io", "v1beta1", "prioritylevelconfigurations", release}
	case "1.27":
		return removedAPI{"storage.k8s.io", "v1beta1", "csistoragecapacities", release}
	case "1.29":
		return removedAPI{"flowcontrol.apiserver.k8s.io", "v1beta2", "flowschemas", release}
	}
	return removedAPI{"flowcontrol.apiserver.k8s.io", "v1beta3", "flowschemas", release}
}
