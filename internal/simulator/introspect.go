package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// The /simulator/v1/ endpoints let people and tests look inside. They need
// no authentication, draw from no throttling bucket and are not logged as
// ARM requests.

// State is the answer of GET /simulator/v1/state.
type State struct {
	Time       time.Time           `json:"time"`
	Fleet      aksupgrade.Snapshot `json:"fleet"`
	Operations []OperationStatus   `json:"operations"`
	Faults     []FaultStatus       `json:"faults"`
}

// OperationStatus is a long-running operation as /simulator/v1/state shows
// it.
type OperationStatus struct {
	ID              string    `json:"id"`
	Kind            string    `json:"kind"`
	ClusterID       string    `json:"clusterId"`
	Pool            string    `json:"pool,omitempty"`
	From            string    `json:"from"`
	To              string    `json:"to"`
	Status          string    `json:"status"`
	StartTime       time.Time `json:"startTime"`
	EndTime         time.Time `json:"endTime"`
	PercentComplete float32   `json:"percentComplete"`
	ErrorCode       string    `json:"errorCode,omitempty"`
	ErrorMessage    string    `json:"errorMessage,omitempty"`
}

// TimeInfo is the answer of GET /simulator/v1/time.
type TimeInfo struct {
	Now   time.Time `json:"now"`
	Start time.Time `json:"start"`
	// Elapsed is simulated time since the start, "2d3h".
	Elapsed Duration `json:"elapsed"`
}

// State returns the fleet, the operations (in flight, or all when all is
// true) and the faults.
func (s *Simulator) State(all bool) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	st := State{Time: now, Fleet: s.snapshot(now), Operations: []OperationStatus{}, Faults: s.faultStatuses(now)}
	for _, op := range s.ops {
		if !all && op.status != statusInProgress {
			continue
		}
		o := OperationStatus{
			ID: op.id, Kind: string(op.kind), ClusterID: op.cluster.id(), Pool: poolName(op.pool),
			From: op.from, To: op.to, Status: op.status, StartTime: op.start, EndTime: op.end,
			PercentComplete: op.percent(now),
		}
		if op.err != nil && op.status == statusFailed {
			o.ErrorCode, o.ErrorMessage = op.err.code, op.err.message
		}
		st.Operations = append(st.Operations, o)
	}
	return st
}

func (s *Simulator) introspection() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /simulator/v1/requests", func(w http.ResponseWriter, r *http.Request) {
		switch api := r.URL.Query().Get("api"); api {
		case "", string(APIARM):
			writeJSON(w, http.StatusOK, s.Requests())
		case "all":
			writeJSON(w, http.StatusOK, s.RequestLog())
		case string(APIKubernetes), string(APIProbe), string(APIPrometheus):
			writeJSON(w, http.StatusOK, s.requestsTo(API(api), r.URL.Query().Get("cluster")))
		default:
			writeError(w, errInvalidParameter("api: found %q, want arm, kubernetes, probe, prometheus or all", api))
		}
	})
	mux.HandleFunc("GET /simulator/v1/clusters/{cluster}/endpoints", func(w http.ResponseWriter, r *http.Request) {
		ep, err := s.Endpoints(r.PathValue("cluster"))
		if err != nil {
			writeError(w, errNotFound("NotFound", "No cluster "+r.PathValue("cluster")+"."))
			return
		}
		writeJSON(w, http.StatusOK, ep)
	})
	mux.HandleFunc("GET /simulator/v1/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.State(r.URL.Query().Get("operations") == "all"))
	})
	mux.HandleFunc("GET /simulator/v1/time", func(w http.ResponseWriter, r *http.Request) {
		now := s.clock.Now()
		writeJSON(w, http.StatusOK, TimeInfo{Now: now, Start: s.start, Elapsed: Duration(max(now.Sub(s.start), 0))})
	})
	mux.HandleFunc("GET /simulator/v1/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Faults())
	})
	mux.HandleFunc("POST /simulator/v1/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeError(w, errInvalidBody(err))
			return
		}
		if msgs := s.checkFault(&f); len(msgs) > 0 {
			writeError(w, errInvalidParameter("%s", strings.Join(msgs, "; ")))
			return
		}
		id := s.AddFault(f)
		writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	})
	mux.HandleFunc("DELETE /simulator/v1/faults/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.ClearFault(r.PathValue("id")) {
			writeError(w, errNotFound("NotFound", "No fault "+r.PathValue("id")+"."))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.eventRoutes(mux)
	s.clockRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errNotFound("NotFound", "No simulator endpoint "+r.Method+" "+r.URL.Path+"."))
	})
	return mux
}

// checkFault checks a fault's fields and that its target exists now.
func (s *Simulator) checkFault(f *Fault) []string {
	var msgs []string
	for _, p := range f.check("fault") {
		msgs = append(msgs, p.field+": "+p.msg)
	}
	if m := s.workloadTargetProblem(f); len(msgs) == 0 && m != "" {
		msgs = append(msgs, m)
	}
	if len(msgs) > 0 || (f.Subscription == "" && f.ResourceGroup == "" && f.Cluster == "" && f.Pool == "") {
		return msgs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.subs {
		for _, c := range sub.clusters {
			if !f.hitsCluster(c) {
				continue
			}
			if f.Pool == "" || slices.ContainsFunc(c.pools, f.hitsPool) {
				return nil
			}
		}
	}
	return []string{fmt.Sprintf("no cluster or pool matches the fault's target (subscription %q, resourceGroup %q, cluster %q, pool %q)", f.Subscription, f.ResourceGroup, f.Cluster, f.Pool)}
}
