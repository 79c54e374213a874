package eventgrid_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aksupgrade/aksupgrade/internal/eventgrid"

	"github.com/aksupgrade/aksupgrade"
)

const (
	tenantIssuer = "https://sts.windows.net/11111111-2222-3333-4444-555555555555/"
	v2Issuer     = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
	webhookApp   = "api://aksupgrade-webhook"
	webhookAppID = "99999999-8888-7777-6666-555555555555"
	eventGridApp = "4962773b-9cdb-44cf-a8bf-237846a00ab7"
)

// keyServer serves a JSON Web Key Set that a test changes.
type keyServer struct {
	srv *httptest.Server

	mu      sync.Mutex
	keys    map[string]*rsa.PrivateKey
	down    bool
	fetches int
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	k := &keyServer{keys: map[string]*rsa.PrivateKey{}}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.fetches++
		if k.down {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		var doc struct {
			Keys []map[string]any `json:"keys"`
		}
		// An EC key, as key sets may hold, is skipped.
		doc.Keys = append(doc.Keys, map[string]any{"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"})
		for kid, key := range k.keys {
			doc.Keys = append(doc.Keys, map[string]any{
				"kty": "RSA", "use": "sig", "kid": kid,
				"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
			})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *keyServer) set(kid string, key *rsa.PrivateKey) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[kid] = key
}

func (k *keyServer) setDown(down bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.down = down
}

func (k *keyServer) fetchCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fetches
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// token signs claims with key under kid; claims not given get the values
// of a token Entra ID issues to Event Grid for the webhook.
func token(t *testing.T, key any, method jwt.SigningMethod, kid string, claims jwt.MapClaims) string {
	t.Helper()
	c := jwt.MapClaims{
		"iss":   tenantIssuer,
		"aud":   webhookApp,
		"iat":   start.Add(-5 * time.Minute).Unix(),
		"nbf":   start.Add(-5 * time.Minute).Unix(),
		"exp":   start.Add(time.Hour).Unix(),
		"appid": eventGridApp,
		"roles": []string{eventgrid.RoleEventGridSubscriber},
	}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func entraFixture(t *testing.T, keys *keyServer, change func(*eventgrid.HandlerOptions)) *fixture {
	t.Helper()
	return newFixture(t, func(o *eventgrid.HandlerOptions) {
		o.Secrets = nil
		o.Entra = &eventgrid.EntraOptions{
			Issuers:    []string{tenantIssuer, v2Issuer},
			Audiences:  []string{webhookApp, webhookAppID},
			JWKSURL:    keys.srv.URL + "/discovery/v2.0/keys",
			HTTPClient: keys.srv.Client(),
		}
		if change != nil {
			change(o)
		}
	})
}

func TestWebhookEntraID(t *testing.T) {
	key, other := rsaKey(t), rsaKey(t)
	keys := newKeyServer(t)
	keys.set("k1", key)
	body := batch(aksEvent("e1", aksupgrade.EventNodePoolRollingStarted, 1, start, nodePool))
	rs256 := jwt.SigningMethodRS256

	tests := []struct {
		name    string
		options func(*eventgrid.HandlerOptions)
		auth    func(t *testing.T) string // the Authorization header
		status  int
	}{
		{name: "valid", auth: func(t *testing.T) string { return "Bearer " + token(t, key, rs256, "k1", nil) }, status: 200},
		{name: "scheme in any case", auth: func(t *testing.T) string { return "bearer " + token(t, key, rs256, "k1", nil) }, status: 200},
		{name: "v2 issuer, application ID audience", status: 200, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"iss": v2Issuer, "aud": webhookAppID})
		}},
		{name: "no role", status: 403, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"roles": nil})
		}},
		{name: "another role", status: 403, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"roles": []string{"Reader"}})
		}},
		{name: "wrong audience", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"aud": "api://another-app"})
		}},
		{name: "wrong issuer", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"iss": "https://sts.windows.net/another-tenant/"})
		}},
		{name: "expired", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"exp": start.Add(-2 * time.Minute).Unix()})
		}},
		{name: "expired within leeway", status: 200, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"exp": start.Add(-30 * time.Second).Unix()})
		}},
		{name: "not yet valid", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"nbf": start.Add(10 * time.Minute).Unix()})
		}},
		{name: "no expiry", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"exp": nil})
		}},
		{name: "signed by another key", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, other, rs256, "k1", nil)
		}},
		{name: "unknown key ID", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, other, rs256, "k9", nil)
		}},
		{name: "no key ID", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, key, rs256, "", nil)
		}},
		{name: "HS256", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, []byte("shared"), jwt.SigningMethodHS256, "k1", nil)
		}},
		{name: "alg none", status: 401, auth: func(t *testing.T) string {
			return "Bearer " + token(t, jwt.UnsafeAllowNoneSignatureType, jwt.SigningMethodNone, "k1", nil)
		}},
		{name: "not a token", status: 401, auth: func(t *testing.T) string { return "Bearer not.a.token" }},
		{name: "basic", status: 401, auth: func(t *testing.T) string { return "Basic dXNlcjpwYXNz" }},
		{name: "none", status: 401, auth: func(t *testing.T) string { return "" }},
		{
			name:    "application allowed",
			options: func(o *eventgrid.HandlerOptions) { o.Entra.ClientIDs = []string{eventGridApp} },
			auth:    func(t *testing.T) string { return "Bearer " + token(t, key, rs256, "k1", nil) },
			status:  200,
		},
		{
			name:    "application not allowed",
			options: func(o *eventgrid.HandlerOptions) { o.Entra.ClientIDs = []string{eventGridApp} },
			auth: func(t *testing.T) string {
				return "Bearer " + token(t, key, rs256, "k1", jwt.MapClaims{"appid": "00000000-0000-0000-0000-000000000000"})
			},
			status: 403,
		},
		{
			name:    "another role configured",
			options: func(o *eventgrid.HandlerOptions) { o.Entra.Role = "Webhook.Deliver" },
			auth:    func(t *testing.T) string { return "Bearer " + token(t, key, rs256, "k1", nil) },
			status:  403,
		},
		{
			name:    "secret or token: token",
			options: func(o *eventgrid.HandlerOptions) { o.Secrets = []string{testSecret} },
			auth:    func(t *testing.T) string { return "Bearer " + token(t, key, rs256, "k1", nil) },
			status:  200,
		},
		{
			name:    "Entra misconfigured",
			options: func(o *eventgrid.HandlerOptions) { o.Entra.Audiences = nil },
			auth:    func(t *testing.T) string { return "Bearer " + token(t, key, rs256, "k1", nil) },
			status:  401,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := entraFixture(t, keys, tt.options)
			tok := tt.auth(t)
			var headers []string
			if tok != "" {
				headers = []string{"Authorization", tok}
			}
			r := f.post("", "application/json", body, headers...)
			wantStatus(t, r, tt.status)
			if want := map[bool]int{true: 1}[tt.status == 200]; len(f.events()) != want {
				t.Errorf("stored %d events, want %d", len(f.events()), want)
			}
			if tt.status == 401 && r.header.Get("WWW-Authenticate") == "" && tt.name != "Entra misconfigured" {
				t.Error("401 without WWW-Authenticate")
			}
			if raw, _ := strings.CutPrefix(tok, "Bearer "); raw != "" {
				for _, part := range strings.Split(raw, ".") {
					if len(part) > 8 && (strings.Contains(f.logs.String(), part) || strings.Contains(r.body, part)) {
						t.Errorf("the token shows in the log or the response")
					}
				}
			}
		})
	}

	t.Run("secret or token: secret", func(t *testing.T) {
		f := entraFixture(t, keys, func(o *eventgrid.HandlerOptions) { o.Secrets = []string{testSecret} })
		wantStatus(t, f.postSecret("application/json", body), http.StatusOK)
	})
}

// TestEntraKeys: keys are fetched once and cached; an unknown key ID
// fetches them again, at most twice a minute; a key server that is down
// gets 503 so that Event Grid retries, unless the key is known already.
func TestEntraKeys(t *testing.T) {
	key1, key2 := rsaKey(t), rsaKey(t)
	keys := newKeyServer(t)
	keys.set("k1", key1)
	keys.setDown(true)
	f := entraFixture(t, keys, nil)
	post := func(id string, key *rsa.PrivateKey, kid string) response {
		t.Helper()
		now := f.clock.Now()
		tok := token(t, key, jwt.SigningMethodRS256, kid, jwt.MapClaims{"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()})
		return f.post("", "application/json", batch(aksEvent(id, aksupgrade.EventNodePoolRollingStarted, 1, start, nodePool)), "Authorization", "Bearer "+tok)
	}
	wantFetches := func(want int) {
		t.Helper()
		if n := keys.fetchCount(); n != want {
			t.Errorf("keys fetched %d times, want %d", n, want)
		}
	}

	wantStatus(t, post("e1", key1, "k1"), http.StatusServiceUnavailable)
	keys.setDown(false)
	wantStatus(t, post("e1", key1, "k1"), http.StatusServiceUnavailable) // not fetched again at once
	wantFetches(1)
	f.clock.Advance(30 * time.Second)
	wantStatus(t, post("e1", key1, "k1"), http.StatusOK)
	wantStatus(t, post("e2", key1, "k1"), http.StatusOK)
	wantFetches(2) // one failed, then cached

	// Forged key IDs do not make the handler hammer the key server.
	f.clock.Advance(10 * time.Second)
	for range 3 {
		wantStatus(t, post("e3", key2, "forged"), http.StatusUnauthorized)
	}
	wantFetches(2)

	// Rotation: Entra ID signs with a new key; half a minute on, its ID
	// makes the handler fetch the keys again.
	keys.set("k2", key2)
	f.clock.Advance(30 * time.Second)
	wantStatus(t, post("e3", key2, "k2"), http.StatusOK)
	wantFetches(3)
	wantStatus(t, post("e4", key2, "k2"), http.StatusOK)
	wantFetches(3)

	// A day on the keys are fetched again; when the key server is down
	// then, the keys known still work, an unknown one waits.
	f.clock.Advance(25 * time.Hour)
	keys.setDown(true)
	wantStatus(t, post("e5", key1, "k1"), http.StatusOK)
	wantFetches(4)
	wantStatus(t, post("e6", key2, "k3"), http.StatusServiceUnavailable)
	wantFetches(4)

	if got := len(f.events()); got != 5 {
		t.Errorf("stored %d events, want 5", got)
	}
	if st := f.handler.Stats(); st.Rejected[eventgrid.RejectUnavailable] != 3 || st.Rejected[eventgrid.RejectUnauthorized] != 3 {
		t.Errorf("rejected %v", st.Rejected)
	}
}
