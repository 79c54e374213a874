package simulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/aksupgrade/aksupgrade/internal/version"
)

// page cuts items into pages of the scenario's page size; $skipToken is
// the offset of the page asked for. next is the absolute link to the next
// page, nil on the last.
func page[T any](s *Simulator, c *call, items []T) (out []T, next *string, e *armError) {
	skip := 0
	if tok := c.r.URL.Query().Get("$skipToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 {
			return nil, nil, errInvalidParameter("The $skipToken %q is invalid.", tok)
		}
		skip = min(n, len(items))
	}
	end := min(skip+s.pageSize, len(items))
	if end < len(items) {
		q := url.Values{"api-version": {c.r.URL.Query().Get("api-version")}, "$skipToken": {strconv.Itoa(end)}}
		link := c.base + c.r.URL.Path + "?" + q.Encode()
		next = &link
	}
	return items[skip:end], next, nil
}

func (s *Simulator) listSubscriptions(c *call) {
	all := make([]*armsubscriptions.Subscription, 0, len(s.subs))
	for _, sub := range s.subs {
		all = append(all, encodeSubscription(sub))
	}
	items, next, e := page(s, c, all)
	if e != nil {
		c.fail(e)
		return
	}
	writeJSON(c.w, http.StatusOK, armsubscriptions.SubscriptionListResult{Value: items, NextLink: next})
}

func (s *Simulator) getSubscription(c *call) {
	writeJSON(c.w, http.StatusOK, encodeSubscription(c.sub))
}

func (s *Simulator) listClusters(c *call) {
	s.writeClusterPage(c, c.sub.clusters)
}

func (s *Simulator) listClustersByGroup(c *call) {
	var in []*clusterState
	for _, cl := range c.sub.clusters {
		if strings.EqualFold(cl.rg, c.param("rg")) {
			in = append(in, cl)
		}
	}
	if len(in) == 0 {
		c.fail(errResourceGroupNotFound(c.param("rg")))
		return
	}
	s.writeClusterPage(c, in)
}

func (s *Simulator) writeClusterPage(c *call, clusters []*clusterState) {
	items, next, e := page(s, c, clusters)
	if e != nil {
		c.fail(e)
		return
	}
	out := armcontainerservice.ManagedClusterListResult{Value: []*armcontainerservice.ManagedCluster{}, NextLink: next}
	for _, cl := range items {
		out.Value = append(out.Value, s.encodeCluster(cl))
	}
	writeJSON(c.w, http.StatusOK, out)
}

// cluster finds the cluster the path names, or answers 404.
func (s *Simulator) cluster(c *call) *clusterState {
	cl := c.sub.cluster(c.param("rg"), c.param("cluster"))
	if cl == nil {
		c.fail(errResourceNotFound("Microsoft.ContainerService/managedClusters", c.param("cluster"), c.param("rg")))
	}
	return cl
}

// pool finds the agent pool the path names, or answers 404.
func (s *Simulator) pool(c *call) *poolState {
	cl := s.cluster(c)
	if cl == nil {
		return nil
	}
	p := cl.pool(c.param("pool"))
	if p == nil {
		c.fail(errResourceNotFound("Microsoft.ContainerService/managedClusters/"+cl.name+"/agentPools", c.param("pool"), c.param("rg")))
	}
	return p
}

func (s *Simulator) getCluster(c *call) {
	if cl := s.cluster(c); cl != nil {
		c.w.Header().Set("ETag", strconv.Quote(cl.etag))
		writeJSON(c.w, http.StatusOK, s.encodeCluster(cl))
	}
}

// preconditions checks If-Match and If-None-Match against etag.
func preconditions(r *http.Request, etag string) *armError {
	if im := r.Header.Get("If-Match"); im != "" && im != "*" && unquote(im) != etag {
		return errPrecondition()
	}
	if inm := r.Header.Get("If-None-Match"); inm == "*" || (inm != "" && unquote(inm) == etag) {
		return errPrecondition()
	}
	return nil
}

func unquote(tag string) string {
	return strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`)
}

// writeGate refuses a write on cl (aimed at pool p, or the cluster when p
// is nil) while an operation runs or a conflict fault hits.
func (s *Simulator) writeGate(c *call, cl *clusterState, p *poolState) bool {
	if cl.op != nil {
		c.fail(errBusy(cl.op, p))
		return false
	}
	if s.fire(FaultConflict, c.now, func(f *Fault) bool { return f.hitsCluster(cl) }) != nil {
		c.fail(errConflict())
		return false
	}
	return true
}

// reconcile is a PUT that changes nothing: a failed resource with nothing
// left to do is provisioned again.
func (s *Simulator) reconcile(cl *clusterState, p *poolState) {
	if p != nil && p.provisioning == stateFailed && p.version == p.target {
		p.provisioning = stateSucceeded
		s.touch(cl, p)
	}
	if cl.provisioning != stateFailed {
		return
	}
	for _, q := range cl.pools {
		if q.provisioning == stateFailed {
			return
		}
	}
	cl.provisioning = stateSucceeded
	s.touch(cl, nil)
}

func (s *Simulator) writeCluster(c *call, cl *clusterState, op *operation) {
	if op != nil {
		s.asyncHeaders(c, op)
	}
	c.w.Header().Set("ETag", strconv.Quote(cl.etag))
	writeJSON(c.w, http.StatusOK, s.encodeCluster(cl))
}

// asyncHeaders points the client at the operation's status
// (Azure-AsyncOperation) and result (Location).
func (s *Simulator) asyncHeaders(c *call, op *operation) {
	base := c.base + "/subscriptions/" + op.cluster.sub.id + "/providers/Microsoft.ContainerService/locations/" + op.cluster.location
	c.w.Header().Set("Azure-AsyncOperation", base+"/operations/"+op.id+"?api-version="+apiVersion)
	c.w.Header().Set("Location", base+"/operationresults/"+op.id+"?api-version="+apiVersion)
}

func (s *Simulator) getUpgradeProfile(c *call) {
	if cl := s.cluster(c); cl != nil {
		writeJSON(c.w, http.StatusOK, s.encodeUpgradeProfile(cl))
	}
}

func (s *Simulator) listPools(c *call) {
	cl := s.cluster(c)
	if cl == nil {
		return
	}
	out := armcontainerservice.AgentPoolListResult{Value: []*armcontainerservice.AgentPool{}}
	for _, p := range cl.pools {
		out.Value = append(out.Value, s.encodePool(p))
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Simulator) getPool(c *call) {
	if p := s.pool(c); p != nil {
		c.w.Header().Set("ETag", strconv.Quote(p.etag))
		writeJSON(c.w, http.StatusOK, s.encodePool(p))
	}
}

func (s *Simulator) putPool(c *call) {
	cl := s.cluster(c)
	if cl == nil {
		return
	}
	p := cl.pool(c.param("pool"))
	if p == nil {
		c.fail(errInvalidParameter("The simulator does not create agent pools; %s is not a pool of %s.", c.param("pool"), cl.name))
		return
	}
	if e := preconditions(c.r, p.etag); e != nil {
		c.fail(e)
		return
	}
	var body armcontainerservice.AgentPool
	if err := json.Unmarshal(c.body, &body); err != nil {
		c.fail(errInvalidBody(err))
		return
	}
	if !s.writeGate(c, cl, p) {
		return
	}
	to := mustVersion(p.version)
	if body.Properties != nil && body.Properties.OrchestratorVersion != nil && *body.Properties.OrchestratorVersion != "" {
		v, e := s.resolvePoolVersion(p, *body.Properties.OrchestratorVersion)
		if e != nil {
			c.fail(e)
			return
		}
		to = v
	}
	if to == mustVersion(p.version) {
		// The pool's goal is its current version again.
		p.target = p.version
		s.reconcile(cl, p)
		s.writePool(c, p, nil, http.StatusOK)
		return
	}
	if s.powerState(cl) == "Stopped" {
		c.fail(errStopped(cl, "upgrading agent pool"))
		return
	}
	if e := s.checkPool(p, to); e != nil {
		c.fail(e)
		return
	}
	op := s.startPool(opNodePool, p, to.String(), c.now)
	s.writePool(c, p, op, http.StatusOK)
}

// resolvePoolVersion reads a pool's requested version; a minor resolves
// to the control plane's version when it is of that minor.
func (s *Simulator) resolvePoolVersion(p *poolState, text string) (version.Version, *armError) {
	if m, err := version.ParseMinor(text); err == nil {
		if cp := mustVersion(p.cluster.version); cp.SameMinor(m) {
			return cp, nil
		}
	}
	return s.resolveVersion(p.cluster, text)
}

func (s *Simulator) writePool(c *call, p *poolState, op *operation, status int) {
	if op != nil {
		s.asyncHeaders(c, op)
	}
	c.w.Header().Set("ETag", strconv.Quote(p.etag))
	writeJSON(c.w, status, s.encodePool(p))
}

func (s *Simulator) upgradeNodeImage(c *call) {
	p := s.pool(c)
	if p == nil || !s.writeGate(c, p.cluster, p) {
		return
	}
	if s.powerState(p.cluster) == "Stopped" {
		c.fail(errStopped(p.cluster, "upgrading node image version"))
		return
	}
	latest := s.latestImage(p)
	if latest == p.image {
		s.reconcile(p.cluster, p)
		s.writePool(c, p, nil, http.StatusOK)
		return
	}
	op := s.startPool(opNodeImage, p, latest, c.now)
	s.writePool(c, p, op, http.StatusAccepted)
}

func (s *Simulator) getPoolUpgradeProfile(c *call) {
	if p := s.pool(c); p != nil {
		writeJSON(c.w, http.StatusOK, s.encodePoolUpgradeProfile(p))
	}
}

func (s *Simulator) listMaintenance(c *call) {
	cl := s.cluster(c)
	if cl == nil {
		return
	}
	out := armcontainerservice.MaintenanceConfigurationListResult{Value: []*armcontainerservice.MaintenanceConfiguration{}}
	for _, name := range configNames {
		if w := cl.windows[name]; w != nil {
			out.Value = append(out.Value, encodeMaintenance(cl, name, w))
		}
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Simulator) getMaintenance(c *call) {
	cl := s.cluster(c)
	if cl == nil {
		return
	}
	for _, name := range configNames {
		if w := cl.windows[name]; w != nil && strings.EqualFold(name, c.param("config")) {
			writeJSON(c.w, http.StatusOK, encodeMaintenance(cl, name, w))
			return
		}
	}
	c.fail(errResourceNotFound("Microsoft.ContainerService/managedClusters/"+cl.name+"/maintenanceConfigurations", c.param("config"), cl.rg))
}

func (s *Simulator) listVersions(c *call) {
	r := s.regions[lower(c.param("loc"))]
	if r == nil {
		c.fail(&armError{status: http.StatusBadRequest, code: "LocationNotAvailableForResourceType",
			message: "The provided location '" + c.param("loc") + "' is not available for resource type 'Microsoft.ContainerService/managedClusters'. List of available regions for the resource type is '" + strings.Join(s.regionOrder, ",") + "'."})
		return
	}
	writeJSON(c.w, http.StatusOK, encodeVersions(r))
}

// operationStatus is ARM's async operation status resource. The SDK has
// no model for it (its pollers read "status" and "error" untyped).
type operationStatus struct {
	ID              string       `json:"id"`
	Name            string       `json:"name"`
	Status          string       `json:"status"`
	StartTime       time.Time    `json:"startTime"`
	EndTime         *time.Time   `json:"endTime,omitempty"`
	PercentComplete float32      `json:"percentComplete"`
	Error           *errorDetail `json:"error,omitempty"`
}

// operation finds the operation the path names, or answers 404.
func (s *Simulator) findOperation(c *call) *operation {
	op := s.operation(c.param("op"))
	if op == nil || op.cluster.sub != c.sub || !strings.EqualFold(op.cluster.location, c.param("loc")) {
		c.fail(errNotFound("NotFound", "Operation "+c.param("op")+" was not found."))
		return nil
	}
	return op
}

func (s *Simulator) statusOf(op *operation, now time.Time) operationStatus {
	st := operationStatus{
		ID:              "/subscriptions/" + op.cluster.sub.id + "/providers/Microsoft.ContainerService/locations/" + op.cluster.location + "/operations/" + op.id,
		Name:            op.id,
		Status:          op.status,
		StartTime:       op.start.UTC(),
		PercentComplete: op.percent(now),
	}
	if op.status != statusInProgress {
		end := op.end.UTC()
		st.EndTime = &end
	}
	if op.status == statusFailed {
		st.Error = op.err.detail()
	}
	return st
}

func (s *Simulator) getOperation(c *call) {
	if op := s.findOperation(c); op != nil {
		writeJSON(c.w, http.StatusOK, s.statusOf(op, c.now))
	}
}

// getOperationResult is the Location of an operation: 202 while it runs,
// then the resource (200), or the operation's error.
func (s *Simulator) getOperationResult(c *call) {
	op := s.findOperation(c)
	if op == nil {
		return
	}
	switch op.status {
	case statusInProgress:
		c.w.Header().Set("Location", c.base+c.r.URL.RequestURI())
		c.w.Header().Set("Retry-After", "10")
		c.w.WriteHeader(http.StatusAccepted)
	case statusFailed:
		writeError(c.w, op.err)
	default:
		if op.pool != nil {
			writeJSON(c.w, http.StatusOK, s.encodePool(op.pool))
		} else {
			writeJSON(c.w, http.StatusOK, s.encodeCluster(op.cluster))
		}
	}
}
