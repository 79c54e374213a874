package simulator

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aksupgrade/aksupgrade"
)

// API names what a Request was addressed to.
type API string

// The APIs the simulator serves.
const (
	// APIARM is Azure Resource Manager.
	APIARM API = "arm"
	// APIKubernetes is a cluster's own Kubernetes API (ClusterEndpoints.API).
	APIKubernetes API = "kubernetes"
	// APIProbe is a cluster's application probe URL (ClusterEndpoints.Probe).
	APIProbe API = "probe"
	// APIPrometheus is the simulated Prometheus (PrometheusPath).
	APIPrometheus API = "prometheus"
)

// Path prefixes of the APIs besides ARM, on the simulator's own listener.
const (
	kubePrefix  = "/kubernetes/"
	probePrefix = "/probe/"
	// PrometheusPath is the simulated Prometheus's address on the
	// simulator's listener: its instant queries are at
	// PrometheusPath/api/v1/query.
	PrometheusPath = "/prometheus"
)

// ClusterEndpoints are a cluster's URLs on the simulator's listener,
// relative to its base URL ("http://127.0.0.1:8090").
type ClusterEndpoints struct {
	// ID is the cluster's resource ID.
	ID string `json:"id"`
	// API is the cluster's Kubernetes API server, the server of its
	// kubeconfigs: /kubernetes/{subscription}/{resourceGroup}/{cluster}.
	API string `json:"api"`
	// Probe is the cluster's application probe URL:
	// /probe/{subscription}/{resourceGroup}/{cluster}.
	Probe string `json:"probe"`
}

func clusterPathOf(c *clusterState) string { return c.sub.id + "/" + c.rg + "/" + c.name }

// Endpoints returns the URLs of a cluster, named by name (unique in the
// scenario) or resource ID.
func (s *Simulator) Endpoints(cluster string) (ClusterEndpoints, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findCluster(cluster)
	if c == nil {
		return ClusterEndpoints{}, fmt.Errorf("simulator: no cluster %s", cluster)
	}
	return ClusterEndpoints{ID: c.id(), API: kubePrefix + clusterPathOf(c), Probe: probePrefix + clusterPathOf(c)}, nil
}

// Kubeconfig returns the kubeconfig listClusterUserCredential (admin:
// listClusterAdminCredential) would answer for a cluster, its server on
// base, the simulator's base URL ("https://127.0.0.1:8443": with the
// simulator's certificate as authority, once TLSConfig has made it). A
// cluster with local accounts disabled has no admin kubeconfig.
func (s *Simulator) Kubeconfig(base, cluster string, admin bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findCluster(cluster)
	if c == nil {
		return nil, fmt.Errorf("simulator: no cluster %s", cluster)
	}
	kind := credUser
	if admin {
		kind = credAdmin
	}
	if e := localAccountsRefusal(c, kind); e != nil {
		return nil, errors.New("simulator: " + e.message)
	}
	var ca []byte
	if strings.HasPrefix(base, "https://") {
		ca = s.CertificatePEM()
	}
	return kubeconfig(strings.TrimSuffix(base, "/"), ca, c, kind, "")
}

// RequestLog returns every request answered so far, to every API, in
// order.
func (s *Simulator) RequestLog() []Request { return s.requestsTo("", "") }

// KubernetesRequests returns the requests to a cluster's Kubernetes API
// (named by name or resource ID; "" for every cluster's), in order.
func (s *Simulator) KubernetesRequests(cluster string) []Request {
	return s.requestsTo(APIKubernetes, cluster)
}

// requestsTo returns the requests to api ("": any) about cluster ("":
// any).
func (s *Simulator) requestsTo(api API, cluster string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Request{}
	for _, r := range s.requests {
		if api != "" && r.API != api {
			continue
		}
		if cluster != "" && !aksupgrade.SameID(r.Cluster, cluster) && !strings.EqualFold(aksupgrade.ClusterName(r.Cluster), cluster) {
			continue
		}
		out = append(out, r)
	}
	return out
}
