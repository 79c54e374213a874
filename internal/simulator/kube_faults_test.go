package simulator

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func getPDB(t *testing.T, cs kubernetes.Interface, ns, name string) string {
	t.Helper()
	b, err := cs.PolicyV1().PodDisruptionBudgets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := pdbLine(ns, name, b.Status.DisruptionsAllowed, b.Status.CurrentHealthy, b.Status.DesiredHealthy, b.Status.ExpectedPods)
	if b.Spec.MinAvailable != nil {
		s += " minAvailable=" + b.Spec.MinAvailable.String()
	}
	return s
}

// firstBatchWith is the batch (maxSurge nodes, in instance order) of the
// first apps node that runs a pod labelled app=app.
func firstBatchWith(t *testing.T, cs kubernetes.Interface, app string, surge int) int {
	t.Helper()
	on := map[string]bool{}
	for _, p := range listPods(t, cs, "", metav1.ListOptions{LabelSelector: "app=" + app}) {
		on[p.Spec.NodeName] = true
	}
	i := 0
	for _, n := range listNodes(t, cs) {
		if n.Labels["agentpool"] != "apps" {
			continue
		}
		if on[n.Name] {
			return i / surge
		}
		i++
	}
	t.Fatalf("no apps node runs app=%s", app)
	return 0
}

func TestPDBBlocksDrainFault(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs := e.kube("rg-a", "aks-local")
	e.sim.AddFault(Fault{Kind: FaultPDBBlocksDrain, Cluster: "aks-local", Namespace: "shop", Name: "api", Count: 1})

	// A preflight sees it first.
	if got, want := getPDB(t, cs, "shop", "api-pdb"), "shop/api-pdb allowed=0 healthy=2 desired=2 expected=2 minAvailable=2"; got != want {
		t.Errorf("before the upgrade: %s, want %s", got, want)
	}
	batch := firstBatchWith(t, cs, "api", 2)
	p, err := e.upgradePool("rg-a", "aks-local", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	// The batches before the blocked one go through (8m each); its drain
	// times out after the pool's 20 minutes.
	stall := time.Duration(batch)*8*time.Minute + 20*time.Minute
	e.clock.Advance(stall - time.Second)
	if p.poll(t) {
		t.Fatal("done before the drain timed out")
	}
	// The blocked pod stays on its cordoned node.
	stuck := 0
	for _, pod := range listPods(t, cs, "shop", metav1.ListOptions{LabelSelector: "app=api"}) {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), pod.Spec.NodeName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n.Spec.Unschedulable && podReady(pod) {
			stuck++
		}
	}
	if stuck == 0 {
		t.Error("no api pod left on a cordoned node during the stall")
	}
	e.clock.Advance(time.Second)
	if !p.poll(t) {
		t.Fatal("not done when the drain timed out")
	}
	_, err = p.result()
	re := responseError(t, err)
	if re.ErrorCode != "UpgradeFailed" || !strings.Contains(err.Error(), "blocked by pdb api-pdb") || !strings.Contains(err.Error(), "shop/api-") {
		t.Fatalf("result: %v", err)
	}
	if got := deref(e.getPool("rg-a", "aks-local", "apps").Properties.ProvisioningState); got != "Failed" {
		t.Errorf("pool %s, want Failed", got)
	}
	for _, n := range listNodes(t, cs) {
		if n.Spec.Unschedulable {
			t.Errorf("%s still cordoned after the failure", n.Name)
		}
	}

	// The fault was spent: the budget is the scenario's again, and a retry
	// goes through.
	if got, want := getPDB(t, cs, "shop", "api-pdb"), "shop/api-pdb allowed=1 healthy=2 desired=1 expected=2"; got != want {
		t.Errorf("after the fault: %s, want %s", got, want)
	}
	p, err = e.upgradePool("rg-a", "aks-local", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(16 * time.Minute)
	if !p.poll(t) {
		t.Fatal("the retry is not done after 16 minutes")
	}
	if _, err := p.result(); err != nil {
		t.Errorf("retry: %v", err)
	}
}

func TestScenarioPDBThatAllowsNoDisruption(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs := e.kube("rg-b", "aks-strict")
	if got, want := getPDB(t, cs, "payments", "ledger-pdb"), "payments/ledger-pdb allowed=0 healthy=2 desired=2 expected=2 minAvailable=2"; got != want {
		t.Errorf("%s, want %s", got, want)
	}
	batch := firstBatchWith(t, cs, "ledger", 1)
	p, err := e.upgradePool("rg-b", "aks-strict", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	// Inside the stall, the blocked node is cordoned and keeps its ledger
	// pod.
	e.clock.Advance(time.Duration(batch)*8*time.Minute + time.Minute)
	blocked := ""
	for _, n := range listNodes(t, cs) {
		if n.Spec.Unschedulable {
			blocked = n.Name
		}
	}
	if blocked == "" {
		t.Fatal("no node cordoned during the stall")
	}
	kept := listPods(t, cs, "payments", metav1.ListOptions{FieldSelector: "spec.nodeName=" + blocked})
	if len(kept) == 0 {
		t.Errorf("the ledger pod left %s, whose drain its budget blocks", blocked)
	}
	e.clock.Advance(15 * time.Minute)
	p.poll(t)
	if _, err := p.result(); err == nil || responseError(t, err).ErrorCode != "UpgradeFailed" || !strings.Contains(err.Error(), "blocked by pdb ledger-pdb") {
		t.Errorf("result: %v", err)
	}
}

func TestDeprecatedAPIFaultShowsAndBlocks(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs := e.kube("rg-a", "aks-local")
	metrics := func() map[string]*model.Sample {
		t.Helper()
		body, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
		if err != nil {
			t.Fatalf("not Prometheus text: %v\n%s", err, body)
		}
		out := map[string]*model.Sample{}
		vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: 0}, mapValues(fams)...)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range vec {
			out[s.Metric.String()] = s
		}
		return out
	}
	for k := range metrics() {
		if strings.HasPrefix(k, "apiserver_requested_deprecated_apis") {
			t.Errorf("before the fault: %s", k)
		}
	}
	id := e.sim.AddFault(Fault{Kind: FaultDeprecatedAPI, Cluster: "aks-local", Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta3", Resource: "flowschemas", RemovedRelease: "1.32"})
	m := metrics()
	want := `apiserver_requested_deprecated_apis{group="flowcontrol.apiserver.k8s.io", removed_release="1.32", resource="flowschemas", subresource="", version="v1beta3"}`
	if s := m[want]; s == nil || s.Value != 1 {
		t.Errorf("metrics %v, want %s 1", keys(m), want)
	}
	listNodes(t, cs)
	m = metrics()
	nodeLists := 0
	for k, s := range m {
		if strings.HasPrefix(k, "apiserver_request_total{") && strings.Contains(k, `resource="nodes"`) && strings.Contains(k, `verb="LIST"`) && strings.Contains(k, `code="200"`) {
			nodeLists = int(s.Value)
		}
	}
	if nodeLists != 1 || !hasMetric(m, `kubernetes_build_info{`) {
		t.Errorf("metrics %v, want apiserver_request_total (one LIST of nodes) and kubernetes_build_info too", keys(m))
	}

	_, err := e.upgradeControlPlane("rg-a", "aks-local", "1.32.0")
	re := responseError(t, err)
	if re.StatusCode != 400 || re.ErrorCode != "ValidationError" || !strings.Contains(err.Error(), "UpgradeBlockedOnDeprecatedAPIUsage") ||
		!strings.Contains(err.Error(), "usage has been detected on API flowcontrol.apiserver.k8s.io.flowschemas.v1beta3") ||
		!strings.Contains(err.Error(), "which will be removed in 1.32") {
		t.Errorf("minor upgrade: %v", err)
	}

	// Fixing the cause: the usage stops, the upgrade goes.
	e.sim.ClearFault(id)
	if hasMetric(metrics(), "apiserver_requested_deprecated_apis") {
		t.Error("the deprecated API still shows after the fault is cleared")
	}
	if _, err := e.upgradeControlPlane("rg-a", "aks-local", "1.32.0"); err != nil {
		t.Errorf("after clearing: %v", err)
	}
}

func TestDeprecatedAPIRemovedLaterDoesNotBlock(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml")
	e.sim.AddFault(Fault{Kind: FaultDeprecatedAPI, Cluster: "aks-local", Version: "v1beta1", Resource: "widgets", Group: "example.com", RemovedRelease: "1.33"})
	if _, err := e.upgradeControlPlane("rg-a", "aks-local", "1.32.0"); err != nil {
		t.Errorf("an API removed in 1.33 blocked the upgrade to 1.32: %v", err)
	}
}

func mapValues(m map[string]*dto.MetricFamily) []*dto.MetricFamily {
	out := make([]*dto.MetricFamily, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func keys(m map[string]*model.Sample) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func hasMetric(m map[string]*model.Sample, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func nodeReady(n corev1.Node) corev1.ConditionStatus {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return ""
}

func TestNodeNotReadyAfterUpgrade(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs := e.kube("rg-a", "aks-local")
	id := e.sim.AddFault(Fault{Kind: FaultNodeNotReady, Cluster: "aks-local", Pool: "system"})
	notReady := func() []string {
		var out []string
		for _, n := range listNodes(t, cs) {
			if nodeReady(n) != corev1.ConditionTrue {
				out = append(out, n.Name+" "+string(nodeReady(n)))
			}
		}
		return out
	}
	if got := notReady(); len(got) != 0 {
		t.Errorf("before the upgrade: %v", got)
	}
	// Another pool's upgrade does not count.
	p, err := e.upgradePool("rg-a", "aks-local", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(16 * time.Minute)
	p.poll(t)
	if got := notReady(); len(got) != 0 {
		t.Errorf("after the apps pool's upgrade: %v", got)
	}
	if _, err := e.upgradePool("rg-a", "aks-local", "system", "1.31.4"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(16 * time.Minute)
	got := notReady()
	first := "aks-system-" + nodeHash(t, e, "aks-local") + "-vmss000000"
	if len(got) != 1 || got[0] != first+" False" {
		t.Fatalf("after the system pool's upgrade: %v, want %s False", got, first)
	}
	n, err := cs.CoreV1().Nodes().Get(context.Background(), first, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Status.NodeInfo.KubeletVersion != "v1.31.4" || len(n.Spec.Taints) != 2 || n.Spec.Taints[0].Key != corev1.TaintNodeNotReady {
		t.Errorf("node %s taints %+v", n.Status.NodeInfo.KubeletVersion, n.Spec.Taints)
	}
	for _, pod := range listPods(t, cs, "", metav1.ListOptions{FieldSelector: "spec.nodeName=" + first}) {
		if podReady(pod) {
			t.Errorf("pod %s Ready on a NotReady node", pod.Name)
		}
	}
	e.sim.ClearFault(id)
	if got := notReady(); len(got) != 0 {
		t.Errorf("after clearing the fault: %v", got)
	}
}

func TestSystemPodCrashLoopAfterUpgrade(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs := e.kube("rg-a", "aks-entra")
	e.sim.AddFault(Fault{Kind: FaultSystemPodCrashLoop, Cluster: "aks-entra", Pod: "coredns", For: Duration(time.Hour)})
	crashing := func() (names []string, restarts int32) {
		for _, p := range listPods(t, cs, "kube-system", metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"}) {
			if !podReady(p) {
				names = append(names, p.Name)
				restarts = p.Status.ContainerStatuses[0].RestartCount
				if w := p.Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "CrashLoopBackOff" {
					t.Errorf("%s: state %+v, want waiting in CrashLoopBackOff", p.Name, p.Status.ContainerStatuses[0].State)
				}
			}
		}
		return names, restarts
	}
	if names, _ := crashing(); len(names) != 0 {
		t.Errorf("before the upgrade: %v", names)
	}
	if _, err := e.upgradeControlPlane("rg-a", "aks-entra", "1.30.10"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	for _, step := range []struct {
		after    time.Duration
		restarts int32
	}{{0, 0}, {10 * time.Second, 1}, {30 * time.Second, 2}, {70 * time.Second, 3}, {310 * time.Second, 5}, {610 * time.Second, 6}, {910 * time.Second, 7}} {
		e.clock.Set(e.sim.Start().Add(10*time.Minute + step.after))
		names, restarts := crashing()
		if len(names) != 1 || restarts != step.restarts {
			t.Errorf("%s after the upgrade: crashing %v, restarts %d, want one coredns pod with %d", step.after, names, restarts, step.restarts)
		}
	}
	// The fault lasts an hour from when it was added.
	e.clock.Set(e.sim.Start().Add(time.Hour))
	if names, _ := crashing(); len(names) != 0 {
		t.Errorf("after the fault's hour: %v", names)
	}
}

func TestAppUnavailableAfterUpgrade(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml")
	probe := func(cluster string) int {
		t.Helper()
		ep, err := e.sim.Endpoints(cluster)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.srv.Client().Get(e.srv.URL + ep.Probe)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	e.sim.AddFault(Fault{Kind: FaultAppUnavailable, Cluster: "aks-entra", Count: 2})
	if got := probe("aks-entra"); got != 200 {
		t.Errorf("before the upgrade: %d", got)
	}
	if _, err := e.upgradeControlPlane("rg-a", "aks-entra", "1.30.10"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	for i, want := range []int{503, 503, 200} {
		if got := probe("aks-entra"); got != want {
			t.Errorf("probe %d after the upgrade: %d, want %d", i, got, want)
		}
	}
	if got := probe("aks-local"); got != 200 {
		t.Errorf("another cluster: %d", got)
	}
	if got := probe(kubeClusterLocal); got != 200 {
		t.Errorf("by resource ID: %d", got)
	}
	resp, err := e.srv.Client().Get(e.srv.URL + "/probe/" + subOne + "/rg-a/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown cluster: %d", resp.StatusCode)
	}
	if got := len(e.sim.requestsTo(APIProbe, "aks-entra")); got != 4 {
		t.Errorf("%d probe requests logged for aks-entra, want 4", got)
	}
}
