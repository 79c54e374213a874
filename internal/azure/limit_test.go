package azure

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestBucket(t *testing.T) {
	b := &bucket{rate: Rate{Burst: 2, Every: time.Second}, tokens: 2, last: t0}
	steps := []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, 0},
		{0, 0},
		{0, time.Second}, // empty
		{250 * time.Millisecond, 750 * time.Millisecond}, // a quarter refilled
		{time.Second, 0},
		{time.Second, time.Second},
		{10 * time.Second, 0}, // refilled to the burst, not beyond
		{10 * time.Second, 0},
		{10 * time.Second, time.Second},
	}
	for i, s := range steps {
		if got := b.take(t0.Add(s.at)); got != s.want {
			t.Errorf("step %d at +%v: wait %v, want %v", i, s.at, got, s.want)
		}
	}
	b.pause(t0.Add(time.Minute))
	if got := b.take(t0.Add(20 * time.Second)); got != 40*time.Second {
		t.Errorf("paused bucket: wait %v, want 40s", got)
	}
	if got := b.take(t0.Add(time.Minute)); got != 0 {
		t.Errorf("after the pause: wait %v, want 0", got)
	}
}

func TestClassifyRequest(t *testing.T) {
	const mc = "/subscriptions/SUB1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1"
	tests := []struct {
		method, path string
		ctxSub       string
		want         []bucketKey
	}{
		{"GET", mc, "", []bucketKey{{classRead, "sub1"}, {classClusterGet, strings.ToLower(mc)}}},
		{"GET", "/subscriptions/sub1/providers/Microsoft.ContainerService/managedClusters", "", []bucketKey{{classRead, "sub1"}, {classClusterList, "sub1"}}},
		{"GET", "/subscriptions/sub1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters", "", []bucketKey{{classRead, "sub1"}}},
		{"GET", "/subscriptions", "", []bucketKey{{classRead, ""}}},
		{"PUT", mc, "", []bucketKey{{classWrite, "sub1"}, {classResourcePut, strings.ToLower(mc)}}},
		{"PUT", mc + "/agentPools/np1", "", []bucketKey{{classWrite, "sub1"}, {classResourcePut, strings.ToLower(mc + "/agentPools/np1")}}},
		// AKS's "all other APIs": per subscription and the cluster's region.
		{"POST", mc + "/agentPools/np1/upgradeNodeImageVersion", "", []bucketKey{{classWrite, "sub1"}, {classOther, "sub1/westeurope"}}},
		{"POST", mc + "/listClusterUserCredential", "", []bucketKey{{classWrite, "sub1"}, {classOther, "sub1/westeurope"}}},
		{"POST", mc + "/listClusterAdminCredential", "", []bucketKey{{classWrite, "sub1"}, {classOther, "sub1/westeurope"}}},
		{"PUT", mc + "/maintenanceConfigurations/default", "", []bucketKey{{classWrite, "sub1"}, {classOther, "sub1/westeurope"}}},
		{"GET", mc + "/maintenanceConfigurations", "", []bucketKey{{classRead, "sub1"}, {classOther, "sub1/westeurope"}}},
		{"GET", mc + "/upgradeProfiles/default", "", []bucketKey{{classRead, "sub1"}, {classOther, "sub1/westeurope"}}},
		{"GET", mc + "/agentPools/np1/upgradeProfiles/default", "", []bucketKey{{classRead, "sub1"}, {classOther, "sub1/westeurope"}}},
		{"GET", mc + "/agentPools", "", []bucketKey{{classRead, "sub1"}, {classOther, "sub1/westeurope"}}},
		// A cluster the provider has not read yet: a bucket of its own.
		{"GET", strings.Replace(mc, "c1", "c2", 1) + "/agentPools", "", []bucketKey{{classRead, "sub1"}, {classOther, "sub1/"}}},
		{"GET", "/subscriptions/sub1/providers/Microsoft.ContainerService/locations/westus/operations/abc", "", []bucketKey{{classRead, "sub1"}, {classOpStatus, "sub1"}}},
		{"GET", "/subscriptions/sub1/providers/Microsoft.ContainerService/locations/westus/operationresults/abc", "", []bucketKey{{classRead, "sub1"}, {classOpStatus, "sub1"}}},
		// The operation URL of the 2025-02-01 examples has no subscription:
		// the request's context tells it.
		{"GET", "/providers/Microsoft.ContainerService/locations/westus/operations/abc", "Sub2", []bucketKey{{classRead, "sub2"}, {classOpStatus, "sub2"}}},
		{"GET", "/subscriptions/sub1/providers/Microsoft.ContainerService/locations/West US/kubernetesVersions", "", []bucketKey{{classRead, "sub1"}, {classOther, "sub1/westus"}}},
		// Microsoft.Compute: ARM's bucket only.
		{"GET", "/subscriptions/sub1/providers/Microsoft.Compute/locations/westus/usages", "", []bucketKey{{classRead, "sub1"}}},
	}
	l := newLimiter(clock.NewManual(t0), Limits{}, slog.New(slog.DiscardHandler))
	l.learnRegion(mc, "West Europe")
	for _, tt := range tests {
		ctx := context.Background()
		if tt.ctxSub != "" {
			ctx = withSubscription(ctx, tt.ctxSub)
		}
		r, _ := http.NewRequestWithContext(ctx, tt.method, "https://management.azure.com"+tt.path+"?api-version=2025-02-01", nil)
		if d := cmp.Diff(tt.want, l.classify(r), cmp.AllowUnexported(bucketKey{})); d != "" {
			t.Errorf("%s %s (-want +got):\n%s", tt.method, tt.path, d)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		header http.Header
		want   time.Duration
	}{
		{http.Header{"Retry-After": {"30"}}, 30 * time.Second},
		{http.Header{"Retry-After": {t0.Add(2 * time.Minute).Format(http.TimeFormat)}}, 2 * time.Minute},
		{http.Header{"Retry-After": {t0.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"9"}}, 1500 * time.Millisecond},
		{http.Header{"X-Ms-Retry-After-Ms": {"250"}}, 250 * time.Millisecond},
		{http.Header{"Retry-After": {"3600"}}, MaxRetryAfter},
		{http.Header{"Retry-After-Ms": {"86400000"}}, MaxRetryAfter},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{}, 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, t0); got != tt.want {
			t.Errorf("retryAfter(%v) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestLimitsDefaults(t *testing.T) {
	got := Limits{Writes: Rate{Burst: 5, Every: time.Second}, ThrottleRetries: -1}.withDefaults()
	want := DefaultLimits()
	want.Writes = Rate{Burst: 5, Every: time.Second}
	want.ThrottleRetries = 0
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("limits (-want +got):\n%s", d)
	}
}

// waitForWaiters returns once the manual clock has n pending waiters,
// that is once the code under test is asleep on it.
func waitForWaiters(t *testing.T, c *clock.Manual, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.Waiters() < n {
		if time.Now().After(deadline) {
			t.Fatalf("nothing waits on the clock (want %d waiters, have %d)", n, c.Waiters())
		}
		runtime.Gosched()
	}
}

func TestLimiterWaitsOnTheClock(t *testing.T) {
	c := clock.NewManual(t0)
	l := newLimiter(c, Limits{Reads: Rate{Burst: 1, Every: 10 * time.Second}}, slog.New(slog.DiscardHandler))
	keys := []bucketKey{{classRead, "s"}}
	if err := l.wait(context.Background(), keys); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.wait(context.Background(), keys) }()
	waitForWaiters(t, c, 1)
	select {
	case err := <-done:
		t.Fatalf("second token given at once (%v)", err)
	default:
	}
	c.Advance(10 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- l.wait(ctx, keys) }()
	waitForWaiters(t, c, 1)
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("wait after cancel = %v, want context.Canceled", err)
	}
}

// scripted is a policy.Transporter answering from a script, for the
// policy's own unit tests (the provider's behaviour against a server is
// tested against the simulator).
type scripted struct {
	mu    sync.Mutex
	resps []func(*http.Request) *http.Response
	reqs  []string
}

func (s *scripted) Do(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
	if len(s.resps) == 0 {
		return reply(r, 500, nil, `{"error":{"code":"Unscripted","message":"no more answers"}}`), nil
	}
	f := s.resps[0]
	s.resps = s.resps[1:]
	return f(r), nil
}

func (s *scripted) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}

func reply(r *http.Request, status int, h http.Header, body string) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: r}
}

func answer(status int, h http.Header, body string) func(*http.Request) *http.Response {
	return func(r *http.Request) *http.Response { return reply(r, status, h, body) }
}

const catalogBody = `{"values":[{"version":"1.31","capabilities":{"supportPlan":["KubernetesOfficial"]},"patchVersions":{"1.31.4":{"upgrades":[]}}}]}`

func newScriptedProvider(t *testing.T, c aksupgrade.Clock, s *scripted, l Limits) *Provider {
	t.Helper()
	p, err := New(Options{Endpoint: "http://127.0.0.1:9", Clock: c, Transport: s, Limits: l})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestThrottledRequestWaitsOutRetryAfterOnTheClock(t *testing.T) {
	c := clock.NewManual(t0)
	s := &scripted{resps: []func(*http.Request) *http.Response{
		answer(429, http.Header{"Retry-After": {"30"}}, `{"error":{"code":"Throttled","message":"slow down"}}`),
		answer(200, nil, catalogBody),
	}}
	p := newScriptedProvider(t, c, s, Limits{})
	type result struct {
		cat aksupgrade.KubernetesVersionList
		err error
	}
	done := make(chan result, 1)
	go func() {
		cat, err := p.Catalog(context.Background(), "sub1", "westeurope")
		done <- result{cat, err}
	}()
	waitForWaiters(t, c, 1)
	if n := len(s.requests()); n != 1 {
		t.Fatalf("%d requests before Retry-After passed, want 1", n)
	}
	c.Advance(29 * time.Second)
	select {
	case r := <-done:
		t.Fatalf("returned before Retry-After: %v", r.err)
	default:
	}
	c.Advance(time.Second)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.cat.Values) != 1 || r.cat.Values[0].Version != "1.31" {
		t.Errorf("catalog = %+v", r.cat)
	}
	want := []string{
		"GET /subscriptions/sub1/providers/Microsoft.ContainerService/locations/westeurope/kubernetesVersions auth=Bearer aksupgrade-simulator",
		"GET /subscriptions/sub1/providers/Microsoft.ContainerService/locations/westeurope/kubernetesVersions auth=Bearer aksupgrade-simulator",
	}
	if d := cmp.Diff(want, s.requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

func TestThrottlingThatLastsIsErrThrottled(t *testing.T) {
	c := clock.NewManual(t0)
	throttle := answer(429, http.Header{"Retry-After": {"5"}}, `{"error":{"code":"Throttled","message":"slow down"}}`)
	s := &scripted{resps: []func(*http.Request) *http.Response{throttle, throttle}}
	p := newScriptedProvider(t, c, s, Limits{ThrottleRetries: 1})
	done := make(chan error, 1)
	go func() {
		_, err := p.Catalog(context.Background(), "sub1", "westeurope")
		done <- err
	}()
	waitForWaiters(t, c, 1)
	c.Advance(5 * time.Second)
	err := <-done
	var want = &aksupgrade.Error{Code: aksupgrade.ErrThrottled, AzureCode: "Throttled", Message: "slow down", Status: 429, RetryAfter: 5 * time.Second}
	var got *aksupgrade.Error
	if !errors.As(err, &got) {
		t.Fatalf("err = %v, want an *aksupgrade.Error", err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("error (-want +got):\n%s", d)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (one retry)", n)
	}
}

func TestTransientFailureIsRetriedWithBackoffOnTheClock(t *testing.T) {
	c := clock.NewManual(t0)
	s := &scripted{resps: []func(*http.Request) *http.Response{
		answer(503, nil, `{"error":{"code":"ServiceUnavailable","message":"try later"}}`),
		answer(500, nil, `{"error":{"code":"InternalServerError","message":"oops"}}`),
		answer(200, nil, catalogBody),
	}}
	p := newScriptedProvider(t, c, s, Limits{})
	done := make(chan error, 1)
	go func() {
		_, err := p.Catalog(context.Background(), "sub1", "westeurope")
		done <- err
	}()
	waitForWaiters(t, c, 1)
	c.Advance(time.Second) // first backoff
	waitForWaiters(t, c, 1)
	c.Advance(2 * time.Second) // second backoff
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}
