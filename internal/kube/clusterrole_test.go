package kube_test

import (
	"os"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestClusterRole: the ClusterRole the README tells users to apply in
// each cluster decodes strictly and grants what this package reads.
func TestClusterRole(t *testing.T) {
	data, err := os.ReadFile("../../examples/gates-clusterrole.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	obj, _, err := dec.Decode(data, nil, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	role, ok := obj.(*rbacv1.ClusterRole)
	if !ok {
		t.Fatalf("decoded a %T, want a ClusterRole", obj)
	}
	allows := func(group, resource, verb string) bool {
		for _, r := range role.Rules {
			if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) {
				return true
			}
		}
		return false
	}
	for _, want := range [][3]string{{"", "nodes", "list"}, {"", "pods", "list"}, {"policy", "poddisruptionbudgets", "list"}} {
		if !allows(want[0], want[1], want[2]) {
			t.Errorf("the ClusterRole does not allow %s on %q %s", want[2], want[0], want[1])
		}
	}
	metrics := slices.ContainsFunc(role.Rules, func(r rbacv1.PolicyRule) bool {
		return slices.Contains(r.NonResourceURLs, "/metrics") && slices.Contains(r.Verbs, "get")
	})
	if !metrics {
		t.Error("the ClusterRole does not allow get on /metrics")
	}
	for _, r := range role.Rules {
		for _, v := range r.Verbs {
			if v != "get" && v != "list" {
				t.Errorf("the ClusterRole allows %q: the gates only read", v)
			}
		}
	}
}
