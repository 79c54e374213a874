package simulator

import (
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
)

// kubeItem is an object of the cluster API with what selectors match.
type kubeItem struct {
	name, namespace string
	labels          map[string]string
	fields          fields.Set
	obj             runtime.Object // *corev1.Node, *corev1.Pod, ...
}

// kubeItems returns the objects of a resource, as the cluster stands now.
func (s *Simulator) kubeItems(c *clusterState, res kubeResource, now time.Time) []kubeItem {
	v := s.clusterView(c, now)
	var out []kubeItem
	switch res.name {
	case "namespaces":
		for _, ns := range v.namespaces {
			out = append(out, kubeItem{name: ns, obj: encodeNamespace(c, ns, s.start),
				fields: fields.Set{"metadata.name": ns, "status.phase": string(corev1.NamespaceActive)}})
		}
	case "nodes":
		for _, n := range v.nodes {
			node := s.encodeNode(c, n, now)
			out = append(out, kubeItem{name: n.name, labels: node.Labels, obj: node,
				fields: fields.Set{"metadata.name": n.name, "spec.unschedulable": strconv.FormatBool(n.cordoned)}})
		}
	case "pods":
		for _, p := range v.pods {
			pod := s.encodePod(c, p, now)
			out = append(out, kubeItem{name: p.name, namespace: p.namespace, labels: pod.Labels, obj: pod, fields: fields.Set{
				"metadata.name": p.name, "metadata.namespace": p.namespace, "spec.nodeName": pod.Spec.NodeName,
				"spec.restartPolicy": string(pod.Spec.RestartPolicy), "spec.schedulerName": pod.Spec.SchedulerName,
				"spec.serviceAccountName": pod.Spec.ServiceAccountName, "status.phase": string(pod.Status.Phase),
				"status.podIP": pod.Status.PodIP, "status.nominatedNodeName": "",
			}})
		}
	case "poddisruptionbudgets":
		for _, b := range v.pdbs {
			out = append(out, kubeItem{name: b.name, namespace: b.namespace, obj: s.encodePDB(c, b, now),
				fields: fields.Set{"metadata.name": b.name, "metadata.namespace": b.namespace}})
		}
	}
	return out
}

// listOf is the typed list of items, Kind and APIVersion set on the list
// and, as the API server sends them, not on its items.
func listOf(res kubeResource, items []kubeItem, resourceVersion string) runtime.Object {
	lm := metav1.ListMeta{ResourceVersion: resourceVersion}
	tm := metav1.TypeMeta{Kind: res.kind + "List", APIVersion: res.gv.String()}
	switch res.name {
	case "namespaces":
		return &corev1.NamespaceList{TypeMeta: tm, ListMeta: lm, Items: itemsOf(items, func(o *corev1.Namespace) { o.TypeMeta = metav1.TypeMeta{} })}
	case "nodes":
		return &corev1.NodeList{TypeMeta: tm, ListMeta: lm, Items: itemsOf(items, func(o *corev1.Node) { o.TypeMeta = metav1.TypeMeta{} })}
	case "pods":
		return &corev1.PodList{TypeMeta: tm, ListMeta: lm, Items: itemsOf(items, func(o *corev1.Pod) { o.TypeMeta = metav1.TypeMeta{} })}
	default:
		return &policyv1.PodDisruptionBudgetList{TypeMeta: tm, ListMeta: lm,
			Items: itemsOf(items, func(o *policyv1.PodDisruptionBudget) { o.TypeMeta = metav1.TypeMeta{} })}
	}
}

func itemsOf[T any](items []kubeItem, strip func(*T)) []T {
	out := make([]T, 0, len(items))
	for _, it := range items {
		if o, ok := any(it.obj).(*T); ok {
			v := *o
			strip(&v)
			out = append(out, v)
		}
	}
	return out
}
