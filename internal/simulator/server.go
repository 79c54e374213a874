package simulator

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// apiVersion is the Microsoft.ContainerService API version served.
const apiVersion = "2025-02-01"

// bucketKind is the AKS throttling bucket a route draws from, besides
// ARM's read or write bucket.
type bucketKind int

const (
	bucketNone bucketKind = iota
	bucketPut
	bucketGetCluster
	bucketOpStatus
	bucketListSub
	bucketListRG
	bucketOther
)

// route is one ARM operation. Its pattern's literal segments match without
// regard to case, as ARM's do; "{name}" segments capture.
type route struct {
	method string
	segs   []string
	write  bool
	bucket bucketKind
	typ    string // resource type, for api-version errors; "" outside Microsoft.ContainerService
	// version is the api-version the route takes (default apiVersion).
	version string
	// name is the operation as AKS's throttling messages name it
	// (unverified: only PutManagedClusterHandler is documented).
	name    string
	handler func(*call)
}

// apiVersion is the api-version the route takes.
func (rt *route) apiVersion() string {
	if rt.version != "" {
		return rt.version
	}
	return apiVersion
}

// handlerName is the route's name in a throttling message.
func (rt *route) handlerName() string {
	if rt.name != "" {
		return rt.name
	}
	return "AKS API " + rt.method
}

type routeMatch struct {
	params map[string]string
}

// resourceID is the ID of the cluster or pool the matched path names.
func (m routeMatch) resourceID() string {
	id := clusterID(m.params["sub"], m.params["rg"], m.params["cluster"])
	if p := m.params["pool"]; p != "" {
		id += "/agentPools/" + p
	}
	return id
}

// call is one ARM request being answered.
type call struct {
	w    http.ResponseWriter
	r    *http.Request
	now  time.Time
	m    routeMatch
	sub  *subState
	body []byte
	// base is the scheme and host the client used, for links.
	base string
}

func (c *call) param(name string) string { return c.m.params[name] }

func (c *call) fail(e *armError) { writeError(c.w, e) }

const (
	clusterPath = "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.containerservice/managedclusters/{cluster}"
	poolPath    = clusterPath + "/agentpools/{pool}"
	locPath     = "/subscriptions/{sub}/providers/microsoft.containerservice/locations/{loc}"
	fleetPath   = "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.containerservice/fleets/{fleet}"
)

func (s *Simulator) routes() http.Handler {
	const mc = "managedClusters"
	table := []route{
		{method: http.MethodGet, segs: split("/subscriptions"), handler: s.listSubscriptions},
		{method: http.MethodGet, segs: split("/subscriptions/{sub}"), handler: s.getSubscription},
		{method: http.MethodGet, segs: split("/subscriptions/{sub}/providers/microsoft.containerservice/managedclusters"), typ: mc, bucket: bucketListSub, handler: s.listClusters},
		{method: http.MethodGet, segs: split("/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.containerservice/managedclusters"), typ: mc, bucket: bucketListRG, handler: s.listClustersByGroup},
		{method: http.MethodGet, segs: split(clusterPath), typ: mc, bucket: bucketGetCluster, handler: s.getCluster},
		{method: http.MethodPut, segs: split(clusterPath), typ: mc, write: true, bucket: bucketPut, handler: s.putCluster},
		{method: http.MethodGet, segs: split(clusterPath + "/upgradeprofiles/default"), typ: mc, bucket: bucketOther, name: "GetManagedClusterUpgradeProfileHandler.GET", handler: s.getUpgradeProfile},
		{method: http.MethodPost, segs: split(clusterPath + "/listclusterusercredential"), typ: mc, write: true, bucket: bucketOther, name: "ListClusterUserCredentialHandler.POST", handler: s.listUserCredential},
		{method: http.MethodPost, segs: split(clusterPath + "/listclusteradmincredential"), typ: mc, write: true, bucket: bucketOther, name: "ListClusterAdminCredentialHandler.POST", handler: s.listAdminCredential},
		{method: http.MethodPost, segs: split(clusterPath + "/listclustermonitoringusercredential"), typ: mc, write: true, bucket: bucketOther, name: "ListClusterMonitoringUserCredentialHandler.POST", handler: s.listMonitoringCredential},
		{method: http.MethodGet, segs: split(clusterPath + "/agentpools"), typ: mc, bucket: bucketOther, name: "ListAgentPoolsHandler.GET", handler: s.listPools},
		{method: http.MethodGet, segs: split(poolPath), typ: mc, bucket: bucketOther, name: "GetAgentPoolHandler.GET", handler: s.getPool},
		{method: http.MethodPut, segs: split(poolPath), typ: mc, write: true, bucket: bucketPut, handler: s.putPool},
		{method: http.MethodPost, segs: split(poolPath + "/upgradenodeimageversion"), typ: mc, write: true, bucket: bucketOther, name: "UpgradeNodeImageVersionHandler.POST", handler: s.upgradeNodeImage},
		{method: http.MethodGet, segs: split(poolPath + "/upgradeprofiles/default"), typ: mc, bucket: bucketOther, name: "GetAgentPoolUpgradeProfileHandler.GET", handler: s.getPoolUpgradeProfile},
		{method: http.MethodGet, segs: split(clusterPath + "/maintenanceconfigurations"), typ: mc, bucket: bucketOther, name: "ListMaintenanceConfigurationsHandler.GET", handler: s.listMaintenance},
		{method: http.MethodGet, segs: split(clusterPath + "/maintenanceconfigurations/{config}"), typ: mc, bucket: bucketOther, name: "GetMaintenanceConfigurationHandler.GET", handler: s.getMaintenance},
		{method: http.MethodGet, segs: split(locPath + "/kubernetesversions"), typ: "locations/kubernetesVersions", bucket: bucketOther, name: "ListKubernetesVersionsHandler.GET", handler: s.listVersions},
		{method: http.MethodGet, segs: split(locPath + "/operations/{op}"), typ: "locations/operations", bucket: bucketOpStatus, handler: s.getOperation},
		{method: http.MethodGet, segs: split(locPath + "/operationresults/{op}"), typ: "locations/operationresults", bucket: bucketOpStatus, handler: s.getOperationResult},
		// Azure Kubernetes Fleet Manager (fleets.go).
		{method: http.MethodGet, segs: split("/subscriptions/{sub}/providers/microsoft.containerservice/fleets"), typ: "fleets", version: fleetAPIVersion, handler: s.listFleets},
		{method: http.MethodGet, segs: split(fleetPath + "/members"), typ: "fleets/members", version: fleetAPIVersion, handler: s.listFleetMembers},
		{method: http.MethodGet, segs: split(fleetPath + "/autoupgradeprofiles"), typ: "fleets/autoUpgradeProfiles", version: fleetAPIVersion, handler: s.listFleetAutoUpgradeProfiles},
		{method: http.MethodGet, segs: split(fleetPath + "/updateruns"), typ: "fleets/updateRuns", version: fleetAPIVersion, handler: s.listFleetUpdateRuns},
		// Microsoft.Compute (compute.go): any api-version.
		{method: http.MethodGet, segs: split(computeLocPath + "/usages"), handler: s.listComputeUsages},
		{method: http.MethodGet, segs: split(computeLocPath + "/vmsizes"), handler: s.listComputeVMSizes},
	}
	intro := s.introspection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := lower(r.URL.Path)
		switch {
		case strings.HasPrefix(p, "/simulator/"):
			intro.ServeHTTP(w, r)
		case strings.HasPrefix(p, kubePrefix):
			s.serveKube(w, r)
		case strings.HasPrefix(p, probePrefix):
			s.serveProbe(w, r)
		case p == PrometheusPath || strings.HasPrefix(p, PrometheusPath+"/"):
			s.servePrometheus(w, r)
		default:
			s.serveARM(table, w, r)
		}
	})
}

func split(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

// match finds the route for a request. It returns the route whose path
// matches even when the method does not (then methodOK is false).
func match(table []route, method, path string) (rt *route, m routeMatch, methodOK bool) {
	segs := split(path)
	for i := range table {
		t := &table[i]
		params, ok := matchSegs(t.segs, segs)
		if !ok {
			continue
		}
		if t.method == method {
			return t, routeMatch{params}, true
		}
		if rt == nil {
			rt, m = t, routeMatch{params}
		}
	}
	return rt, m, false
}

func matchSegs(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if !strings.EqualFold(p, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// recorder remembers the status a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// serveARM answers one ARM request: authentication, api-version, routing,
// faults and throttling, then the operation itself. One request at a time
// holds the world.
func (s *Simulator) serveARM(table []route, w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, "reading the request failed", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)

	rec := &recorder{ResponseWriter: w}
	rt, m, methodOK := match(table, r.Method, r.URL.Path)
	subID := m.params["sub"]
	if rt == nil {
		if segs := split(r.URL.Path); len(segs) > 1 && strings.EqualFold(segs[0], "subscriptions") {
			subID = segs[1]
		}
	}
	defer func() {
		s.requests = append(s.requests, Request{Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: rec.status, Subscription: subID, API: APIARM})
		s.log.Debug("arm request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "time", now)
	}()
	rec.Header().Set("X-Ms-Request-Id", s.newGUID())
	rec.Header().Set("X-Ms-Correlation-Request-Id", orDefault(r.Header.Get("X-Ms-Correlation-Request-Id"), s.newGUID()))

	if e := authenticate(r); e != nil {
		writeError(rec, e)
		return
	}
	got := r.URL.Query().Get("api-version")
	switch {
	case got == "":
		writeError(rec, errMissingAPIVersion())
		return
	case rt == nil:
		writeError(rec, errNotFound("InvalidResourceType", "The resource type could not be found for api version '"+got+"'."))
		return
	case !methodOK:
		writeError(rec, &armError{status: http.StatusMethodNotAllowed, code: "MethodNotAllowed", message: "The requested resource does not support http method '" + r.Method + "'."})
		return
	case rt.typ != "" && got != rt.apiVersion():
		writeError(rec, errUnsupportedAPIVersion(got, "Microsoft.ContainerService/"+rt.typ, rt.apiVersion()))
		return
	}
	c := &call{w: rec, r: r, now: now, m: m, body: body, base: baseURL(r)}
	var cluster *clusterState
	if subID != "" {
		if c.sub = s.subscription(subID); c.sub == nil {
			writeError(rec, errSubscriptionNotFound(subID))
			return
		}
		if name := m.params["cluster"]; name != "" {
			cluster = c.sub.cluster(m.params["rg"], name)
		} else if op := s.operation(m.params["op"]); op != nil && op.cluster.sub == c.sub {
			cluster = op.cluster
		}
	}
	if wait, hit := s.throttleFault(subID, cluster, now); hit {
		writeError(rec, errThrottled(codeAKSThrottled, wait, "The request limit has been exceeded for SubID='"+subID+"', please retry again in "+retryAfterSeconds(wait)+" seconds (simulated fault). For more information, please visit aka.ms/aks/throttling"))
		return
	}
	if s.throttling {
		region := m.params["loc"]
		if cluster != nil {
			region = cluster.location
		}
		if e := s.throttle(rec, takes(rt, m, region), now); e != nil {
			writeError(rec, e)
			return
		}
	}
	rt.handler(c)
}

func authenticate(r *http.Request) *armError {
	h := r.Header.Get("Authorization")
	if h == "" {
		return errAuth("Authentication failed. The 'Authorization' header is missing.")
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return errAuth("Authentication failed. The 'Authorization' header is provided in an invalid format.")
	}
	return nil
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
