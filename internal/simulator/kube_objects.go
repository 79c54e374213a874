package simulator

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The cluster API's objects are k8s.io/api types, so that their JSON is
// what client-go and kubectl read.

// uid is a stable UID for an object of a cluster.
func uid(parts ...string) types.UID {
	h := fnv.New128a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	b := h.Sum(nil)
	be := binary.BigEndian
	return types.UID(fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", be.Uint32(b[0:4]), be.Uint16(b[4:6]), be.Uint16(b[6:8])&0xfff,
		be.Uint16(b[8:10])&0x3fff|0x8000, be.Uint64(b[8:16])&0xffffffffffff))
}

func meta(c *clusterState, kind, namespace, name string, created time.Time, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, UID: uid(c.id(), kind, namespace, name),
		ResourceVersion: fmt.Sprint(hash32(c.id()+kind+namespace+name) % 1000000), CreationTimestamp: metav1.NewTime(created), Labels: labels}
}

// osImage describes a node image family's OS as the kubelet reports it
// (unverified for AKS's own images).
func osImage(image string) (osImage, kernel string) {
	switch {
	case strings.HasPrefix(image, "AKSWindows-2019"):
		return "Windows Server 2019 Datacenter", "10.0.17763.6893"
	case strings.HasPrefix(image, "AKSWindows"):
		return "Windows Server 2022 Datacenter", "10.0.20348.3270"
	case strings.HasPrefix(image, "AKSAzureLinux"), strings.HasPrefix(image, "AKSCBLMariner"):
		return "CBL-Mariner/Linux", "5.15.176.3-1.cm2"
	}
	return "Ubuntu 22.04.5 LTS", "5.15.0-1079-azure"
}

// encodeNode is a node as AKS labels and reports it.
func (s *Simulator) encodeNode(c *clusterState, n *nodeView, now time.Time) *corev1.Node {
	p := n.pool
	goos := "linux"
	if !n.linux() {
		goos = "windows"
	}
	labels := map[string]string{
		"agentpool":                               p.name,
		"kubernetes.azure.com/agentpool":          p.name,
		"kubernetes.azure.com/cluster":            "MC_" + c.rg + "_" + c.name + "_" + c.location,
		"kubernetes.azure.com/mode":               strings.ToLower(p.mode),
		"kubernetes.azure.com/node-image-version": n.image,
		"kubernetes.azure.com/os-sku":             p.osSKU,
		"kubernetes.io/arch":                      "amd64",
		"kubernetes.io/hostname":                  n.name,
		"kubernetes.io/os":                        goos,
		"node.kubernetes.io/instance-type":        p.vmSize,
		"topology.kubernetes.io/region":           c.location,
	}
	cores := vmCores(p.vmSize)
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(cores), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(int64(cores)*4<<30, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(110, resource.DecimalSI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(128<<30, resource.BinarySI),
	}
	node := &corev1.Node{
		TypeMeta:   metav1.TypeMeta{Kind: "Node", APIVersion: "v1"},
		ObjectMeta: meta(c, "Node", "", n.name, n.created, labels),
		Spec: corev1.NodeSpec{
			ProviderID: fmt.Sprintf("azure:///subscriptions/%s/resourceGroups/mc_%s_%s_%s/providers/Microsoft.Compute/virtualMachineScaleSets/aks-%s-%08d-vmss/virtualMachines/%d",
				c.sub.id, lower(c.rg), lower(c.name), c.location, p.name, hash32(lower(c.id()))%100000000, n.id),
			Unschedulable: n.cordoned,
		},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity,
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("10.%d.%d.%d", 224+poolIndex(c, p)%30, n.id/250, n.id%250+4)},
				{Type: corev1.NodeHostName, Address: n.name},
			},
		},
	}
	image, kernel := osImage(n.image)
	node.Status.NodeInfo = corev1.NodeSystemInfo{
		KubeletVersion: "v" + n.version, OSImage: image, KernelVersion: kernel, ContainerRuntimeVersion: "containerd://1.7.27-1",
		OperatingSystem: goos, Architecture: "amd64", MachineID: strings.ReplaceAll(string(uid(c.id(), n.name)), "-", ""),
	}
	// The well-known taints (kubernetes.io/docs/reference/labels-annotations-taints):
	// a cordoned node is unschedulable; the node lifecycle controller
	// taints a NotReady node not-ready, one that stopped reporting
	// unreachable.
	since := metav1.NewTime(n.since)
	if n.cordoned {
		node.Spec.Taints = append(node.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &since})
	}
	switch n.ready {
	case corev1.ConditionFalse:
		node.Spec.Taints = append(node.Spec.Taints,
			corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &since},
			corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute, TimeAdded: &since})
	case corev1.ConditionUnknown:
		node.Spec.Taints = append(node.Spec.Taints,
			corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &since},
			corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &since})
	}
	beat := metav1.NewTime(now)
	pressure := func(t corev1.NodeConditionType, reason, msg string) corev1.NodeCondition {
		c := corev1.NodeCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, Message: msg, LastHeartbeatTime: beat, LastTransitionTime: metav1.NewTime(n.created)}
		if n.ready == corev1.ConditionUnknown {
			c.Status, c.Reason, c.Message, c.LastTransitionTime = corev1.ConditionUnknown, n.reason, n.msg, since
		}
		return c
	}
	node.Status.Conditions = []corev1.NodeCondition{
		pressure(corev1.NodeMemoryPressure, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		pressure(corev1.NodeDiskPressure, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		pressure(corev1.NodePIDPressure, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		{Type: corev1.NodeReady, Status: n.ready, Reason: n.reason, Message: n.msg, LastHeartbeatTime: beat, LastTransitionTime: since},
	}
	return node
}

func poolIndex(c *clusterState, p *poolState) int {
	for i, q := range c.pools {
		if q == p {
			return i
		}
	}
	return 0
}

// encodePod is a pod of a Deployment or DaemonSet.
func (s *Simulator) encodePod(c *clusterState, p *podView, now time.Time) *corev1.Pod {
	labels := map[string]string{}
	for k, v := range p.labels {
		labels[k] = v
	}
	if p.ownerKind == "ReplicaSet" {
		labels["pod-template-hash"] = p.owner[strings.LastIndexByte(p.owner, '-')+1:]
	}
	ownerAPI := "apps/v1"
	isTrue := true
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: meta(c, "Pod", p.namespace, p.name, p.created, labels),
		Spec: corev1.PodSpec{
			Containers:         []corev1.Container{{Name: p.container, Image: p.image}},
			RestartPolicy:      corev1.RestartPolicyAlways,
			SchedulerName:      corev1.DefaultSchedulerName,
			ServiceAccountName: "default",
			PriorityClassName:  p.priority,
			NodeSelector:       p.nodeSelector,
		},
		Status: corev1.PodStatus{QOSClass: corev1.PodQOSBestEffort},
	}
	pod.GenerateName = strings.TrimSuffix(p.name, p.name[strings.LastIndexByte(p.name, '-')+1:])
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: ownerAPI, Kind: p.ownerKind, Name: p.owner,
		UID: uid(c.id(), p.ownerKind, p.namespace, p.owner), Controller: &isTrue, BlockOwnerDeletion: &isTrue}}
	created := metav1.NewTime(p.created)
	if p.node == nil {
		pod.Status.Phase = corev1.PodPending
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
			Message: p.pending, LastTransitionTime: created}}
		return pod
	}
	n := p.node
	pod.Spec.NodeName = n.name
	pod.Status.Phase = corev1.PodRunning
	pod.Status.HostIP = fmt.Sprintf("10.%d.%d.%d", 224+poolIndex(c, n.pool)%30, n.id/250, n.id%250+4)
	h := hash32(string(pod.UID))
	pod.Status.PodIP = fmt.Sprintf("10.244.%d.%d", h>>8&0xff, h&0xfd+2)
	if p.ownerKind == "DaemonSet" {
		// kube-proxy runs in the node's network.
		pod.Spec.HostNetwork, pod.Status.PodIP = true, pod.Status.HostIP
	}
	pod.Status.PodIPs = []corev1.PodIP{{IP: pod.Status.PodIP}}
	pod.Status.StartTime = &created
	cond := func(t corev1.PodConditionType, ok bool, since time.Time) corev1.PodCondition {
		c := corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(since)}
		if !ok {
			c.Status = corev1.ConditionFalse
		}
		return c
	}
	readySince := later(p.created, n.since)
	if !p.crashSince.IsZero() {
		readySince = p.crashSince
	}
	ready := cond(corev1.PodReady, p.ready, readySince)
	containersReady := cond(corev1.ContainersReady, p.ready, readySince)
	if !p.ready && !p.crashSince.IsZero() {
		ready.Reason, ready.Message = "ContainersNotReady", "containers with unready status: ["+p.container+"]"
		containersReady.Reason, containersReady.Message = ready.Reason, ready.Message
	}
	pod.Status.Conditions = []corev1.PodCondition{
		cond(corev1.PodInitialized, true, p.created), ready, containersReady, cond(corev1.PodScheduled, true, p.created),
	}
	started := p.ready
	st := corev1.ContainerStatus{Name: p.container, Image: p.image, ImageID: p.image, Ready: p.ready, Started: &started,
		RestartCount: p.restarts, ContainerID: "containerd://" + strings.ReplaceAll(string(uid(string(pod.UID), "container")), "-", "")}
	if p.crashSince.IsZero() {
		st.State.Running = &corev1.ContainerStateRunning{StartedAt: created}
	} else {
		// The kubelet's words for a container in back-off.
		back := min(10*time.Second<<min(max(p.restarts-1, 0), 5), 5*time.Minute)
		st.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", back, p.container, p.name, p.namespace, pod.UID)}
		last := metav1.NewTime(now)
		st.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: last, FinishedAt: last}
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{st}
	return pod
}

// encodePDB is a workload's PodDisruptionBudget with its status.
func (s *Simulator) encodePDB(c *clusterState, b *pdbView, now time.Time) *policyv1.PodDisruptionBudget {
	pdb := &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{Kind: "PodDisruptionBudget", APIVersion: "policy/v1"},
		ObjectMeta: meta(c, "PodDisruptionBudget", b.namespace, b.name, b.created, nil),
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": b.workload.Name}}},
		Status: policyv1.PodDisruptionBudgetStatus{
			ObservedGeneration: 1, DisruptionsAllowed: int32(b.allowed), CurrentHealthy: int32(b.healthy),
			DesiredHealthy: int32(b.desired), ExpectedPods: int32(b.expected),
		},
	}
	pdb.Generation = 1
	if b.minAvailable != nil {
		v := intstr.FromInt32(int32(*b.minAvailable))
		pdb.Spec.MinAvailable = &v
	} else {
		v := intstr.FromInt32(int32(*b.maxUnavailable))
		pdb.Spec.MaxUnavailable = &v
	}
	// The disruption controller's condition
	// (k8s.io/api/policy/v1: DisruptionAllowed, SufficientPods, InsufficientPods).
	cond := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionTrue, Reason: policyv1.SufficientPodsReason,
		ObservedGeneration: 1, LastTransitionTime: metav1.NewTime(b.created)}
	if b.allowed == 0 {
		cond.Status, cond.Reason = metav1.ConditionFalse, policyv1.InsufficientPodsReason
	}
	pdb.Status.Conditions = []metav1.Condition{cond}
	return pdb
}

func encodeNamespace(c *clusterState, name string, created time.Time) *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{Kind: "Namespace", APIVersion: "v1"},
		ObjectMeta: meta(c, "Namespace", "", name, created, map[string]string{"kubernetes.io/metadata.name": name}),
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}
}
