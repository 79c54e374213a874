package simulator

import (
	"crypto/sha1"
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
)

// Discovery is the legacy (unaggregated) kind. kubectl and client-go ask
// /api and /apis for aggregated discovery first, and read a plain
// application/json answer as legacy discovery
// (k8s.io/client-go/discovery, downloadLegacy: "Default is unaggregated
// discovery v1"), then ask each group version for its resources.

// kubeVersion is /version for a control plane at v ("1.31.4"). The build
// fields are placeholders (unverified for AKS's own builds).
func kubeVersion(v string) version.Info {
	pv := mustVersion(v)
	return version.Info{
		Major: fmt.Sprint(pv.Major), Minor: fmt.Sprint(pv.Minor), GitVersion: "v" + v,
		GitCommit: fmt.Sprintf("%x", sha1.Sum([]byte(v))), GitTreeState: "clean", BuildDate: "2025-01-01T00:00:00Z",
		GoVersion: "go1.23.4", Compiler: "gc", Platform: "linux/amd64",
	}
}

// serveDiscovery answers the discovery paths; false for any other.
func (s *Simulator) serveDiscovery(kc *kubeCall) bool {
	host := kc.r.Host
	switch kc.path {
	case "/api":
		writeJSON(kc.w, http.StatusOK, &metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: host}}})
	case "/apis":
		writeJSON(kc.w, http.StatusOK, &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
			Groups: []metav1.APIGroup{policyGroup()}})
	case "/apis/policy":
		g := policyGroup()
		g.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
		writeJSON(kc.w, http.StatusOK, &g)
	case "/api/v1", "/apis/policy/v1":
		gv := "v1"
		if kc.path != "/api/v1" {
			gv = "policy/v1"
		}
		list := &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv, APIResources: []metav1.APIResource{}}
		for _, r := range kubeResources() {
			if r.gv.String() != gv {
				continue
			}
			// Only the verbs served: kubectl needs list and get.
			list.APIResources = append(list.APIResources, metav1.APIResource{Name: r.name, SingularName: r.singular, Namespaced: r.namespaced,
				Kind: r.kind, Verbs: metav1.Verbs{"get", "list"}, ShortNames: r.shortNames})
		}
		writeJSON(kc.w, http.StatusOK, list)
	default:
		return false
	}
	return true
}

func policyGroup() metav1.APIGroup {
	v := metav1.GroupVersionForDiscovery{GroupVersion: "policy/v1", Version: "v1"}
	return metav1.APIGroup{Name: "policy", Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v}
}
