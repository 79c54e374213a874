package kube

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/aksupgrade/aksupgrade"
)

// Label keys AKS puts on its nodes.
const (
	labelPool  = "kubernetes.azure.com/agentpool"
	labelImage = "kubernetes.azure.com/node-image-version"
)

// Nodes lists the cluster's nodes.
func (c *Client) Nodes(ctx context.Context, clusterID string) ([]aksupgrade.Node, error) {
	cs, err := c.clientset(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, c.classify(clusterID, "nodes", err)
	}
	out := make([]aksupgrade.Node, 0, len(list.Items))
	for _, n := range list.Items {
		pool := n.Labels[labelPool]
		if pool == "" {
			pool = n.Labels["agentpool"]
		}
		out = append(out, aksupgrade.Node{Name: n.Name, Pool: pool, KubeletVersion: n.Status.NodeInfo.KubeletVersion,
			ImageVersion: n.Labels[labelImage], Ready: condition(n.Status.Conditions, corev1.NodeReady), Unschedulable: n.Spec.Unschedulable})
	}
	return out, nil
}

func condition(cs []corev1.NodeCondition, t corev1.NodeConditionType) bool {
	for _, c := range cs {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Pods lists the pods of namespaces (all when none).
func (c *Client) Pods(ctx context.Context, clusterID string, namespaces []string) ([]aksupgrade.Pod, error) {
	cs, err := c.clientset(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	if len(namespaces) == 0 {
		namespaces = []string{metav1.NamespaceAll}
	}
	var out []aksupgrade.Pod
	for _, ns := range namespaces {
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, c.classify(clusterID, "the pods of "+orAll(ns), err)
		}
		for _, p := range list.Items {
			pod := aksupgrade.Pod{Namespace: p.Namespace, Name: p.Name, Node: p.Spec.NodeName, Running: p.Status.Phase == corev1.PodRunning}
			for _, pc := range p.Status.Conditions {
				if pc.Type == corev1.PodReady {
					pod.Ready = pc.Status == corev1.ConditionTrue
				}
			}
			for _, st := range p.Status.ContainerStatuses {
				pod.Restarts += int(st.RestartCount)
			}
			out = append(out, pod)
		}
	}
	return out, nil
}

func orAll(ns string) string {
	if ns == "" {
		return "every namespace"
	}
	return "namespace " + ns
}

// DisruptionBudgets lists the cluster's PodDisruptionBudgets.
func (c *Client) DisruptionBudgets(ctx context.Context, clusterID string) ([]aksupgrade.DisruptionBudget, error) {
	cs, err := c.clientset(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	list, err := cs.PolicyV1().PodDisruptionBudgets(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, c.classify(clusterID, "PodDisruptionBudgets", err)
	}
	out := make([]aksupgrade.DisruptionBudget, 0, len(list.Items))
	for _, b := range list.Items {
		out = append(out, aksupgrade.DisruptionBudget{Namespace: b.Namespace, Name: b.Name,
			DisruptionsAllowed: int(b.Status.DisruptionsAllowed), ExpectedPods: int(b.Status.ExpectedPods)})
	}
	return out, nil
}

// deprecatedMetric is the API server's count of requests to deprecated
// APIs (https://kubernetes.io/docs/reference/using-api/deprecation-guide/),
// which AKS reads to stop upgrades over them.
const deprecatedMetric = "apiserver_requested_deprecated_apis"

// DeprecatedAPIs reads the deprecated APIs the API server saw requests
// to, from its /metrics.
func (c *Client) DeprecatedAPIs(ctx context.Context, clusterID string) ([]aksupgrade.DeprecatedAPI, error) {
	cs, err := c.clientset(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	body, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, c.classify(clusterID, "the API server's /metrics", err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		return nil, c.classify(clusterID, "the API server's /metrics", fmt.Errorf("not Prometheus text: %w", err))
	}
	f, ok := fams[deprecatedMetric]
	if !ok {
		return nil, nil
	}
	var out []aksupgrade.DeprecatedAPI
	for _, m := range f.GetMetric() {
		if m.GetGauge().GetValue() == 0 {
			continue
		}
		d := aksupgrade.DeprecatedAPI{}
		for _, l := range m.GetLabel() {
			switch model.LabelName(l.GetName()) {
			case "group":
				d.Group = l.GetValue()
			case "version":
				d.Version = l.GetValue()
			case "resource":
				d.Resource = l.GetValue()
			case "removed_release":
				d.RemovedRelease = l.GetValue()
			}
		}
		out = append(out, d)
	}
	return out, nil
}
