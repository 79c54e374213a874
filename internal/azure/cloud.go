package azure

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	_ "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime" // fills in the clouds' Resource Manager endpoints
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Cloud names accepted in Options.Cloud (and the Azure CLI's names for
// the same clouds).
const (
	CloudPublic       = "AzurePublic"
	CloudChina        = "AzureChina"
	CloudUSGovernment = "AzureUSGovernment"
)

// target is where the provider sends its requests and how it signs them.
type target struct {
	cloud cloud.Configuration
	// insecureHTTP is true only for a plain-HTTP loopback endpoint.
	insecureHTTP bool
	// endpoint is the Resource Manager base URL actually used.
	endpoint string
}

// resolveTarget picks the cloud configuration for name, replacing its
// Resource Manager endpoint with endpoint when one is given. Plain HTTP
// is accepted for loopback endpoints only (127.0.0.0/8, ::1, localhost):
// a bearer token is never sent in clear text to another host.
func resolveTarget(name, endpoint string) (target, error) {
	base, err := namedCloud(name)
	if err != nil {
		return target{}, err
	}
	// Copy: the azcore configurations are package variables shared by
	// every client of the process.
	cfg := cloud.Configuration{
		ActiveDirectoryAuthorityHost: base.ActiveDirectoryAuthorityHost,
		Services:                     map[cloud.ServiceName]cloud.ServiceConfiguration{},
	}
	for k, v := range base.Services {
		cfg.Services[k] = v
	}
	if endpoint == "" {
		rm := cfg.Services[cloud.ResourceManager]
		return target{cloud: cfg, endpoint: rm.Endpoint}, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return target{}, fmt.Errorf("arm endpoint %q: %w", endpoint, err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return target{}, fmt.Errorf("arm endpoint %q: want scheme://host[:port][/path]", endpoint)
	}
	t := target{cloud: cfg}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return target{}, fmt.Errorf("arm endpoint %q: plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); use https", endpoint)
		}
		t.insecureHTTP = true
	default:
		return target{}, fmt.Errorf("arm endpoint %q: scheme must be https", endpoint)
	}
	ep := strings.TrimRight(u.String(), "/")
	t.endpoint = ep
	t.cloud.Services[cloud.ResourceManager] = cloud.ServiceConfiguration{Endpoint: ep, Audience: ep}
	return t, nil
}

func namedCloud(name string) (cloud.Configuration, error) {
	switch strings.ToLower(name) {
	case "", "azurepublic", "azurecloud", "public":
		return cloud.AzurePublic, nil
	case "azurechina", "azurechinacloud", "china":
		return cloud.AzureChina, nil
	case "azureusgovernment", "azuregovernment", "usgovernment":
		return cloud.AzureGovernment, nil
	}
	return cloud.Configuration{}, fmt.Errorf("unknown cloud %q: want %s, %s or %s", name, CloudPublic, CloudChina, CloudUSGovernment)
}

// isLoopback reports whether host (no port, no brackets) names this
// machine: localhost or an address in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// placeholderCredential is the credential of a loopback endpoint (the
// simulator) when none is configured: the simulator wants a bearer token
// but does not check it against a tenant.
type placeholderCredential struct{}

func (placeholderCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	// ExpiresOn is compared with the wall clock by azcore's token cache.
	return azcore.AccessToken{Token: "aksupgrade-simulator", ExpiresOn: time.Now().Add(24 * time.Hour)}, nil
}

// authError marks a failure to get a token, so that classification says
// ErrAuth whatever credential type produced it.
type authError struct{ err error }

func (e *authError) Error() string { return "get token: " + e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// NonRetriable tells azcore's pipeline (and ours) not to retry.
func (e *authError) NonRetriable() {}

// markingCredential wraps a credential so that its failures are
// recognisable as authentication failures.
type markingCredential struct{ cred azcore.TokenCredential }

func (m markingCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tk, err := m.cred.GetToken(ctx, o)
	if err != nil {
		return tk, &authError{err}
	}
	return tk, nil
}
