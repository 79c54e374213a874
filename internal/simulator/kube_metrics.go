package simulator

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// The cluster API's /metrics, in the Prometheus text format, with the
// API server's own metric names and help texts
// (kubernetes.io/docs/reference/instrumentation/metrics):
//
//   - apiserver_requested_deprecated_apis{group,version,resource,subresource,removed_release}
//     1 for each API a deprecatedAPI fault in effect reports in use;
//   - apiserver_request_total{verb,group,version,resource,subresource,scope,component,code}
//     counting this API's requests so far (the one being answered not yet);
//   - kubernetes_build_info with the control plane's version.

func (s *Simulator) serveKubeMetrics(kc *kubeCall) {
	c := kc.c
	var fams []*dto.MetricFamily

	deprecated := family("apiserver_requested_deprecated_apis", dto.MetricType_GAUGE,
		"[STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.")
	seen := map[removedAPI]bool{}
	from := mustVersion(c.version)
	for _, f := range s.faults {
		if f.Kind != FaultDeprecatedAPI || !f.inEffect(kc.now) || !f.hitsCluster(c) {
			continue
		}
		api := f.deprecatedInUse(from)
		if seen[api] {
			continue
		}
		seen[api] = true
		deprecated.Metric = append(deprecated.Metric, gauge(1, "group", api.group, "removed_release", api.release,
			"resource", api.resource, "subresource", "", "version", api.version))
	}
	if len(deprecated.Metric) > 0 {
		fams = append(fams, deprecated)
	}

	requests := family("apiserver_request_total", dto.MetricType_COUNTER,
		"[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.")
	keys := make([]kubeRequestKey, 0, len(c.kube.requests))
	for k := range c.kube.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b kubeRequestKey) int {
		return cmp.Or(cmp.Compare(a.resource, b.resource), cmp.Compare(a.verb, b.verb), cmp.Compare(a.scope, b.scope), cmp.Compare(a.code, b.code))
	})
	for _, k := range keys {
		v := float64(c.kube.requests[k])
		requests.Metric = append(requests.Metric, &dto.Metric{Label: labelPairs("code", strconv.Itoa(k.code), "component", "apiserver",
			"dry_run", "", "group", k.group, "resource", k.resource, "scope", k.scope, "subresource", "", "verb", k.verb, "version", k.version),
			Counter: &dto.Counter{Value: &v}})
	}
	if len(requests.Metric) > 0 {
		fams = append(fams, requests)
	}

	pv := mustVersion(c.version)
	build := family("kubernetes_build_info", dto.MetricType_GAUGE,
		"[ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.")
	info := kubeVersion(c.version)
	build.Metric = append(build.Metric, gauge(1, "build_date", info.BuildDate, "compiler", info.Compiler, "git_commit", info.GitCommit,
		"git_tree_state", info.GitTreeState, "git_version", info.GitVersion, "go_version", info.GoVersion,
		"major", fmt.Sprint(pv.Major), "minor", fmt.Sprint(pv.Minor), "platform", info.Platform))
	fams = append(fams, build)

	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	kc.w.Header().Set("Content-Type", string(format))
	kc.w.WriteHeader(http.StatusOK)
	enc := expfmt.NewEncoder(kc.w, format)
	for _, f := range fams {
		if err := enc.Encode(f); err != nil {
			// The status is sent; the client has gone or the family is
			// malformed, and either way there is no one left to tell.
			s.log.Debug("writing /metrics", "err", err)
			return
		}
	}
}

func family(name string, typ dto.MetricType, help string) *dto.MetricFamily {
	return &dto.MetricFamily{Name: &name, Help: &help, Type: &typ}
}

func gauge(v float64, labels ...string) *dto.Metric {
	return &dto.Metric{Label: labelPairs(labels...), Gauge: &dto.Gauge{Value: &v}}
}

// labelPairs pairs up names and values, in the order given.
func labelPairs(kv ...string) []*dto.LabelPair {
	out := make([]*dto.LabelPair, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, &dto.LabelPair{Name: &kv[i], Value: &kv[i+1]})
	}
	return out
}
