// Package kube reads each AKS cluster's own Kubernetes API with client-go,
// for the gates (aksupgrade.ClusterAPI): nodes, pods, PodDisruptionBudgets
// and the API server's deprecated-API metrics.
//
// The server and its CA come from Resource Manager
// (listClusterUserCredential, or listClusterAdminCredential when the policy
// asks for the admin account), read with clientcmd as kubectl reads a
// kubeconfig. Microsoft Entra ID clusters (their kubeconfig runs kubelogin)
// get a bearer token of the service's own Azure identity for the AKS server
// application instead; clusters with local accounts use the kubeconfig's
// own credentials. A cluster's client is kept and made again after an hour,
// or at once after the server refused its credentials.
package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/aksupgrade/aksupgrade"
)

// ServerApplication is the Microsoft Entra ID application of every AKS
// API server: tokens for Entra ID clusters are asked for its scope
// (https://learn.microsoft.com/azure/aks/kubelogin-authentication).
const ServerApplication = "6dae42f8-4368-4678-94ff-3960e28e3630"

// Options configure a Client.
type Options struct {
	// Kubeconfig returns a cluster's kubeconfig from Resource Manager
	// (azure.Provider.Kubeconfig).
	Kubeconfig func(ctx context.Context, clusterID string, admin bool) ([]byte, error)
	// Credential gets tokens for Entra ID clusters (the provider's).
	Credential azcore.TokenCredential
	// Admin asks for the admin credential (local accounts) instead of the
	// user credential.
	Admin bool
	// Timeout bounds one request (default 15s).
	Timeout time.Duration
	// Clock ages the cached clients.
	Clock aksupgrade.Clock
	// Transport, when set, carries the requests (tests).
	Transport http.RoundTripper
	// Unthrottled turns off client-go's own request limit (5 a second,
	// bursts of 10, per cluster, in real time): for a simulated fleet on a
	// simulated clock, whose hours pass in a fraction of a real second.
	Unthrottled bool
}

// Client is the aksupgrade.ClusterAPI of AKS clusters. It is safe for
// concurrent use.
type Client struct {
	o  Options
	mu sync.Mutex
	cs map[string]*cached // by cluster ID, lower-cased
	// making holds a lock per cluster while its client is made, so that
	// concurrent gates of one cluster ask Resource Manager once.
	making map[string]*sync.Mutex
}

type cached struct {
	cs   *kubernetes.Clientset
	made time.Time
}

// refreshAfter is how long a cluster's client is kept.
const refreshAfter = time.Hour

var _ aksupgrade.ClusterAPI = (*Client)(nil)

// New checks o and returns a Client.
func New(o Options) (*Client, error) {
	if o.Kubeconfig == nil || o.Clock == nil {
		return nil, errors.New("kube: needs Kubeconfig and a clock")
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	return &Client{o: o, cs: map[string]*cached{}, making: map[string]*sync.Mutex{}}, nil
}

// clientset returns the cluster's client, made when there is none or it
// is old.
func (c *Client) clientset(ctx context.Context, clusterID string) (*kubernetes.Clientset, error) {
	key := aksupgrade.NormalizeID(clusterID)
	c.mu.Lock()
	m, ok := c.making[key]
	if !ok {
		m = &sync.Mutex{}
		c.making[key] = m
	}
	c.mu.Unlock()
	m.Lock()
	defer m.Unlock()
	now := c.o.Clock.Now()
	c.mu.Lock()
	e := c.cs[key]
	c.mu.Unlock()
	if e != nil && now.Sub(e.made) < refreshAfter {
		return e.cs, nil
	}
	raw, err := c.o.Kubeconfig(ctx, clusterID, c.o.Admin)
	if err != nil {
		return nil, err
	}
	cfg, err := c.restConfig(raw)
	if err != nil {
		return nil, &aksupgrade.Error{Code: aksupgrade.ErrInternal, Message: fmt.Sprintf("the kubeconfig of %s: %v", aksupgrade.ClusterName(clusterID), err)}
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, &aksupgrade.Error{Code: aksupgrade.ErrInternal, Message: fmt.Sprintf("a client for %s: %v", aksupgrade.ClusterName(clusterID), err)}
	}
	c.mu.Lock()
	c.cs[key] = &cached{cs: cs, made: now}
	c.mu.Unlock()
	return cs, nil
}

// forget drops a cluster's client, so that the next call asks Resource
// Manager for credentials again.
func (c *Client) forget(clusterID string) {
	c.mu.Lock()
	delete(c.cs, aksupgrade.NormalizeID(clusterID))
	c.mu.Unlock()
}

// restConfig reads a kubeconfig's current context. An Entra ID user (an
// exec plugin such as kubelogin, or the old azure auth provider) is
// replaced by the service's own token for the AKS server application.
func (c *Client) restConfig(raw []byte) (*rest.Config, error) {
	kc, err := clientcmd.Load(raw)
	if err != nil {
		return nil, err
	}
	entra := false
	if ctx, ok := kc.Contexts[kc.CurrentContext]; ok {
		if ai, ok := kc.AuthInfos[ctx.AuthInfo]; ok && (ai.Exec != nil || ai.AuthProvider != nil) {
			ai.Exec, ai.AuthProvider, entra = nil, nil, true
		}
	}
	cfg, err := clientcmd.NewDefaultClientConfig(*kc, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, err
	}
	cfg.Timeout = c.o.Timeout
	cfg.UserAgent = "aksupgrade"
	if c.o.Unthrottled {
		cfg.QPS = -1 // client-go: no client-side limit
	}
	if c.o.Transport != nil {
		t := c.o.Transport
		cfg.WrapTransport = func(http.RoundTripper) http.RoundTripper { return t }
	}
	if entra {
		if c.o.Credential == nil {
			return nil, errors.New("an Entra ID cluster, and no Azure credential to sign in with")
		}
		inner := cfg.WrapTransport
		cred := c.o.Credential
		cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
			if inner != nil {
				rt = inner(rt)
			}
			return entraTransport{cred: cred, next: rt}
		}
	}
	return cfg, nil
}

// entraTransport adds a bearer token for the AKS server application;
// azidentity caches and refreshes it.
type entraTransport struct {
	cred azcore.TokenCredential
	next http.RoundTripper
}

func (t entraTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tok, err := t.cred.GetToken(r.Context(), policy.TokenRequestOptions{Scopes: []string{ServerApplication + "/.default"}})
	if err != nil {
		return nil, fmt.Errorf("a Microsoft Entra ID token for the cluster: %w", err)
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tok.Token)
	return t.next.RoundTrip(r)
}

// classify turns a client-go error about cluster into an *aksupgrade.Error
// that says what to do.
func (c *Client) classify(clusterID, what string, err error) error {
	name := aksupgrade.ClusterName(clusterID)
	var ae *aksupgrade.Error
	var ne net.Error
	switch {
	case errors.As(err, &ae):
		return err
	case apierrors.IsUnauthorized(err):
		c.forget(clusterID)
		return &aksupgrade.Error{Code: aksupgrade.ErrAuth, Status: http.StatusUnauthorized,
			Message: fmt.Sprintf("%s refused the credentials to read %s (for an Entra ID cluster, the identity needs a role on it; see examples/gates-clusterrole.yaml): %v", name, what, err)}
	case apierrors.IsForbidden(err):
		return &aksupgrade.Error{Code: aksupgrade.ErrAuth, Status: http.StatusForbidden,
			Message: fmt.Sprintf("%s does not let this identity read %s: bind it to the ClusterRole in examples/gates-clusterrole.yaml: %v", name, what, err)}
	case apierrors.IsNotFound(err):
		return &aksupgrade.Error{Code: aksupgrade.ErrNotFound, Status: http.StatusNotFound, Message: fmt.Sprintf("%s has no %s: %v", name, what, err)}
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return &aksupgrade.Error{Code: aksupgrade.ErrUnreachable,
			Message: fmt.Sprintf("the API server of %s cannot be reached from here (a private cluster, or the network in between): %v", name, err)}
	}
	return &aksupgrade.Error{Code: aksupgrade.ErrInternal, Message: fmt.Sprintf("reading %s of %s: %v", what, name, err)}
}
