package simulator

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Server-side printing: kubectl get asks for a meta.k8s.io/v1 Table
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io, ...) and prints
// its rows as they come. The columns are those of the API server's
// printers (k8s.io/kubernetes/pkg/printers/internalversion), ages on the
// simulated clock. Each row carries the object's metadata
// (PartialObjectMetadata, the default includeObject=Metadata), from which
// kubectl -A reads the namespace.

// wantsTable reports whether a request asks for a Table.
func wantsTable(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		if strings.Contains(part, "as=Table") && strings.Contains(part, "g=meta.k8s.io") && strings.Contains(part, "v=v1") && !strings.Contains(part, "v=v1beta1") {
			return true
		}
	}
	return false
}

func age(now, t time.Time) string { return duration.HumanDuration(now.Sub(t)) }

// tableOf prints items as the API server prints their resource.
func tableOf(res kubeResource, items []kubeItem, now time.Time, resourceVersion string) *metav1.Table {
	t := &metav1.Table{TypeMeta: metav1.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"}, ListMeta: metav1.ListMeta{ResourceVersion: resourceVersion}}
	col := func(name, typ, format string, priority int32) metav1.TableColumnDefinition {
		return metav1.TableColumnDefinition{Name: name, Type: typ, Format: format, Priority: priority}
	}
	nameCol := col("Name", "string", "name", 0)
	switch res.name {
	case "nodes":
		t.ColumnDefinitions = []metav1.TableColumnDefinition{nameCol, col("Status", "string", "", 0), col("Roles", "string", "", 0),
			col("Age", "string", "", 0), col("Version", "string", "", 0), col("Internal-IP", "string", "", 1), col("External-IP", "string", "", 1),
			col("OS-Image", "string", "", 1), col("Kernel-Version", "string", "", 1), col("Container-Runtime", "string", "", 1)}
	case "pods":
		t.ColumnDefinitions = []metav1.TableColumnDefinition{nameCol, col("Ready", "string", "", 0), col("Status", "string", "", 0),
			col("Restarts", "string", "", 0), col("Age", "string", "", 0), col("IP", "string", "", 1), col("Node", "string", "", 1),
			col("Nominated Node", "string", "", 1), col("Readiness Gates", "string", "", 1)}
	case "poddisruptionbudgets":
		t.ColumnDefinitions = []metav1.TableColumnDefinition{nameCol, col("Min Available", "string", "", 0), col("Max Unavailable", "string", "", 0),
			col("Allowed Disruptions", "integer", "", 0), col("Age", "string", "", 0)}
	default:
		t.ColumnDefinitions = []metav1.TableColumnDefinition{nameCol, col("Status", "string", "", 0), col("Age", "string", "", 0)}
	}
	for _, it := range items {
		var cells []any
		var om metav1.ObjectMeta
		switch o := it.obj.(type) {
		case *corev1.Node:
			om, cells = o.ObjectMeta, nodeCells(o, now)
		case *corev1.Pod:
			om, cells = o.ObjectMeta, podCells(o, now)
		case *policyv1.PodDisruptionBudget:
			om = o.ObjectMeta
			cells = []any{o.Name, intOrNone(o.Spec.MinAvailable), intOrNone(o.Spec.MaxUnavailable), int64(o.Status.DisruptionsAllowed), age(now, o.CreationTimestamp.Time)}
		case *corev1.Namespace:
			om, cells = o.ObjectMeta, []any{o.Name, string(o.Status.Phase), age(now, o.CreationTimestamp.Time)}
		}
		partial := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"}, ObjectMeta: om}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: cells, Object: runtime.RawExtension{Object: partial}})
	}
	return t
}

func intOrNone(v interface{ String() string }) string {
	if s := v.String(); s != "" && s != "<nil>" {
		return s
	}
	return "N/A"
}

// nodeCells: Ready, NotReady or Unknown, and SchedulingDisabled when
// cordoned.
func nodeCells(n *corev1.Node, now time.Time) []any {
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			switch c.Status {
			case corev1.ConditionTrue:
				status = "Ready"
			case corev1.ConditionFalse:
				status = "NotReady"
			}
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	ip := ""
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			ip = a.Address
		}
	}
	return []any{n.Name, status, "<none>", age(now, n.CreationTimestamp.Time), n.Status.NodeInfo.KubeletVersion, ip, "<none>",
		n.Status.NodeInfo.OSImage, n.Status.NodeInfo.KernelVersion, n.Status.NodeInfo.ContainerRuntimeVersion}
}

// podCells: ready containers, the phase or the waiting reason, restarts.
func podCells(p *corev1.Pod, now time.Time) []any {
	ready, restarts := 0, int32(0)
	status := string(p.Status.Phase)
	for _, c := range p.Status.ContainerStatuses {
		if c.Ready {
			ready++
		}
		restarts += c.RestartCount
		if c.State.Waiting != nil && c.State.Waiting.Reason != "" {
			status = c.State.Waiting.Reason
		}
	}
	restartText := fmt.Sprint(restarts)
	for _, c := range p.Status.ContainerStatuses {
		if t := c.LastTerminationState.Terminated; t != nil && restarts > 0 {
			restartText = fmt.Sprintf("%d (%s ago)", restarts, age(now, t.FinishedAt.Time))
		}
	}
	node, ip := p.Spec.NodeName, p.Status.PodIP
	if node == "" {
		node = "<none>"
	}
	if ip == "" {
		ip = "<none>"
	}
	return []any{p.Name, fmt.Sprintf("%d/%d", ready, len(p.Spec.Containers)), status, restartText, age(now, p.CreationTimestamp.Time),
		ip, node, "<none>", "<none>"}
}
