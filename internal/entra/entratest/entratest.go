// Package entratest is a Microsoft Entra ID tenant for tests: it serves
// its signing keys over loopback HTTP, as login.microsoftonline.com does,
// and signs access tokens with them.
package entratest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aksupgrade/aksupgrade/internal/entra"
)

// Tenant is a test tenant with one signing key.
type Tenant struct {
	ID       string
	Audience string
	key      *rsa.PrivateKey
	srv      *httptest.Server
	down     atomic.Bool
}

// kid names the tenant's key.
const kid = "test-key"

// New starts a tenant whose tokens are for audience; t's cleanup stops
// its key server.
func New(t testing.TB, audience string) *Tenant {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tn := &Tenant{ID: "11111111-2222-4333-8444-555555555555", Audience: audience, key: key}
	tn.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if tn.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		doc := map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "use": "sig", "kid": kid,
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(doc); err != nil {
			t.Errorf("serve keys: %v", err)
		}
	}))
	t.Cleanup(tn.srv.Close)
	return tn
}

// Options are the verifier options that accept the tenant's tokens.
func (tn *Tenant) Options() entra.Options {
	o := entra.TenantOptions(tn.ID, []string{tn.Audience})
	o.JWKSURL, o.HTTPClient = tn.srv.URL+"/discovery/v2.0/keys", tn.srv.Client()
	return o
}

// SetDown makes the key server answer 503 (or serve again).
func (tn *Tenant) SetDown(down bool) { tn.down.Store(down) }

// Token signs a v2 access token valid from now for an hour, for the
// tenant's audience, with claims added (a nil value removes a claim).
func (tn *Tenant) Token(t testing.TB, now time.Time, claims jwt.MapClaims) string {
	t.Helper()
	c := jwt.MapClaims{
		"iss": "https://login.microsoftonline.com/" + tn.ID + "/v2.0",
		"aud": tn.Audience,
		"iat": now.Add(-time.Minute).Unix(),
		"nbf": now.Add(-time.Minute).Unix(),
		"exp": now.Add(time.Hour).Unix(),
		"oid": "99999999-0000-4000-8000-000000000001",
	}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(tn.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
