package simulator

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
)

// The simulated Prometheus answers instant queries at
// /prometheus/api/v1/query (GET, or POST with a form), query and an
// optional time (RFC 3339 or Unix seconds), in the Prometheus HTTP API's
// shape (prometheus.io/docs/prometheus/latest/querying/api):
//
//	{"status":"success","data":{"resultType":"vector","result":[{"metric":{...},"value":[<unix>,"<value>"]}]}}
//	{"status":"error","errorType":"bad_data","error":"..."}   400, a malformed query or time
//
// The queries are the subset of PromQL promQuery reads. Its series, for
// each cluster:
//
//	aks_app_error_ratio{cluster="NAME"} 0     the healthy baseline
//
// and, once a metricBreach fault shows, its metric with its value (on the
// baseline's series when it names aks_app_error_ratio). A time more than
// five minutes (Prometheus's lookback) after the simulated now, or before
// the scenario's start, has no samples. It needs no authentication and
// ignores any bearer token (Azure Monitor's managed Prometheus wants an
// Entra ID one).

// baselineMetric is the healthy series every cluster has.
const baselineMetric = "aks_app_error_ratio"

const promLookback = 5 * time.Minute

type promResponse struct {
	Status    string    `json:"status"`
	Data      *promData `json:"data,omitempty"`
	ErrorType string    `json:"errorType,omitempty"`
	Error     string    `json:"error,omitempty"`
}

type promData struct {
	ResultType model.ValueType `json:"resultType"`
	Result     model.Vector    `json:"result"`
}

// promSeries is a series at one time, and the metricBreach fault behind
// its value, if any.
type promSeries struct {
	labels map[string]string
	value  float64
	fault  *activeFault
}

func (s *Simulator) servePrometheus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	rec := &recorder{ResponseWriter: w}
	defer func() {
		s.requests = append(s.requests, Request{Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: rec.status, API: APIPrometheus})
		s.log.Debug("prometheus request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "time", now)
	}()
	if r.URL.Path != PrometheusPath+"/api/v1/query" {
		http.NotFound(rec, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		rec.Header().Set("Allow", "GET, POST")
		http.Error(rec, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		promError(rec, "invalid form: "+err.Error())
		return
	}
	q, err := parsePromQL(r.Form.Get("query"))
	if err != nil {
		promError(rec, `invalid parameter "query": `+err.Error())
		return
	}
	at := now
	if t := r.Form.Get("time"); t != "" {
		if at, err = parsePromTime(t); err != nil {
			promError(rec, `invalid parameter "time": `+err.Error())
			return
		}
	}
	result := model.Vector{}
	if !at.Before(s.start) && !at.After(now.Add(promLookback)) {
		// Nothing is known after now: a time up to the lookback later
		// sees now's samples.
		evalAt := at
		if at.After(now) {
			evalAt = now
		}
		var saw []*activeFault
		for _, ser := range s.promSeries(evalAt) {
			if !q.matches(ser.labels) || !q.keeps(ser.value) {
				continue
			}
			m := model.Metric{}
			for k, v := range ser.labels {
				m[model.LabelName(k)] = model.LabelValue(v)
			}
			result = append(result, &model.Sample{Metric: m, Value: model.SampleValue(ser.value), Timestamp: model.TimeFromUnixNano(at.UnixNano())})
			if ser.fault != nil {
				saw = append(saw, ser.fault)
			}
		}
		for _, f := range saw {
			f.fired++
		}
	}
	writeJSON(rec, http.StatusOK, promResponse{Status: "success", Data: &promData{ResultType: model.ValVector, Result: result}})
}

func promError(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, promResponse{Status: "error", ErrorType: "bad_data", Error: msg})
}

// parsePromTime reads a time as Prometheus does: Unix seconds, with a
// fraction, or RFC 3339.
func parsePromTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("cannot parse \"" + s + "\" to a valid timestamp")
}

// promSeries lists every series at time at.
func (s *Simulator) promSeries(at time.Time) []promSeries {
	var out []promSeries
	for _, sub := range s.subs {
		for _, c := range sub.clusters {
			base := promSeries{labels: map[string]string{"__name__": baselineMetric, "cluster": c.name}}
			var extra []promSeries
			for _, sh := range s.shownFaults(FaultMetricBreach, c, nil, at, nil) {
				if sh.f.Metric == baselineMetric {
					base.value, base.fault = *sh.f.Value, sh.f
					continue
				}
				extra = append(extra, promSeries{labels: map[string]string{"__name__": sh.f.Metric, "cluster": c.name}, value: *sh.f.Value, fault: sh.f})
			}
			out = append(append(out, base), extra...)
		}
	}
	return out
}
