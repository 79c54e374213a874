package simulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func TestClientGoReadsLocalAccountCluster(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs := e.kube("rg-a", "aks-local")
	ctx := context.Background()

	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != "v1.31.4" || v.Major != "1" || v.Minor != "31" {
		t.Errorf("version = %+v, want v1.31.4", v)
	}

	nodes := listNodes(t, cs)
	wantNodes := []string{
		"aks-apps-" + nodeHash(t, e, "aks-local") + "-vmss000000 v1.30.9 Ready=True",
		"aks-apps-" + nodeHash(t, e, "aks-local") + "-vmss000001 v1.30.9 Ready=True",
		"aks-apps-" + nodeHash(t, e, "aks-local") + "-vmss000002 v1.30.9 Ready=True",
		"aks-apps-" + nodeHash(t, e, "aks-local") + "-vmss000003 v1.30.9 Ready=True",
		"aks-system-" + nodeHash(t, e, "aks-local") + "-vmss000000 v1.30.9 Ready=True",
		"aks-system-" + nodeHash(t, e, "aks-local") + "-vmss000001 v1.30.9 Ready=True",
	}
	if diff := cmp.Diff(wantNodes, nodeLines(nodes)); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	n := nodes[0]
	for k, want := range map[string]string{
		"agentpool": "apps", "kubernetes.azure.com/agentpool": "apps", "kubernetes.io/os": "linux",
		"kubernetes.azure.com/node-image-version": "AKSUbuntu-2204gen2containerd-202502.03.0",
		"node.kubernetes.io/instance-type":        "Standard_D4s_v5",
	} {
		if n.Labels[k] != want {
			t.Errorf("node label %s = %q, want %q", k, n.Labels[k], want)
		}
	}
	if n.Status.Allocatable.Cpu().Value() != 4 {
		t.Errorf("allocatable cpu %s, want 4", n.Status.Allocatable.Cpu())
	}
	got, err := cs.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
	if err != nil || got.Name != n.Name {
		t.Errorf("get node: %v", err)
	}

	pods := listPods(t, cs, "", metav1.ListOptions{})
	count := map[string]int{}
	for _, p := range pods {
		if !podReady(p) || p.Status.Phase != corev1.PodRunning || p.Spec.NodeName == "" || p.Status.ContainerStatuses[0].RestartCount != 0 {
			t.Errorf("pod %s/%s: phase %s ready %v node %q", p.Namespace, p.Name, p.Status.Phase, podReady(p), p.Spec.NodeName)
		}
		name := p.OwnerReferences[0].Name
		if p.OwnerReferences[0].Kind == "ReplicaSet" {
			name = name[:strings.LastIndexByte(name, '-')]
		}
		count[p.Namespace+"/"+name]++
	}
	wantCount := map[string]int{"kube-system/coredns": 2, "kube-system/metrics-server": 1, "kube-system/konnectivity-agent": 1,
		"kube-system/kube-proxy": 6, "shop/web": 3, "shop/api": 2}
	if diff := cmp.Diff(wantCount, count); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	// AKS's own pods run on the System pool, the workloads on the User pool.
	for _, p := range pods {
		onSystem := strings.HasPrefix(p.Spec.NodeName, "aks-system-")
		if p.Namespace == "kube-system" && p.OwnerReferences[0].Kind == "ReplicaSet" && !onSystem || p.Namespace == "shop" && onSystem {
			t.Errorf("pod %s/%s on %s", p.Namespace, p.Name, p.Spec.NodeName)
		}
	}

	// Per namespace, by label, by node.
	if got := listPods(t, cs, "shop", metav1.ListOptions{}); len(got) != 5 {
		t.Errorf("%d pods in shop, want 5", len(got))
	}
	if got := listPods(t, cs, "", metav1.ListOptions{LabelSelector: "app=web"}); len(got) != 3 {
		t.Errorf("%d pods app=web, want 3", len(got))
	}
	if got := listPods(t, cs, "kube-system", metav1.ListOptions{LabelSelector: "k8s-app in (kube-dns, metrics-server)"}); len(got) != 3 {
		t.Errorf("%d pods of coredns and metrics-server, want 3", len(got))
	}
	onNode := listPods(t, cs, "", metav1.ListOptions{FieldSelector: "spec.nodeName=" + nodes[0].Name})
	if len(onNode) == 0 {
		t.Fatal("no pod on the first node (kube-proxy at least)")
	}
	for _, p := range onNode {
		if p.Spec.NodeName != nodes[0].Name {
			t.Errorf("fieldSelector spec.nodeName: pod %s is on %s", p.Name, p.Spec.NodeName)
		}
	}
	pod, err := cs.CoreV1().Pods("shop").Get(ctx, onNode[0].Name, metav1.GetOptions{})
	if onNode[0].Namespace == "shop" && (err != nil || pod.Name != onNode[0].Name) {
		t.Errorf("get pod: %v", err)
	}
	if _, err := cs.CoreV1().Pods("shop").Get(ctx, "nope", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get a missing pod: %v, want NotFound", err)
	}
	if _, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.hostname=x"}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "field label not supported: spec.hostname") {
		t.Errorf("an unsupported field selector: %v, want BadRequest", err)
	}
	if _, err := cs.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{}); !apierrors.IsMethodNotSupported(err) {
		t.Errorf("watch: %v, want MethodNotSupported", err)
	}

	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ns := range nss.Items {
		names = append(names, ns.Name)
	}
	if want := []string{"default", "kube-node-lease", "kube-public", "kube-system", "shop"}; !slices.Equal(names, want) {
		t.Errorf("namespaces %v, want %v", names, want)
	}

	pdbs, err := cs.PolicyV1().PodDisruptionBudgets("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, b := range pdbs.Items {
		lines = append(lines, pdbLine(b.Namespace, b.Name, b.Status.DisruptionsAllowed, b.Status.CurrentHealthy, b.Status.DesiredHealthy, b.Status.ExpectedPods))
	}
	if diff := cmp.Diff([]string{"shop/web-pdb allowed=1 healthy=3 desired=2 expected=3", "shop/api-pdb allowed=1 healthy=2 desired=1 expected=2"}, lines); diff != "" {
		t.Errorf("PDBs (-want +got):\n%s", diff)
	}
	if b, err := cs.PolicyV1().PodDisruptionBudgets("shop").Get(ctx, "web-pdb", metav1.GetOptions{}); err != nil || b.Spec.MinAvailable.IntValue() != 2 || b.Spec.Selector.MatchLabels["app"] != "web" {
		t.Errorf("get web-pdb: %v %+v", err, b)
	}
}

func pdbLine(ns, name string, allowed, healthy, desired, expected int32) string {
	return fmt.Sprintf("%s/%s allowed=%d healthy=%d desired=%d expected=%d", ns, name, allowed, healthy, desired, expected)
}

// nodeHash is the 8 digits AKS puts in a cluster's node names.
func nodeHash(t *testing.T, e *env, cluster string) string {
	t.Helper()
	e.sim.mu.Lock()
	defer e.sim.mu.Unlock()
	c := e.sim.findCluster(cluster)
	name := nodeName(c.pools[0], 0)
	return strings.Split(name, "-")[2]
}

func TestClusterAPIAuthentication(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	ctx := context.Background()

	// A local-account cluster takes its own token only.
	cfg := restConfig(t, e.kubeconfig("rg-a", "aks-local", false), "")
	cfg.BearerToken = "not-the-token"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	var se *apierrors.StatusError
	if !apierrors.IsUnauthorized(err) || !errors.As(err, &se) || se.ErrStatus.Message != "Unauthorized" || se.ErrStatus.Reason != metav1.StatusReasonUnauthorized {
		t.Errorf("wrong token: %v, want a 401 Status", err)
	}
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/kubernetes/"+subOne+"/rg-a/aks-local/api/v1/nodes", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := e.srv.Client().Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("no token: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// An Entra ID cluster takes any bearer token, but not the static one
	// of its disabled local accounts.
	entra := e.kube("rg-a", "aks-entra")
	if nodes := listNodes(t, entra); len(nodes) != 2 {
		t.Errorf("%d nodes on aks-entra, want 2", len(nodes))
	}
	e.sim.mu.Lock()
	static := e.sim.findCluster("aks-entra").kube.token
	e.sim.mu.Unlock()
	cfg = restConfig(t, e.kubeconfig("rg-a", "aks-entra", false), static)
	cs, err = kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
		t.Errorf("the static token of disabled local accounts: %v, want Unauthorized", err)
	}
}

func TestStoppedClusterAPIIsDown(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs, err := kubernetes.NewForConfig(restConfig(t, e.kubeconfig("rg-b", "aks-off", false), ""))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if !apierrors.IsServiceUnavailable(err) || !strings.Contains(err.Error(), "aks-off is stopped") {
		t.Errorf("a stopped cluster's API: %v, want ServiceUnavailable", err)
	}
}

func TestUnknownClusterAPIPaths(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	raw := e.kubeconfig("rg-a", "aks-local", false)
	cfg := restConfig(t, raw, "")
	for path, want := range map[string]int{
		"/apis/apps/v1/deployments":            404,
		"/api/v1/nodes/x/status":               404,
		"/api/v1/namespaces/shop/nodes":        404,
		"/api/v1/pods/x":                       404,
		"/healthz":                             200,
		"/api/v1/namespaces/shop":              200,
		"/api/v1/namespaces/shop/pods?watch=1": 405,
	} {
		req, err := http.NewRequest(http.MethodGet, cfg.Host+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+cfg.BearerToken)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	req, err := http.NewRequest(http.MethodDelete, cfg.Host+"/api/v1/nodes/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+cfg.BearerToken)
	if resp, err := e.srv.Client().Do(req); err != nil || resp.StatusCode != 405 {
		t.Errorf("DELETE: %v %v, want 405", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestKubernetesRequestsAreLoggedApart(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs := e.kube("rg-a", "aks-local") // one ARM request
	listNodes(t, cs)
	listPods(t, cs, "", metav1.ListOptions{})
	e.clock.Advance(time.Minute)
	listNodes(t, e.kube("rg-a", "aks-entra"))

	if got := len(e.sim.Requests()); got != 2 {
		t.Errorf("%d ARM requests, want 2 (the credentials)", got)
	}
	local := e.sim.KubernetesRequests("aks-local")
	if len(local) != 2 || local[0].Path != "/kubernetes/"+subOne+"/rg-a/aks-local/api/v1/nodes" || local[0].API != APIKubernetes ||
		local[0].Cluster != e.sim.Fleet().Clusters[0].ID || local[0].Status != 200 {
		t.Errorf("aks-local's requests: %+v", local)
	}
	if got := len(e.sim.KubernetesRequests(kubeClusterLocal)); got != 2 {
		t.Errorf("by resource ID: %d, want 2", got)
	}
	if got := len(e.sim.KubernetesRequests("")); got != 3 {
		t.Errorf("every cluster's: %d, want 3", got)
	}
	if got := len(e.sim.RequestLog()); got != 5 {
		t.Errorf("log: %d, want 5", got)
	}
	var overHTTP []Request
	getJSONWith(t, e.srv.Client(), e.srv.URL+"/simulator/v1/requests?api=kubernetes&cluster=aks-entra", &overHTTP)
	if len(overHTTP) != 1 || !overHTTP[0].Time.Equal(e.sim.Start().Add(time.Minute)) {
		t.Errorf("/simulator/v1/requests?api=kubernetes: %+v", overHTTP)
	}
	var ep ClusterEndpoints
	getJSONWith(t, e.srv.Client(), e.srv.URL+"/simulator/v1/clusters/aks-local/endpoints", &ep)
	if ep.Probe != "/probe/"+subOne+"/rg-a/aks-local" {
		t.Errorf("endpoints %+v", ep)
	}
}

func TestPlainHTTPClusterAPI(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml")
	raw := e.kubeconfig("rg-a", "aks-local", false)
	kc, err := clientcmd.Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c := kc.Clusters["aks-local"]; !strings.HasPrefix(c.Server, "http://") || len(c.CertificateAuthorityData) != 0 {
		t.Errorf("cluster %+v, want an http server and no certificate authority", c)
	}
	// clientcmd sends no credentials to an http server: the request
	// without any stands for the kubeconfig's user.
	cfg, err := clientcmd.RESTConfigFromKubeConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BearerToken != "" {
		t.Fatalf("clientcmd kept the token for an http server; the simulator's concession is moot")
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if nodes := listNodes(t, cs); len(nodes) != 6 {
		t.Errorf("%d nodes, want 6", len(nodes))
	}
	cfg.BearerToken = "wrong"
	cs, err = kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{}); !apierrors.IsUnauthorized(err) {
		t.Errorf("a wrong token over http: %v, want Unauthorized", err)
	}
}
