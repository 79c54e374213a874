package azure

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

func TestResolveTarget(t *testing.T) {
	tests := []struct {
		cloud, endpoint string
		wantEndpoint    string
		wantAudience    string
		wantAuthority   string
		wantInsecure    bool
		wantErr         string
	}{
		{cloud: "", wantEndpoint: "https://management.azure.com", wantAudience: "https://management.core.windows.net/", wantAuthority: "https://login.microsoftonline.com/"},
		{cloud: "AzurePublic", wantEndpoint: "https://management.azure.com", wantAudience: "https://management.core.windows.net/", wantAuthority: "https://login.microsoftonline.com/"},
		{cloud: "AzureChina", wantEndpoint: "https://management.chinacloudapi.cn", wantAudience: "https://management.core.chinacloudapi.cn/", wantAuthority: "https://login.chinacloudapi.cn/"},
		{cloud: "AzureUSGovernment", wantEndpoint: "https://management.usgovcloudapi.net", wantAudience: "https://management.core.usgovcloudapi.net/", wantAuthority: "https://login.microsoftonline.us/"},
		{cloud: "azurecloud", wantEndpoint: "https://management.azure.com", wantAudience: "https://management.core.windows.net/", wantAuthority: "https://login.microsoftonline.com/"},
		{cloud: "AzureGermany", wantErr: "unknown cloud"},
		// A custom endpoint is also the audience.
		{endpoint: "https://arm.example.com/", wantEndpoint: "https://arm.example.com", wantAudience: "https://arm.example.com", wantAuthority: "https://login.microsoftonline.com/"},
		{cloud: "AzureUSGovernment", endpoint: "https://arm.gov.example", wantEndpoint: "https://arm.gov.example", wantAudience: "https://arm.gov.example", wantAuthority: "https://login.microsoftonline.us/"},
		// Plain http: loopback only.
		{endpoint: "http://127.0.0.1:8080", wantEndpoint: "http://127.0.0.1:8080", wantAudience: "http://127.0.0.1:8080", wantAuthority: "https://login.microsoftonline.com/", wantInsecure: true},
		{endpoint: "http://127.8.9.10:1", wantEndpoint: "http://127.8.9.10:1", wantAudience: "http://127.8.9.10:1", wantAuthority: "https://login.microsoftonline.com/", wantInsecure: true},
		{endpoint: "http://localhost:8080/", wantEndpoint: "http://localhost:8080", wantAudience: "http://localhost:8080", wantAuthority: "https://login.microsoftonline.com/", wantInsecure: true},
		{endpoint: "http://[::1]:8080", wantEndpoint: "http://[::1]:8080", wantAudience: "http://[::1]:8080", wantAuthority: "https://login.microsoftonline.com/", wantInsecure: true},
		{endpoint: "http://management.azure.com", wantErr: "plain http is allowed only for loopback"},
		{endpoint: "http://10.0.0.4:8080", wantErr: "plain http is allowed only for loopback"},
		{endpoint: "http://192.168.1.10", wantErr: "plain http is allowed only for loopback"},
		{endpoint: "http://localhost.example.com", wantErr: "plain http is allowed only for loopback"},
		{endpoint: "http://127.0.0.1.nip.io", wantErr: "plain http is allowed only for loopback"},
		{endpoint: "http://[::ffff:10.0.0.1]", wantErr: "plain http is allowed only for loopback"},
		{endpoint: "ftp://127.0.0.1", wantErr: "scheme must be https"},
		{endpoint: "127.0.0.1:8080", wantErr: "arm endpoint"},
		{endpoint: "https://user:pw@arm.example.com", wantErr: "want scheme://host"},
	}
	for _, tt := range tests {
		t.Run(tt.cloud+" "+tt.endpoint, func(t *testing.T) {
			got, err := resolveTarget(tt.cloud, tt.endpoint)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rm := got.cloud.Services[cloud.ResourceManager]
			if rm.Endpoint != tt.wantEndpoint || got.endpoint != tt.wantEndpoint {
				t.Errorf("endpoint = %q / %q, want %q", rm.Endpoint, got.endpoint, tt.wantEndpoint)
			}
			if rm.Audience != tt.wantAudience {
				t.Errorf("audience = %q, want %q", rm.Audience, tt.wantAudience)
			}
			if got.cloud.ActiveDirectoryAuthorityHost != tt.wantAuthority {
				t.Errorf("authority = %q, want %q", got.cloud.ActiveDirectoryAuthorityHost, tt.wantAuthority)
			}
			if got.insecureHTTP != tt.wantInsecure {
				t.Errorf("insecure http = %v, want %v", got.insecureHTTP, tt.wantInsecure)
			}
		})
	}
	// The package-level cloud configurations are never modified.
	if ep := cloud.AzurePublic.Services[cloud.ResourceManager].Endpoint; ep != "https://management.azure.com" {
		t.Errorf("azcore's AzurePublic was changed: %q", ep)
	}
}

func TestNewRefusesPlainHTTPToOtherHosts(t *testing.T) {
	for _, ep := range []string{"http://management.azure.com", "http://10.1.2.3:8080", "http://[fe80::1]:80"} {
		// Even with a credential given: a token must never travel in clear.
		if _, err := New(Options{Endpoint: ep, Credential: placeholderCredential{}}); err == nil {
			t.Errorf("New accepted %s", ep)
		}
	}
	p, err := New(Options{Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatalf("loopback http refused: %v", err)
	}
	if _, ok := p.cred.(markingCredential).cred.(placeholderCredential); !ok {
		t.Errorf("loopback endpoint without credential uses %T, want the placeholder", p.cred)
	}
	if !p.options.InsecureAllowCredentialWithHTTP {
		t.Error("loopback http without InsecureAllowCredentialWithHTTP: the bearer policy would refuse")
	}
	p, err = New(Options{Endpoint: "https://arm.example.com", Credential: placeholderCredential{}})
	if err != nil {
		t.Fatal(err)
	}
	if p.options.InsecureAllowCredentialWithHTTP {
		t.Error("https endpoint allows credentials over http")
	}
}
