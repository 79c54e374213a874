package kube_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aksupgrade/aksupgrade/internal/kube"
)

// contentTypes records each response's path and Content-Type.
type contentTypes struct {
	mu  sync.Mutex
	got map[string]string
}

func (c *contentTypes) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		c.mu.Lock()
		c.got[r.URL.Path] = resp.Header.Get("Content-Type")
		c.mu.Unlock()
	}
	return resp, err
}

// The gates' reads come as protobuf: client-go's typed clients ask for
// it first, as Kubernetes' controllers do, and the API server (here the
// simulator) serves it for nodes, pods and PodDisruptionBudgets.
func TestReadsAsProtobuf(t *testing.T) {
	w := newWorld(t)
	rec := &contentTypes{got: map[string]string{}}
	c, err := kube.New(kube.Options{Kubeconfig: w.arm.Kubeconfig, Credential: w.arm.Credential(), Clock: w.clock, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	local := w.id(t, "aks-local")
	ctx := t.Context()
	if _, err := c.Nodes(ctx, local); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pods(ctx, local, []string{"kube-system"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DisruptionBudgets(ctx, local); err != nil {
		t.Fatal(err)
	}
	want := []string{"/nodes", "/pods", "/poddisruptionbudgets"}
	for _, suffix := range want {
		found := false
		for path, ct := range rec.got {
			if strings.HasSuffix(path, suffix) {
				found = true
				if ct != "application/vnd.kubernetes.protobuf" {
					t.Errorf("%s came as %q, want protobuf", path, ct)
				}
			}
		}
		if !found {
			t.Errorf("no request for %s among %v", suffix, rec.got)
		}
	}
}
