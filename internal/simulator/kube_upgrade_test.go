package simulator

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// nodeSummary sums a cluster's nodes up, without their names' hash.
func nodeSummary(t *testing.T, cs kubernetes.Interface, hash string) []string {
	t.Helper()
	var out []string
	for _, l := range nodeLines(listNodes(t, cs)) {
		out = append(out, strings.Replace(l, "-"+hash+"-", "-", 1))
	}
	return out
}

func TestNodesFollowAPoolUpgrade(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs := e.kube("rg-a", "aks-local")
	hash := nodeHash(t, e, "aks-local")
	before := listPods(t, cs, "shop", metav1.ListOptions{})

	// apps: 4 nodes, maxSurge 2: two batches of 8 minutes.
	p, err := e.upgradePool("rg-a", "aks-local", "apps", "1.31.4")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at    time.Duration
		nodes []string
	}{{
		// Surge nodes at the target join; the first batch is cordoned
		// and drained.
		at: 0, nodes: []string{
			"aks-apps-vmss000000 v1.30.9 Ready=True cordoned", "aks-apps-vmss000001 v1.30.9 Ready=True cordoned",
			"aks-apps-vmss000002 v1.30.9 Ready=True", "aks-apps-vmss000003 v1.30.9 Ready=True",
			"aks-apps-vmss000004 v1.31.4 Ready=True", "aks-apps-vmss000005 v1.31.4 Ready=True",
			"aks-system-vmss000000 v1.30.9 Ready=True", "aks-system-vmss000001 v1.30.9 Ready=True",
		},
	}, {
		// Half way through the batch its nodes are reimaged.
		at: 4 * time.Minute, nodes: []string{
			"aks-apps-vmss000000 v1.30.9 Ready=Unknown cordoned", "aks-apps-vmss000001 v1.30.9 Ready=Unknown cordoned",
			"aks-apps-vmss000002 v1.30.9 Ready=True", "aks-apps-vmss000003 v1.30.9 Ready=True",
			"aks-apps-vmss000004 v1.31.4 Ready=True", "aks-apps-vmss000005 v1.31.4 Ready=True",
			"aks-system-vmss000000 v1.30.9 Ready=True", "aks-system-vmss000001 v1.30.9 Ready=True",
		},
	}, {
		at: 8 * time.Minute, nodes: []string{
			"aks-apps-vmss000000 v1.31.4 Ready=True", "aks-apps-vmss000001 v1.31.4 Ready=True",
			"aks-apps-vmss000002 v1.30.9 Ready=True cordoned", "aks-apps-vmss000003 v1.30.9 Ready=True cordoned",
			"aks-apps-vmss000004 v1.31.4 Ready=True", "aks-apps-vmss000005 v1.31.4 Ready=True",
			"aks-system-vmss000000 v1.30.9 Ready=True", "aks-system-vmss000001 v1.30.9 Ready=True",
		},
	}, {
		// Done: the surge nodes are gone.
		at: 16 * time.Minute, nodes: []string{
			"aks-apps-vmss000000 v1.31.4 Ready=True", "aks-apps-vmss000001 v1.31.4 Ready=True",
			"aks-apps-vmss000002 v1.31.4 Ready=True", "aks-apps-vmss000003 v1.31.4 Ready=True",
			"aks-system-vmss000000 v1.30.9 Ready=True", "aks-system-vmss000001 v1.30.9 Ready=True",
		},
	}}
	start := e.sim.Now()
	for _, st := range steps {
		e.clock.Set(start.Add(st.at))
		if diff := cmp.Diff(st.nodes, nodeSummary(t, cs, hash)); diff != "" {
			t.Errorf("after %s, nodes (-want +got):\n%s", st.at, diff)
		}
		nodes := listNodes(t, cs)
		pods := listPods(t, cs, "", metav1.ListOptions{})
		cordoned := map[string]bool{}
		for _, n := range nodes {
			cordoned[n.Name] = n.Spec.Unschedulable
			taint := slices.ContainsFunc(n.Spec.Taints, func(tt corev1.Taint) bool { return tt.Key == "node.kubernetes.io/unschedulable" })
			if taint != n.Spec.Unschedulable {
				t.Errorf("after %s: %s unschedulable %v, taint %v", st.at, n.Name, n.Spec.Unschedulable, taint)
			}
		}
		proxies := 0
		for _, pod := range pods {
			if strings.HasPrefix(pod.Name, "kube-proxy-") {
				proxies++
				continue
			}
			// Drained nodes run no pod but DaemonSets'.
			if cordoned[pod.Spec.NodeName] {
				t.Errorf("after %s: pod %s/%s on cordoned %s", st.at, pod.Namespace, pod.Name, pod.Spec.NodeName)
			}
			if !podReady(pod) {
				t.Errorf("after %s: pod %s not Ready", st.at, pod.Name)
			}
		}
		if proxies != len(nodes) {
			t.Errorf("after %s: %d kube-proxy pods for %d nodes", st.at, proxies, len(nodes))
		}
	}
	if !p.poll(t) {
		t.Fatal("the pool upgrade is not done after 16 minutes")
	}
	if _, err := p.result(); err != nil {
		t.Fatal(err)
	}
	// The workloads' pods were made again.
	after := listPods(t, cs, "shop", metav1.ListOptions{})
	for _, a := range after {
		if slices.ContainsFunc(before, func(b corev1.Pod) bool { return b.Name == a.Name }) {
			t.Errorf("pod %s outlived the upgrade of its node", a.Name)
		}
	}
	if len(after) != 5 {
		t.Errorf("%d pods in shop after the upgrade, want 5", len(after))
	}
}

func TestNodeImageUpgradeRelabelsNodes(t *testing.T) {
	const next = "AKSUbuntu-2204gen2containerd-202503.10.0"
	e := newTLSEnv(t, "clusterapi.yaml", func(sc *Scenario) {
		sc.Timeline = append(sc.Timeline, TimelineEntry{After: Duration(time.Hour), Region: "westeurope", NodeImage: next})
	})
	e.clock.Advance(time.Hour)
	cs := e.kube("rg-a", "aks-entra")
	poller, err := e.pools().BeginUpgradeNodeImageVersion(context.Background(), "rg-a", "aks-entra", "system", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &pollerOf[armcontainerservice.AgentPoolsClientUpgradeNodeImageVersionResponse]{poller}
	// 2 nodes, maxSurge 10%: one node a batch, two batches.
	e.clock.Advance(16 * time.Minute)
	if !p.poll(t) {
		t.Fatal("not done after 16 minutes")
	}
	for _, n := range listNodes(t, cs) {
		if n.Labels["kubernetes.azure.com/node-image-version"] != next || n.Status.NodeInfo.KubeletVersion != "v1.30.9" {
			t.Errorf("%s: image %s kubelet %s, want %s v1.30.9", n.Name, n.Labels["kubernetes.azure.com/node-image-version"], n.Status.NodeInfo.KubeletVersion, next)
		}
	}
}

func TestVersionFollowsTheControlPlane(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cs := e.kube("rg-a", "aks-entra")
	if _, err := e.upgradeControlPlane("rg-a", "aks-entra", "1.30.10"); err != nil {
		t.Fatal(err)
	}
	version := func() string {
		v, err := cs.Discovery().ServerVersion()
		if err != nil {
			t.Fatal(err)
		}
		return v.GitVersion
	}
	e.clock.Advance(9 * time.Minute)
	if got := version(); got != "v1.30.9" {
		t.Errorf("during the upgrade: %s, want v1.30.9", got)
	}
	e.clock.Advance(time.Minute)
	if got := version(); got != "v1.30.10" {
		t.Errorf("after the upgrade: %s, want v1.30.10", got)
	}
	// Nodes keep their version: pools upgrade on their own.
	for _, n := range listNodes(t, cs) {
		if n.Status.NodeInfo.KubeletVersion != "v1.30.9" {
			t.Errorf("%s runs %s", n.Name, n.Status.NodeInfo.KubeletVersion)
		}
	}
}
