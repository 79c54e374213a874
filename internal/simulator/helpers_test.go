package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksupgrade/aksupgrade/internal/clock"
)

const (
	subOne = "11111111-1111-4111-8111-111111111111"
	subTwo = "22222222-2222-4222-8222-222222222222"
)

// fakeCredential hands out a fixed token.
type fakeCredential struct{}

func (fakeCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "simulated-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// env is a simulator behind a real HTTP server, on a manual clock.
type env struct {
	t     *testing.T
	sim   *Simulator
	clock *clock.Manual
	srv   *httptest.Server
}

// newEnv starts the scenario file (in testdata) after applying the
// changes.
func newEnv(t *testing.T, file string, changes ...func(*Scenario)) *env {
	t.Helper()
	sc, err := LoadScenario("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		ch(sc)
	}
	return newEnvFrom(t, sc)
}

// newEnvFrom starts a scenario.
func newEnvFrom(t *testing.T, sc *Scenario) *env {
	t.Helper()
	clk := clock.NewManual(sc.Start)
	sim, err := New(Options{Clock: clk, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, sim: sim, clock: clk, srv: srv}
}

func (e *env) options() *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud: cloud.Configuration{
			ActiveDirectoryAuthorityHost: e.srv.URL,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: e.srv.URL, Audience: e.srv.URL},
			},
		},
		InsecureAllowCredentialWithHTTP: true,
		Retry:                           policy.RetryOptions{MaxRetries: -1},
		Transport:                       e.srv.Client(),
	}}
}

func (e *env) factory(sub string) *armcontainerservice.ClientFactory {
	e.t.Helper()
	f, err := armcontainerservice.NewClientFactory(sub, fakeCredential{}, e.options())
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *env) clusters() *armcontainerservice.ManagedClustersClient {
	return e.factory(subOne).NewManagedClustersClient()
}

func (e *env) pools() *armcontainerservice.AgentPoolsClient {
	return e.factory(subOne).NewAgentPoolsClient()
}

// getCluster reads a cluster of subscription one through the SDK.
func (e *env) getCluster(rg, name string) armcontainerservice.ManagedCluster {
	e.t.Helper()
	resp, err := e.clusters().Get(context.Background(), rg, name, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.ManagedCluster
}

func (e *env) getPool(rg, cluster, pool string) armcontainerservice.AgentPool {
	e.t.Helper()
	resp, err := e.pools().Get(context.Background(), rg, cluster, pool, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.AgentPool
}

// upgradeControlPlane reads the cluster, sets its version and PUTs it.
func (e *env) upgradeControlPlane(rg, name, v string) (*pollerOf[armcontainerservice.ManagedClustersClientCreateOrUpdateResponse], error) {
	e.t.Helper()
	mc := e.getCluster(rg, name)
	mc.Properties.KubernetesVersion = &v
	p, err := e.clusters().BeginCreateOrUpdate(context.Background(), rg, name, mc, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: mc.ETag})
	if err != nil {
		return nil, err
	}
	return &pollerOf[armcontainerservice.ManagedClustersClientCreateOrUpdateResponse]{p}, nil
}

// upgradePool reads the pool, sets its version and PUTs it; the poller is
// returned for the caller to drive.
func (e *env) upgradePool(rg, cluster, pool, v string) (*pollerOf[armcontainerservice.AgentPoolsClientCreateOrUpdateResponse], error) {
	e.t.Helper()
	ap := e.getPool(rg, cluster, pool)
	ap.Properties.OrchestratorVersion = &v
	p, err := e.pools().BeginCreateOrUpdate(context.Background(), rg, cluster, pool, ap, nil)
	if err != nil {
		return nil, err
	}
	return &pollerOf[armcontainerservice.AgentPoolsClientCreateOrUpdateResponse]{p}, nil
}

// raw sends an authenticated ARM request with api-version 2025-02-01
// unless path has a query already.
func (e *env) raw(method, path string, body any) (*http.Response, []byte) {
	e.t.Helper()
	return e.rawHeaders(method, path, body, http.Header{"Authorization": {"Bearer x"}})
}

func (e *env) rawHeaders(method, path string, body any, h http.Header) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	if !bytes.ContainsRune([]byte(path), '?') {
		path += "?api-version=" + apiVersion
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = h
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, out
}

// armCode reads the error code of an ARM error body.
func armCode(t *testing.T, body []byte) string {
	t.Helper()
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil {
		t.Fatalf("not an ARM error body: %s", body)
	}
	return eb.Error.Code
}

// responseError returns err's *azcore.ResponseError or fails.
func responseError(t *testing.T, err error) *azcore.ResponseError {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want an *azcore.ResponseError, got %v", err)
	}
	return re
}

// pollerOf wraps an SDK poller.
type pollerOf[T any] struct {
	p interface {
		Poll(context.Context) (*http.Response, error)
		Done() bool
		Result(context.Context) (T, error)
		ResumeToken() (string, error)
	}
}

// poll polls once and reports whether the operation is done.
func (p *pollerOf[T]) poll(t *testing.T) bool {
	t.Helper()
	if _, err := p.p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p.p.Done()
}

func (p *pollerOf[T]) result() (T, error) { return p.p.Result(context.Background()) }

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
