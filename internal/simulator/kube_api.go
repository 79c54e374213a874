package simulator

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Each cluster serves a subset of its own Kubernetes API under
// /kubernetes/{subscription}/{resourceGroup}/{cluster} (client-go and
// kubectl take a server URL with a path):
//
//	GET /version                      gitVersion follows the control plane
//	GET /api, /api/v1, /apis, /apis/policy, /apis/policy/v1   legacy discovery
//	GET /api/v1/nodes[/{name}]
//	GET /api/v1/namespaces[/{name}]
//	GET /api/v1/pods, /api/v1/namespaces/{ns}/pods[/{name}]
//	GET /apis/policy/v1/poddisruptionbudgets, .../namespaces/{ns}/poddisruptionbudgets[/{name}]
//	GET /metrics                      Prometheus text: apiserver_requested_deprecated_apis, apiserver_request_total
//	GET /healthz, /livez, /readyz
//
// Lists take labelSelector and fieldSelector (the field labels the real
// API server takes for the resource; others are 400 BadRequest) and
// answer every item at once: limit is ignored and there is no continue
// token, which clients read as the last page. Asked for a Table (kubectl
// get), they answer one (kube_table.go). Watches are refused (405).
// Errors are metav1.Status. The API needs a bearer token: the cluster's
// static local-account token, or on a Microsoft Entra ID cluster any
// token (as the simulated ARM takes any); else 401. Over plain HTTP a
// request with no Authorization header at all stands for the kubeconfig's
// user, because kubectl and clientcmd send no kubeconfig credentials to
// an http server (see tls.go); a wrong token is refused all the same.
// Served over TLS (TLSConfig), the API requires credentials as AKS's
// does. A stopped cluster's API server is not running: 503
// ServiceUnavailable (unverified: AKS's goes unreachable; the simulator
// cannot refuse a connection for one path, and a closed connection makes
// client-go retry for ten seconds of wall-clock time).

// kubeResource is a resource the cluster API serves.
type kubeResource struct {
	gv         schema.GroupVersion
	name       string
	singular   string
	kind       string
	namespaced bool
	shortNames []string
	// fields are the field selector labels the API server takes.
	fields []string
}

func kubeResources() []kubeResource {
	v1 := schema.GroupVersion{Version: "v1"}
	policy := schema.GroupVersion{Group: "policy", Version: "v1"}
	return []kubeResource{
		{gv: v1, name: "namespaces", singular: "namespace", kind: "Namespace", shortNames: []string{"ns"},
			fields: []string{"metadata.name", "status.phase"}},
		{gv: v1, name: "nodes", singular: "node", kind: "Node", shortNames: []string{"no"},
			fields: []string{"metadata.name", "spec.unschedulable"}},
		{gv: v1, name: "pods", singular: "pod", kind: "Pod", namespaced: true, shortNames: []string{"po"},
			fields: []string{"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
				"spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"}},
		{gv: policy, name: "poddisruptionbudgets", singular: "poddisruptionbudget", kind: "PodDisruptionBudget", namespaced: true,
			shortNames: []string{"pdb"}, fields: []string{"metadata.name", "metadata.namespace"}},
	}
}

// kubeCall is one request to a cluster's API being answered.
type kubeCall struct {
	w    http.ResponseWriter
	r    *http.Request
	now  time.Time
	c    *clusterState
	path string // after the cluster's prefix, "/api/v1/pods"
	// key is what /metrics counts the request as, once authenticated.
	key     kubeRequestKey
	counted bool
}

func (s *Simulator) serveKube(w http.ResponseWriter, r *http.Request) {
	parts := strings.SplitN(r.URL.Path[len(kubePrefix):], "/", 4)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)

	var c *clusterState
	if len(parts) >= 3 {
		if sub := s.subscription(parts[0]); sub != nil {
			c = sub.cluster(parts[1], parts[2])
		}
	}
	rec := &recorder{ResponseWriter: w}
	kc := &kubeCall{w: rec, r: r, now: now, c: c, path: "/", key: kubeRequestKey{verb: r.Method}}
	if len(parts) == 4 {
		kc.path += parts[3]
	}
	req := Request{Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, API: APIKubernetes}
	if len(parts) > 0 {
		req.Subscription = parts[0]
	}
	defer func() {
		req.Status = rec.status
		if c != nil {
			req.Cluster = c.id()
			if kc.counted {
				kc.key.code = rec.status
				c.kube.requests[kc.key]++
			}
		}
		s.requests = append(s.requests, req)
		s.log.Debug("kubernetes request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "time", now)
	}()

	if c == nil {
		kc.status(&metav1.Status{Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound, Message: "the server could not find the requested resource"})
		return
	}
	if s.powerState(c) == "Stopped" {
		kc.status(&metav1.Status{Code: http.StatusServiceUnavailable, Reason: metav1.StatusReasonServiceUnavailable,
			Message: "the cluster " + c.name + " is stopped: its API server is not running"})
		return
	}
	if !c.kube.authenticated(r) {
		kc.status(&metav1.Status{Code: http.StatusUnauthorized, Reason: metav1.StatusReasonUnauthorized, Message: "Unauthorized"})
		return
	}
	kc.counted = true
	s.routeKube(kc)
}

// authenticated applies the cluster's authentication to a request's
// bearer token, read as the simulated ARM reads one.
func (k *kubeState) authenticated(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if h == "" && r.TLS == nil {
		return true // plain HTTP: the kubeconfig's user, who cannot say so
	}
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return false
	}
	static := subtle.ConstantTimeCompare([]byte(token), []byte(k.token)) == 1
	if k.aad != nil {
		return !static || !k.noLocal
	}
	return static
}

func (kc *kubeCall) status(st *metav1.Status) {
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	st.Status = metav1.StatusFailure
	writeJSON(kc.w, int(st.Code), st)
}

func (kc *kubeCall) fail(err *apierrors.StatusError) { kc.status(&err.ErrStatus) }

// routeKube answers an authenticated request.
func (s *Simulator) routeKube(kc *kubeCall) {
	if kc.r.Method != http.MethodGet && kc.r.Method != http.MethodHead {
		kc.fail(apierrors.NewMethodNotSupported(schema.GroupResource{Resource: kc.path}, strings.ToLower(kc.r.Method)))
		return
	}
	kc.key.verb = "GET"
	switch kc.path {
	case "/version":
		writeJSON(kc.w, http.StatusOK, kubeVersion(kc.c.version))
		return
	case "/healthz", "/livez", "/readyz":
		kc.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = kc.w.Write([]byte("ok")) // a failed write means the client has gone
		return
	case "/metrics":
		s.serveKubeMetrics(kc)
		return
	}
	if s.serveDiscovery(kc) {
		return
	}
	res, ns, name, ok := parseResourcePath(kc.path)
	if !ok {
		kc.status(&metav1.Status{Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound, Message: "the server could not find the requested resource"})
		return
	}
	gr := schema.GroupResource{Group: res.gv.Group, Resource: res.name}
	kc.key.group, kc.key.version, kc.key.resource = res.gv.Group, res.gv.Version, res.name
	kc.key.scope = "cluster"
	if ns != "" {
		kc.key.scope = "namespace"
	}
	if name != "" {
		kc.key.scope = "resource"
	} else {
		kc.key.verb = "LIST"
	}
	if w := kc.r.URL.Query().Get("watch"); w == "true" || w == "1" {
		kc.key.verb = "WATCH"
		kc.fail(apierrors.NewMethodNotSupported(gr, "watch"))
		return
	}
	items := s.kubeItems(kc.c, res, kc.now)
	rv := strconv.FormatInt(kc.now.Unix(), 10)
	table := wantsTable(kc.r.Header.Get("Accept"))
	proto := !table && wantsProtobuf(kc.r.Header.Get("Accept"))
	if name != "" {
		for _, it := range items {
			if it.name != name || it.namespace != ns {
				continue
			}
			switch {
			case table:
				writeJSON(kc.w, http.StatusOK, tableOf(res, []kubeItem{it}, kc.now, rv))
			case proto:
				writeProto(kc.w, it.obj)
			default:
				writeJSON(kc.w, http.StatusOK, it.obj)
			}
			return
		}
		kc.fail(apierrors.NewNotFound(gr, name))
		return
	}
	q := kc.r.URL.Query()
	lsel, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		kc.fail(apierrors.NewBadRequest(err.Error()))
		return
	}
	fsel, err := fields.ParseSelector(q.Get("fieldSelector"))
	if err != nil {
		kc.fail(apierrors.NewBadRequest(err.Error()))
		return
	}
	for _, req := range fsel.Requirements() {
		if !slices.Contains(res.fields, req.Field) {
			kc.fail(apierrors.NewBadRequest("field label not supported: " + req.Field))
			return
		}
	}
	var kept []kubeItem
	for _, it := range items {
		if (ns == "" || it.namespace == ns) && lsel.Matches(labels.Set(it.labels)) && fsel.Matches(it.fields) {
			kept = append(kept, it)
		}
	}
	if table {
		writeJSON(kc.w, http.StatusOK, tableOf(res, kept, kc.now, rv))
		return
	}
	list := listOf(res, kept, rv)
	if proto {
		writeProto(kc.w, list)
		return
	}
	writeJSON(kc.w, http.StatusOK, list)
}

// parseResourcePath reads a resource request's path:
// /api/v1[/namespaces/{ns}]/{resource}[/{name}], and
// /apis/policy/v1[/namespaces/{ns}]/{resource}[/{name}]. Namespaces
// themselves are /api/v1/namespaces[/{name}].
func parseResourcePath(path string) (res kubeResource, ns, name string, ok bool) {
	segs := split(path)
	var gv schema.GroupVersion
	switch {
	case len(segs) >= 3 && segs[0] == "api" && segs[1] == "v1":
		gv, segs = schema.GroupVersion{Version: "v1"}, segs[2:]
	case len(segs) >= 4 && segs[0] == "apis" && segs[1] == "policy" && segs[2] == "v1":
		gv, segs = schema.GroupVersion{Group: "policy", Version: "v1"}, segs[3:]
	default:
		return kubeResource{}, "", "", false
	}
	if len(segs) >= 3 && segs[0] == "namespaces" {
		ns, segs = segs[1], segs[2:]
	}
	if len(segs) > 2 || segs[0] == "" {
		return kubeResource{}, "", "", false
	}
	for _, r := range kubeResources() {
		if r.gv != gv || r.name != segs[0] {
			continue
		}
		if ns != "" && !r.namespaced {
			return kubeResource{}, "", "", false
		}
		if ns == "" && r.namespaced && len(segs) == 2 {
			return kubeResource{}, "", "", false // a namespaced object needs its namespace
		}
		if len(segs) == 2 {
			name = segs[1]
		}
		return r, ns, name, true
	}
	return kubeResource{}, "", "", false
}
