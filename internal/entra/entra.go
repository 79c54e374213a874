// Package entra checks Microsoft Entra ID access tokens: the signature
// against the tenant's published keys (JWKS, cached, fetched again when a
// day old or when a token names a key not seen yet, never more often than
// every 30 seconds), the issuer, the audience, and the token's times. What
// the token may do (its roles, its groups, which application holds it) is
// the caller's to decide: the Event Grid webhook wants Event Grid's role,
// the API maps roles and groups to viewer and operator.
package entra

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aksupgrade/aksupgrade"
)

// Options say which tokens are accepted.
type Options struct {
	// Issuers accepted (iss), exactly: for tenant T,
	// https://sts.windows.net/T/ (v1 tokens) and/or
	// https://login.microsoftonline.com/T/v2.0 (v2 tokens).
	Issuers []string
	// Audiences accepted (aud): the application's ID and/or its
	// application ID URI.
	Audiences []string
	// JWKSURL serves the signing keys, e.g.
	// https://login.microsoftonline.com/T/discovery/v2.0/keys.
	JWKSURL string
	// HTTPClient fetches the keys; one with a 10s timeout when nil.
	HTTPClient *http.Client
	// Leeway allowed on exp and nbf; one minute when zero.
	Leeway time.Duration
}

// TenantOptions are the options of a tenant of Azure's public cloud, for
// tokens issued to audiences.
func TenantOptions(tenant string, audiences []string) Options {
	return Options{
		Issuers:   []string{"https://sts.windows.net/" + tenant + "/", "https://login.microsoftonline.com/" + tenant + "/v2.0"},
		Audiences: audiences,
		JWKSURL:   "https://login.microsoftonline.com/" + tenant + "/discovery/v2.0/keys",
	}
}

// Validate reports what the options lack.
func (o Options) Validate() error {
	var errs []error
	if len(o.Issuers) == 0 {
		errs = append(errs, errors.New("no issuers"))
	}
	if len(o.Audiences) == 0 {
		errs = append(errs, errors.New("no audiences"))
	}
	if o.JWKSURL == "" {
		errs = append(errs, errors.New("no JWKS URL"))
	}
	return errors.Join(errs...)
}

// Claims are what a valid token says of its holder.
type Claims struct {
	jwt.RegisteredClaims
	// Roles are the app roles assigned to the holder.
	Roles []string `json:"roles"`
	// Groups are the object IDs of the holder's groups, when the
	// application asks for the groups claim.
	Groups []string `json:"groups"`
	// AppID (v1) and AzP (v2) name the client application.
	AppID string `json:"appid"`
	AzP   string `json:"azp"`
	// OID is the holder's object ID; UPN and PreferredUsername its
	// sign-in name, when it is a person.
	OID               string `json:"oid"`
	UPN               string `json:"upn"`
	PreferredUsername string `json:"preferred_username"`
}

// ErrInvalid wraps why a token is not accepted.
var ErrInvalid = errors.New("invalid token")

// Verifier checks tokens. It is safe for concurrent use.
type Verifier struct {
	issuers []string
	keys    *keySet
	parser  *jwt.Parser
}

// New returns a verifier of o's tokens, with time from clock.
func New(o Options, clock aksupgrade.Clock) *Verifier {
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	leeway := o.Leeway
	if leeway == 0 {
		leeway = time.Minute
	}
	return &Verifier{
		issuers: o.Issuers,
		keys:    &keySet{url: o.JWKSURL, client: client, clock: clock},
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithExpirationRequired(),
			jwt.WithAudience(o.Audiences...),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(clock.Now),
		),
	}
}

// Verify returns the claims of a valid token; an error wrapping
// ErrKeysUnavailable when the keys cannot be fetched now, else one
// wrapping ErrInvalid that says why.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	var c Claims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return v.keys.key(ctx, kid)
	})
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		return Claims{}, err
	case err != nil:
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	case !slices.Contains(v.issuers, c.Issuer):
		return Claims{}, fmt.Errorf("%w: issuer %q not accepted", ErrInvalid, c.Issuer)
	}
	return c, nil
}
