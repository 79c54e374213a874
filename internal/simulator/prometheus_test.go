package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

func (e *env) prometheus() promv1.API {
	e.t.Helper()
	client, err := promapi.NewClient(promapi.Config{Address: e.srv.URL + PrometheusPath, Client: e.srv.Client()})
	if err != nil {
		e.t.Fatal(err)
	}
	return promv1.NewAPI(client)
}

// query runs an instant query at the simulated now and sums the vector up.
func query(t *testing.T, api promv1.API, q string, at time.Time) []string {
	t.Helper()
	v, warnings, err := api.Query(context.Background(), q, at)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(warnings) > 0 {
		t.Errorf("%s: warnings %v", q, warnings)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		t.Fatalf("%s: a %s, want a vector", q, v.Type())
	}
	out := []string{}
	for _, s := range vec {
		if !s.Timestamp.Time().Equal(at.Truncate(time.Millisecond)) {
			t.Errorf("%s: sample at %s, want %s", q, s.Timestamp.Time(), at)
		}
		out = append(out, s.Metric.String()+" "+s.Value.String())
	}
	slices.Sort(out)
	return out
}

func TestPrometheusQueries(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml")
	api := e.prometheus()
	now := e.sim.Now()

	all := query(t, api, "aks_app_error_ratio", now)
	if len(all) != 4 || all[0] != `aks_app_error_ratio{cluster="aks-entra"} 0` {
		t.Errorf("baseline: %v", all)
	}
	breach := `aks_app_error_ratio{cluster="aks-entra"} > 0.05`
	if got := query(t, api, breach, now); len(got) != 0 {
		t.Errorf("%s before any fault: %v", breach, got)
	}

	e.sim.AddFault(Fault{Kind: FaultMetricBreach, Cluster: "aks-entra", Metric: "aks_app_error_ratio", Value: ptr(0.2)})
	e.sim.AddFault(Fault{Kind: FaultMetricBreach, Cluster: "aks-entra", Metric: "http_requests_failing", Value: ptr(12.0), AfterUpgrade: ptr(false)})
	if got := query(t, api, breach, now); len(got) != 0 {
		t.Errorf("%s before the upgrade: %v", breach, got)
	}
	if got := query(t, api, `http_requests_failing >= 10`, now); !slices.Equal(got, []string{`http_requests_failing{cluster="aks-entra"} 12`}) {
		t.Errorf("a breach at once: %v", got)
	}
	if _, err := e.upgradeControlPlane("rg-a", "aks-entra", "1.30.10"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	now = e.sim.Now()
	if got := query(t, api, breach, now); !slices.Equal(got, []string{`aks_app_error_ratio{cluster="aks-entra"} 0.2`}) {
		t.Errorf("%s after the upgrade: %v", breach, got)
	}
	// Before the upgrade ended, the series was healthy.
	if got := query(t, api, breach, now.Add(-time.Minute)); len(got) != 0 {
		t.Errorf("%s a minute before: %v", breach, got)
	}
	for q, want := range map[string][]string{
		`aks_app_error_ratio{cluster!="aks-entra"} != 0`:             {},
		`aks_app_error_ratio{cluster=~"aks-(entra|local)"}`:          {`aks_app_error_ratio{cluster="aks-entra"} 0.2`, `aks_app_error_ratio{cluster="aks-local"} 0`},
		`{__name__="aks_app_error_ratio", cluster='aks-local'} == 0`: {`aks_app_error_ratio{cluster="aks-local"} 0`},
		`aks_app_error_ratio{cluster!~"aks-.*"}`:                     {},
		`aks_app_error_ratio < 0.1`:                                  {`aks_app_error_ratio{cluster="aks-local"} 0`, `aks_app_error_ratio{cluster="aks-off"} 0`, `aks_app_error_ratio{cluster="aks-strict"} 0`},
		`nothing_here`:                                               {},
	} {
		if got := query(t, api, q, now); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	// Past Prometheus's lookback there are no samples.
	if got := query(t, api, "aks_app_error_ratio", now.Add(6*time.Minute)); len(got) != 0 {
		t.Errorf("six minutes ahead: %v", got)
	}

	_, _, err := api.Query(context.Background(), "sum(aks_app_error_ratio)", now)
	var perr *promv1.Error
	if !errors.As(err, &perr) || perr.Type != promv1.ErrBadData || !strings.Contains(perr.Msg, `invalid parameter "query"`) {
		t.Errorf("an aggregation: %v, want bad_data", err)
	}
}

func TestPrometheusMetricBreachCount(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml")
	api := e.prometheus()
	e.sim.AddFault(Fault{Kind: FaultMetricBreach, Cluster: "aks-local", Metric: "aks_app_error_ratio", Value: ptr(0.5), AfterUpgrade: ptr(false), Count: 1})
	now := e.sim.Now()
	// A query that does not see the breach does not spend it.
	query(t, api, `aks_app_error_ratio{cluster="aks-entra"}`, now)
	if got := query(t, api, `aks_app_error_ratio > 0.05`, now); len(got) != 1 {
		t.Errorf("first: %v", got)
	}
	if got := query(t, api, `aks_app_error_ratio > 0.05`, now); len(got) != 0 {
		t.Errorf("after the breach was seen once: %v", got)
	}
}

func TestPrometheusWire(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml")
	get := func(method, query string) (int, promResponse) {
		t.Helper()
		u := e.srv.URL + PrometheusPath + "/api/v1/query"
		var resp *http.Response
		var err error
		if method == http.MethodGet {
			resp, err = e.srv.Client().Get(u + "?" + query)
		} else {
			resp, err = e.srv.Client().Post(u, "application/x-www-form-urlencoded", strings.NewReader(query))
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var pr promResponse
		if err := json.Unmarshal(body, &pr); err != nil && resp.StatusCode != 404 {
			t.Fatalf("%s: %s", err, body)
		}
		return resp.StatusCode, pr
	}
	e.clock.Advance(time.Minute)
	ts := e.sim.Now().Add(-time.Second)
	q := url.Values{"query": {`aks_app_error_ratio{cluster="aks-local"}`}, "time": {ts.Format(time.RFC3339)}}.Encode()
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		code, pr := get(m, q)
		if code != 200 || pr.Status != "success" || pr.Data.ResultType != model.ValVector || len(pr.Data.Result) != 1 ||
			!pr.Data.Result[0].Timestamp.Time().Equal(ts) {
			t.Errorf("%s: %d %+v %+v", m, code, pr, pr.Data)
		}
	}
	for _, bad := range []string{"", "query=", "query=" + url.QueryEscape("up{job=}"), "query=up&time=yesterday", "query=" + url.QueryEscape("rate(x[5m])")} {
		code, pr := get(http.MethodGet, bad)
		if code != 400 || pr.Status != "error" || pr.ErrorType != "bad_data" || pr.Error == "" {
			t.Errorf("%q: %d %+v, want 400 bad_data", bad, code, pr)
		}
	}
	if code, _ := get(http.MethodGet, "query=up"); code != 200 {
		t.Errorf("a metric nobody has: %d", code)
	}
	resp, err := e.srv.Client().Get(e.srv.URL + PrometheusPath + "/api/v1/query_range?query=up")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("query_range: %d, want 404 (not simulated)", resp.StatusCode)
	}
	if got := len(e.sim.requestsTo(APIPrometheus, "")); got != 9 {
		t.Errorf("%d Prometheus requests logged, want 9", got)
	}
}

func TestParsePromQL(t *testing.T) {
	for _, tc := range []struct {
		in      string
		matches map[string]string
		value   float64
		want    bool
	}{
		{`up`, map[string]string{"__name__": "up"}, 1, true},
		{` up {job="a" , } `, map[string]string{"__name__": "up", "job": "a"}, 1, true},
		{`up{job="a"}`, map[string]string{"__name__": "up"}, 1, false},
		{`up{job!="a"}`, map[string]string{"__name__": "up"}, 1, true},
		{`up{job=~"a|b"}`, map[string]string{"__name__": "up", "job": "b"}, 1, true},
		{`up{job=~"a"}`, map[string]string{"__name__": "up", "job": "ab"}, 1, false},
		{`up{job!~"a.*"}`, map[string]string{"__name__": "up", "job": "b"}, 1, true},
		{`up{path="a\"b"}`, map[string]string{"__name__": "up", "path": `a"b`}, 1, true},
		{"up{path=`a\\b`}", map[string]string{"__name__": "up", "path": `a\b`}, 1, true},
		{`up{path='it\'s'}`, map[string]string{"__name__": "up", "path": `it's`}, 1, true},
		{`x > 0.05`, map[string]string{"__name__": "x"}, 0.06, true},
		{`x > 0.05`, map[string]string{"__name__": "x"}, 0.05, false},
		{`x>=5e-2`, map[string]string{"__name__": "x"}, 0.05, true},
		{`x < -1`, map[string]string{"__name__": "x"}, -2, true},
		{`x <= +Inf`, map[string]string{"__name__": "x"}, 1e300, true},
		{`x == 3`, map[string]string{"__name__": "x"}, 3, true},
		{`x != 3`, map[string]string{"__name__": "x"}, 3, false},
		{`ns:x:rate5m`, map[string]string{"__name__": "ns:x:rate5m"}, 0, true},
	} {
		q, err := parsePromQL(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := q.matches(tc.matches) && q.keeps(tc.value); got != tc.want {
			t.Errorf("%s on %v = %v: %v, want %v", tc.in, tc.matches, tc.value, got, tc.want)
		}
	}
	for in, want := range map[string]string{
		``:                 "1:1: parse error: no expression found in input",
		`   `:              "1:4: parse error: no expression found in input",
		`{job=""}`:         "1:1: parse error: vector selector must contain at least one non-empty matcher",
		`up{job}`:          "1:7: parse error: unexpected character inside braces after label job",
		`up{job="a"`:       "1:11: parse error: unexpected character inside braces",
		`up{job="a}`:       "1:8: parse error: unterminated quoted string",
		`up{job=~"("}`:     "1:4: parse error: invalid regular expression",
		`up + 1`:           "1:4: parse error: unexpected '+'",
		`up > bool 1`:      "1:6: parse error: the bool modifier is not supported",
		`up > x`:           "1:6: parse error: want a number after >",
		`up > 1 and down`:  "1:8: parse error: unexpected 'a' after the number",
		`sum(up)`:          "1:1: parse error: the simulated Prometheus answers only selectors",
		`rate(up[5m])`:     "1:1: parse error: the simulated Prometheus answers only selectors",
		`up[5m]`:           "1:3: parse error: unexpected '['",
		`1 > up`:           "1:1: parse error: unexpected character: '1'",
		`up offset 5m`:     "1:4: parse error: unexpected 'o'",
		`up{job="a" job2}`: "1:12: parse error: unexpected character inside braces",
	} {
		_, err := parsePromQL(in)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: %v, want %s...", in, err, want)
		}
	}
}
