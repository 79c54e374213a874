package eventgrid

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// HeaderSubscriptionName is the header in which Event Grid names the
// event subscription delivering.
const HeaderSubscriptionName = "aeg-subscription-name"

// authenticator decides who may deliver.
type authenticator struct {
	// secrets are the SHA-256 digests of the accepted secrets: comparing
	// digests takes the same time whatever the lengths.
	secrets [][sha256.Size]byte
	// names are the allowed subscription names, lower-cased; nil allows
	// any.
	names map[string]bool
	entra *entraVerifier
	// open accepts every request (no credentials configured, anonymous
	// allowed); broken refuses every request (options invalid).
	open, broken bool
}

// denial is why a request may not deliver: its HTTP status, a reason to
// log, and a message for the sender. Neither quotes a credential.
type denial struct {
	status  int
	reason  string
	message string
}

func newAuthenticator(o *HandlerOptions, v *entraVerifier) *authenticator {
	a := &authenticator{entra: v}
	for _, s := range secrets(o.Secrets) {
		a.secrets = append(a.secrets, sha256.Sum256([]byte(s)))
	}
	for _, n := range o.SubscriptionNames {
		if n = strings.TrimSpace(n); n != "" {
			if a.names == nil {
				a.names = map[string]bool{}
			}
			a.names[strings.ToLower(n)] = true
		}
	}
	a.open = len(a.secrets) == 0 && o.Entra == nil && o.AllowAnonymous
	return a
}

// check authenticates r, then checks the identity is allowed; nil means
// it may deliver.
func (a *authenticator) check(ctx context.Context, r *http.Request) *denial {
	if a.broken {
		return &denial{http.StatusUnauthorized, "the webhook is misconfigured", "unauthorized"}
	}
	if d := a.authenticate(ctx, r); d != nil {
		return d
	}
	if a.names != nil && !a.names[strings.ToLower(strings.TrimSpace(r.Header.Get(HeaderSubscriptionName)))] {
		return &denial{http.StatusForbidden, "event subscription not allowed", "forbidden: this event subscription may not deliver here"}
	}
	return nil
}

func (a *authenticator) authenticate(ctx context.Context, r *http.Request) *denial {
	if a.open {
		return nil
	}
	presented := false
	if len(a.secrets) > 0 {
		for _, v := range [...]string{r.Header.Get(HeaderSecret), r.URL.Query().Get("code")} {
			if v == "" {
				continue
			}
			presented = true
			if a.secretOK(v) {
				return nil
			}
		}
	}
	if a.entra != nil {
		if token, ok := bearer(r); ok {
			return a.entra.verify(ctx, token)
		}
	}
	if presented {
		return &denial{http.StatusUnauthorized, "wrong secret", "unauthorized"}
	}
	return &denial{http.StatusUnauthorized, "no credentials", "unauthorized"}
}

// secretOK compares v with every accepted secret in constant time.
func (a *authenticator) secretOK(v string) bool {
	d := sha256.Sum256([]byte(v))
	ok := 0
	for i := range a.secrets {
		ok |= subtle.ConstantTimeCompare(d[:], a.secrets[i][:])
	}
	return ok == 1
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}
