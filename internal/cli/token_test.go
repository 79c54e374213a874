package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/aksupgrade/aksupgrade/internal/auth"
)

// TestTokenNew: the secret printed once authenticates as the name given
// against the line printed for the token file; the line holds no secret.
func TestTokenNew(t *testing.T) {
	code, out, errOut := run(t, "token", "new", "--name", "alice", "--role", "operator")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	secret := regexp.MustCompile(`aksu_[A-Za-z0-9_-]+`).FindString(out)
	line := regexp.MustCompile(`alice operator sha256:[0-9a-f]{64}`).FindString(out)
	if secret == "" || line == "" || strings.Contains(line, secret) {
		t.Fatalf("output %q: want a secret and a line without it", out)
	}
	file := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(file, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := tokensFrom(file, "")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+secret)
	if id, err := a.Authenticate(r); err != nil || id.Name != "alice" || id.Role != auth.Operator {
		t.Errorf("Authenticate = %+v, %v", id, err)
	}
	for _, args := range [][]string{{"token", "new", "--name", "alice", "--role", "admin"}, {"token", "new", "--role", "viewer"}} {
		if code, _, _ := run(t, args...); code == ExitOK {
			t.Errorf("%v: exit 0, want an error", args)
		}
	}
}

func TestTokensFrom(t *testing.T) {
	if a, err := tokensFrom("", ""); a != nil || err != nil {
		t.Errorf("no tokens: %v, %v; want none and no error", a, err)
	}
	line := "alice operator " + auth.Hash("x")
	file := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(file, []byte("# nobody yet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, env, says string }{
		{file, "", "no API tokens in"},
		{"", line + ";" + line, `token name "alice" is used on line 1 already`},
		{"", "alice operator x", "AKSUPGRADE_API_TOKENS:1: hash of token alice"},
		{filepath.Join(t.TempDir(), "missing"), "", "--tokens-file"},
	} {
		if _, err := tokensFrom(tc.file, tc.env); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("tokensFrom(%q, %q) = %v, want %q", tc.file, tc.env, err, tc.says)
		}
	}
}

// fakeCredential stands in for DefaultAzureCredential (no Entra ID can be
// reached here): it hands out one token for one scope.
type fakeCredential struct{ scope, token string }

func (f fakeCredential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if len(o.Scopes) != 1 || o.Scopes[0] != f.scope {
		return azcore.AccessToken{}, fmt.Errorf("scope %v, want %s", o.Scopes, f.scope)
	}
	return azcore.AccessToken{Token: f.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestRemoteEntra: with --entra-scope, the client sends the Entra ID
// token the credential gives for that scope.
func TestRemoteEntra(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	rm := remote{server: srv.URL, entraScope: "api://aksupgrade/.default", credential: fakeCredential{"api://aksupgrade/.default", "eyJ.entra.token"}}
	c, err := rm.client(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := c.do(t.Context(), "GET", "/api/v1/status", nil, &out); err != nil {
		t.Fatal(err)
	}
	if got != "Bearer eyJ.entra.token" {
		t.Errorf("Authorization %q, want the Entra ID token", got)
	}
}

// TestAPIAuthFromEnv: Entra ID for the API is configured whole or not at
// all, and says which roles or groups count.
func TestAPIAuthFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		says string
	}{
		{map[string]string{"AKSUPGRADE_API_ENTRA_TENANT_ID": "t"}, "needs both"},
		{map[string]string{"AKSUPGRADE_API_ENTRA_TENANT_ID": "t", "AKSUPGRADE_API_ENTRA_AUDIENCE": "api://a"}, "say which app roles or groups"},
		{map[string]string{"AKSUPGRADE_API_ENTRA_TENANT_ID": "t", "AKSUPGRADE_API_ENTRA_AUDIENCE": "api://a", "AKSUPGRADE_API_ENTRA_OPERATORS": "Aksupgrade.Operator"}, ""},
	} {
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		a, err := apiAuth("")
		switch {
		case tc.says == "" && (err != nil || a == nil):
			t.Errorf("%v: %v, %v; want an authenticator", tc.env, a, err)
		case tc.says != "" && (err == nil || !strings.Contains(err.Error(), tc.says)):
			t.Errorf("%v: %v; want %q", tc.env, err, tc.says)
		}
	}
}

func TestRetentionFlag(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "36h": 36 * time.Hour, "0": -1} {
		if got, err := retention("--retain-events", in); err != nil || got != want {
			t.Errorf("retention(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1d", "forever", "90"} {
		if _, err := retention("--retain-events", bad); err == nil {
			t.Errorf("retention(%q): no error", bad)
		}
	}
}
