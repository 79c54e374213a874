package simulator

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// A client that asks for protobuf, as Kubernetes' controllers do, reads
// the same objects as one that asks for JSON; the bodies are Kubernetes'
// protobuf envelope, and errors still decode.
func TestClientGoReadsProtobuf(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	cfg := restConfig(t, e.kubeconfig("rg-a", "aks-local", false), "an-entra-id-token")
	pcfg := rest.CopyConfig(cfg)
	pcfg.ContentType = runtime.ContentTypeProtobuf
	pcfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	js, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := kubernetes.NewForConfig(pcfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	same := func(what string, want, got any, errs ...error) {
		t.Helper()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s as protobuf (-json +protobuf):\n%s", what, diff)
		}
	}
	jn, err1 := js.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	pn, err2 := pb.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	same("nodes", jn.Items, pn.Items, err1, err2)
	if len(pn.Items) == 0 {
		t.Fatal("no nodes")
	}
	jp, err1 := js.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	pp, err2 := pb.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	same("pods", jp.Items, pp.Items, err1, err2)
	jb, err1 := js.PolicyV1().PodDisruptionBudgets("").List(ctx, metav1.ListOptions{})
	pbs, err2 := pb.PolicyV1().PodDisruptionBudgets("").List(ctx, metav1.ListOptions{})
	same("pod disruption budgets", jb.Items, pbs.Items, err1, err2)
	jns, err1 := js.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	pns, err2 := pb.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	same("namespaces", jns.Items, pns.Items, err1, err2)
	jo, err1 := js.CoreV1().Nodes().Get(ctx, pn.Items[0].Name, metav1.GetOptions{})
	po, err2 := pb.CoreV1().Nodes().Get(ctx, pn.Items[0].Name, metav1.GetOptions{})
	same("a node", jo, po, err1, err2)
	if _, err := pb.CoreV1().Nodes().Get(ctx, "no-such-node", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a missing node: %v, want NotFound", err)
	}

	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for accept, want := range map[string]string{
		runtime.ContentTypeProtobuf + ", " + runtime.ContentTypeJSON: runtime.ContentTypeProtobuf,
		runtime.ContentTypeJSON + ", " + runtime.ContentTypeProtobuf: "application/json; charset=utf-8",
		"": "application/json; charset=utf-8",
	} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Host+"/api/v1/nodes", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", accept)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Content-Type"); got != want {
			t.Errorf("Accept %q: Content-Type %q, want %q", accept, got, want)
		}
		if isProto := bytes.HasPrefix(body, []byte("k8s\x00")); isProto != (want == runtime.ContentTypeProtobuf) {
			t.Errorf("Accept %q: body starts %q", accept, body[:min(8, len(body))])
		}
	}
}
