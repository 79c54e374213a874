package gates

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// probe: an HTTP GET of the probe's URL answers the expected status in
// time.
func (k *Checker) probe(ctx context.Context, c aksupgrade.Cluster, p policy.Probe, r *aksupgrade.GateResult) {
	u := policy.Expand(p.URL, c)
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		r.Verdict, r.Saw = aksupgrade.GateFailed, fmt.Sprintf("GET %s: %v", u, err)
		return
	}
	req.Header.Set("User-Agent", "aksupgrade")
	resp, err := k.o.HTTP.Do(req)
	if err != nil {
		r.Verdict, r.Saw = aksupgrade.GateFailed, fmt.Sprintf("GET %s: no answer within %s: %v", u, p.Timeout, err)
		r.Fix = "the endpoint must answer the service; check the application and the network, then aksupgrade rollout retry --stage STAGE"
		return
	}
	// The body tells nothing more; reading a little lets the connection
	// be reused, and an error reading it changes nothing.
	_, _ = io.CopyN(io.Discard, resp.Body, 4096)
	_ = resp.Body.Close()
	if resp.StatusCode != p.ExpectStatus {
		r.Verdict, r.Saw = aksupgrade.GateFailed, fmt.Sprintf("GET %s answered %d, want %d", u, resp.StatusCode, p.ExpectStatus)
		r.Fix = "look at the application on this cluster; once it answers, run aksupgrade rollout retry --stage STAGE"
		return
	}
	r.Verdict, r.Saw = aksupgrade.GatePassed, fmt.Sprintf("GET %s answered %d", u, resp.StatusCode)
}

// query: a Prometheus instant query, alert style, returns no series.
func (k *Checker) query(ctx context.Context, c aksupgrade.Cluster, q policy.Query, r *aksupgrade.GateResult) {
	expr := policy.Expand(q.Query, c)
	rt := http.RoundTripper(http.DefaultTransport)
	if k.o.HTTP.Transport != nil {
		rt = k.o.HTTP.Transport
	}
	if q.Auth != "none" {
		if k.o.Tokens == nil {
			r.Verdict, r.Saw = aksupgrade.GateUnknown, "could not look: no way to get a token for "+q.Auth+" is configured"
			return
		}
		tok, err := k.o.Tokens(ctx, q)
		if err != nil {
			r.Verdict, r.Saw = aksupgrade.GateUnknown, "could not look: the query's token: "+errorText(err)
			r.Fix = "check the token's environment variable or file, or the service's Azure identity's access to the workspace"
			return
		}
		rt = bearer{token: tok, next: rt}
	}
	client, err := promapi.NewClient(promapi.Config{Address: q.URL, RoundTripper: rt})
	if err != nil {
		r.Verdict, r.Saw = aksupgrade.GateUnknown, fmt.Sprintf("could not look: Prometheus at %s: %v", q.URL, err)
		return
	}
	val, warnings, err := promv1.NewAPI(client).Query(ctx, expr, k.o.Clock.Now())
	if err != nil {
		r.Verdict, r.Saw = aksupgrade.GateUnknown, fmt.Sprintf("could not look: %s at %s: %v", expr, q.URL, err)
		r.Fix = "check the query and that Prometheus answers the service"
		return
	}
	vec, ok := val.(model.Vector)
	if !ok {
		r.Verdict, r.Saw = aksupgrade.GateFailed, fmt.Sprintf("%s returned a %s, want an instant vector (series only when something is wrong)", expr, val.Type())
		r.Fix = "write the query so that it returns series, alert style"
		return
	}
	if len(vec) == 0 {
		r.Verdict, r.Saw = aksupgrade.GatePassed, fmt.Sprintf("%s: no series", expr)
		if len(warnings) > 0 {
			r.Saw += " (Prometheus warned: " + strings.Join(warnings, "; ") + ")"
		}
		return
	}
	var series []string
	for _, s := range vec {
		series = append(series, fmt.Sprintf("%s = %s", s.Metric, s.Value))
	}
	sort.Strings(series)
	if len(series) > 5 {
		series = append(series[:5], fmt.Sprintf("and %d more", len(vec)-5))
	}
	r.Verdict = aksupgrade.GateFailed
	r.Saw = fmt.Sprintf("%s: %s", expr, strings.Join(series, ", "))
	r.Fix = "the query found a breach on this cluster: fix its cause, then aksupgrade rollout retry --stage STAGE"
}

// bearer adds a bearer token to each request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}
