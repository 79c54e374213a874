package simulator

import (
	"net/http"
	"strings"
)

// serveProbe answers a cluster's application probe URL,
// /probe/{subscription}/{resourceGroup}/{cluster}: 200 while the
// application answers, 503 while an appUnavailable fault shows (each 503
// counts as the fault firing) or the cluster is stopped, 404 for a
// cluster that does not exist. It needs no authentication: it stands for
// an application's public health endpoint.
func (s *Simulator) serveProbe(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path[len(probePrefix):], "/"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	var c *clusterState
	if len(parts) == 3 {
		if sub := s.subscription(parts[0]); sub != nil {
			c = sub.cluster(parts[1], parts[2])
		}
	}
	rec := &recorder{ResponseWriter: w}
	req := Request{Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, API: APIProbe, Subscription: parts[0]}
	defer func() {
		req.Status = rec.status
		s.requests = append(s.requests, req)
		s.log.Debug("probe request", "path", r.URL.Path, "status", rec.status, "time", now)
	}()
	switch {
	case c == nil:
		http.Error(rec, "no such cluster", http.StatusNotFound)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		rec.Header().Set("Allow", "GET, HEAD")
		http.Error(rec, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	req.Cluster = c.id()
	if s.powerState(c) == "Stopped" {
		http.Error(rec, "service unavailable: the cluster is stopped", http.StatusServiceUnavailable)
		return
	}
	if f, _ := s.shownFault(FaultAppUnavailable, c, nil, now, true, nil); f != nil {
		http.Error(rec, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	rec.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = rec.Write([]byte("ok\n")) // a failed write means the client has gone
}
