package simulator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/aksupgrade/aksupgrade/internal/clock"
)

// newTLSEnv is newEnv served over TLS with the simulator's own
// certificate: kubeconfigs carry it, and the cluster APIs require their
// credentials.
func newTLSEnv(t *testing.T, file string, changes ...func(*Scenario)) *env {
	t.Helper()
	sc, err := LoadScenario("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		ch(sc)
	}
	clk := clock.NewManual(sc.Start)
	sim, err := New(Options{Clock: clk, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sim.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(sim.Handler())
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &env{t: t, sim: sim, clock: clk, srv: srv}
}

// kubeconfig is the cluster's kubeconfig from
// ListClusterUserCredentials (admin: ListClusterAdminCredentials) through
// the real SDK.
func (e *env) kubeconfig(rg, name string, admin bool) []byte {
	e.t.Helper()
	ctx := context.Background()
	var kubeconfigs []string
	var raw [][]byte
	if admin {
		resp, err := e.clusters().ListClusterAdminCredentials(ctx, rg, name, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, k := range resp.Kubeconfigs {
			kubeconfigs, raw = append(kubeconfigs, deref(k.Name)), append(raw, k.Value)
		}
	} else {
		resp, err := e.clusters().ListClusterUserCredentials(ctx, rg, name, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, k := range resp.Kubeconfigs {
			kubeconfigs, raw = append(kubeconfigs, deref(k.Name)), append(raw, k.Value)
		}
	}
	if len(raw) != 1 {
		e.t.Fatalf("kubeconfigs %v, want one", kubeconfigs)
	}
	return raw[0]
}

// restConfig reads a kubeconfig as kubectl does. An Entra ID user (an
// exec plugin) gets entraToken instead, as a service with its own Azure
// identity would send.
func restConfig(t *testing.T, raw []byte, entraToken string) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.RESTConfigFromKubeConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ExecProvider != nil {
		cfg.ExecProvider, cfg.BearerToken = nil, entraToken
	}
	return cfg
}

// kube is a client-go clientset of a cluster, with its user kubeconfig.
func (e *env) kube(rg, name string) *kubernetes.Clientset {
	e.t.Helper()
	cs, err := kubernetes.NewForConfig(restConfig(e.t, e.kubeconfig(rg, name, false), "an-entra-id-token"))
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

func listNodes(t *testing.T, cs kubernetes.Interface) []corev1.Node {
	t.Helper()
	l, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

func listPods(t *testing.T, cs kubernetes.Interface, ns string, opts metav1.ListOptions) []corev1.Pod {
	t.Helper()
	l, err := cs.CoreV1().Pods(ns).List(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

// nodeLine sums a node up: name, kubelet, Ready, cordoned.
func nodeLine(n corev1.Node) string {
	ready := "?"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			ready = string(c.Status)
		}
	}
	s := n.Name + " " + n.Status.NodeInfo.KubeletVersion + " Ready=" + ready
	if n.Spec.Unschedulable {
		s += " cordoned"
	}
	return s
}

func nodeLines(nodes []corev1.Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, nodeLine(n))
	}
	return out
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// getJSONWith is getJSON with a client of one's own (one that trusts a
// TLS server).
func getJSONWith(t *testing.T, client *http.Client, url string, v any) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
