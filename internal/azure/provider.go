package azure

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
)

// Options configures a Provider.
type Options struct {
	// Cloud is AzurePublic (the default), AzureChina or AzureUSGovernment.
	Cloud string
	// Endpoint replaces the cloud's Resource Manager endpoint (the CLI's
	// --arm-endpoint, AKSUPGRADE_ARM_ENDPOINT); it is how the provider
	// reaches the simulator. Tokens are requested for it as audience.
	// Plain http is accepted for loopback hosts only.
	Endpoint string
	// Credential signs the requests. Nil means azidentity's
	// DefaultAzureCredential (workload identity, managed identity, a
	// service principal from the environment, the Azure CLI), or, for a
	// plain-http loopback endpoint, a placeholder token.
	Credential azcore.TokenCredential
	// Clock runs rate limiting and retry waits. Nil means the wall clock.
	Clock aksupgrade.Clock
	// Limits sizes the client-side rate limiting; zero fields mean
	// Azure's documented limits.
	Limits Limits
	// Transport replaces the HTTP client, for tests.
	Transport policy.Transporter
	// Logger receives waits, throttling and retries. Nil discards.
	Logger *slog.Logger
}

// Provider is the aksupgrade.Provider of Azure Resource Manager: AKS
// through armcontainerservice (api-version 2025-02-01), subscriptions
// through armsubscriptions. It is safe for concurrent use.
type Provider struct {
	cred     azcore.TokenCredential
	options  arm.ClientOptions
	clock    aksupgrade.Clock
	log      *slog.Logger
	endpoint string

	subs *armsubscriptions.Client
	// fleets reads the Fleet Manager API (fleets.go).
	fleets *arm.Client
	lim    *limiter

	mu      sync.Mutex
	clients map[string]*armcontainerservice.ClientFactory
}

var _ aksupgrade.Provider = (*Provider)(nil)

// New returns a Provider. It fails on an unknown cloud, a malformed
// endpoint, plain http to a host that is not loopback, or a credential
// that cannot be built; it sends no request.
func New(o Options) (*Provider, error) {
	t, err := resolveTarget(o.Cloud, o.Endpoint)
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clk := o.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	cred := o.Credential
	if cred == nil {
		if t.insecureHTTP {
			cred = placeholderCredential{}
		} else {
			dc, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
				ClientOptions: azcore.ClientOptions{Cloud: t.cloud},
			})
			if err != nil {
				return nil, fmt.Errorf("azure credential: %w", err)
			}
			cred = dc
		}
	}
	cred = markingCredential{cred}
	lim := newLimiter(clk, o.Limits, log)
	opts := arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud:     t.cloud,
			Transport: o.Transport,
			// Retries happen in limitPolicy, waiting on the injected
			// clock; azcore's own would sleep on the wall clock.
			Retry:                           policy.RetryOptions{MaxRetries: -1},
			PerCallPolicies:                 []policy.Policy{limitPolicy{lim}},
			InsecureAllowCredentialWithHTTP: t.insecureHTTP,
			Telemetry:                       policy.TelemetryOptions{ApplicationID: "aksupgrade"},
		},
		// A subscription with AKS clusters has Microsoft.ContainerService
		// registered; the registration policy would poll on the wall clock.
		DisableRPRegistration: true,
	}
	subs, err := armsubscriptions.NewClient(cred, &opts)
	if err != nil {
		return nil, fmt.Errorf("subscriptions client: %w", err)
	}
	fleets, err := arm.NewClient("aksupgrade/fleets", "v1.0.0", cred, &opts)
	if err != nil {
		return nil, fmt.Errorf("fleets client: %w", err)
	}
	return &Provider{
		cred:     cred,
		options:  opts,
		clock:    clk,
		log:      log,
		endpoint: t.endpoint,
		subs:     subs,
		fleets:   fleets,
		lim:      lim,
		clients:  map[string]*armcontainerservice.ClientFactory{},
	}, nil
}

// Endpoint is the Resource Manager URL the provider talks to.
func (p *Provider) Endpoint() string { return p.endpoint }

// factory returns the armcontainerservice clients of a subscription.
func (p *Provider) factory(sub string) (*armcontainerservice.ClientFactory, error) {
	key := strings.ToLower(sub)
	p.mu.Lock()
	defer p.mu.Unlock()
	if f, ok := p.clients[key]; ok {
		return f, nil
	}
	f, err := armcontainerservice.NewClientFactory(sub, p.cred, &p.options)
	if err != nil {
		return nil, fmt.Errorf("containerservice clients for %s: %w", sub, err)
	}
	p.clients[key] = f
	return f, nil
}

// classify classifies err with the provider's clock.
func (p *Provider) classify(err error) error { return classify(err, p.clock.Now()) }

// clusterRef is a managed cluster's resource ID, parsed.
type clusterRef struct {
	id, subscription, resourceGroup, name string
}

// forCluster parses a managed cluster's resource ID and returns it with the
// client factory of its subscription and ctx tagged with the subscription
// (for throttling).
func (p *Provider) forCluster(ctx context.Context, id string) (context.Context, clusterRef, *armcontainerservice.ClientFactory, error) {
	ref, err := parseClusterID(id)
	if err != nil {
		return ctx, clusterRef{}, nil, err
	}
	f, err := p.factory(ref.subscription)
	if err != nil {
		return ctx, clusterRef{}, nil, err
	}
	return withSubscription(ctx, ref.subscription), ref, f, nil
}

// parseClusterID parses and checks a managed cluster's resource ID.
func parseClusterID(id string) (clusterRef, error) {
	rid, err := arm.ParseResourceID(id)
	if err != nil {
		return clusterRef{}, errorf(aksupgrade.ErrInvalid, fmt.Sprintf("cluster id %q: %v", id, err))
	}
	if !strings.EqualFold(rid.ResourceType.String(), "Microsoft.ContainerService/managedClusters") ||
		rid.SubscriptionID == "" || rid.ResourceGroupName == "" || rid.Name == "" {
		return clusterRef{}, errorf(aksupgrade.ErrInvalid, fmt.Sprintf("cluster id %q: not a managed cluster", id))
	}
	return clusterRef{id: id, subscription: rid.SubscriptionID, resourceGroup: rid.ResourceGroupName, name: rid.Name}, nil
}
