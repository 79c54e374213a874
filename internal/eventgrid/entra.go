package eventgrid

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aksupgrade/aksupgrade"
)

// RoleEventGridSubscriber is the app role Event Grid's service principal
// holds on a webhook secured with Microsoft Entra ID.
const RoleEventGridSubscriber = "AzureEventGridSecureWebhookSubscriber"

// EntraOptions configure Microsoft Entra ID bearer tokens.
type EntraOptions struct {
	// Issuers accepted (iss), exactly: for tenant T,
	// https://sts.windows.net/T/ (v1 tokens) and/or
	// https://login.microsoftonline.com/T/v2.0 (v2 tokens).
	Issuers []string
	// Audiences accepted (aud): the webhook app's application ID and/or
	// its application ID URI.
	Audiences []string
	// JWKSURL serves the signing keys, e.g.
	// https://login.microsoftonline.com/T/discovery/v2.0/keys.
	JWKSURL string
	// Role the token's roles claim must hold; RoleEventGridSubscriber when
	// empty.
	Role string
	// ClientIDs, when not empty, are the applications (appid or azp
	// claim) allowed; others get 403.
	ClientIDs []string
	// HTTPClient fetches the keys; one with a 10s timeout when nil.
	HTTPClient *http.Client
	// Leeway allowed on exp and nbf; one minute when zero.
	Leeway time.Duration
}

func (o *EntraOptions) validate() error {
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

// entraVerifier checks Entra ID access tokens.
type entraVerifier struct {
	issuers, clientIDs []string
	role               string
	keys               *keySet
	parser             *jwt.Parser
}

type entraClaims struct {
	jwt.RegisteredClaims
	Roles []string `json:"roles"`
	AppID string   `json:"appid"`
	AzP   string   `json:"azp"`
}

func newEntraVerifier(o *EntraOptions, clock aksupgrade.Clock) *entraVerifier {
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	leeway := o.Leeway
	if leeway == 0 {
		leeway = time.Minute
	}
	role := o.Role
	if role == "" {
		role = RoleEventGridSubscriber
	}
	return &entraVerifier{
		issuers:   o.Issuers,
		clientIDs: o.ClientIDs,
		role:      role,
		keys:      &keySet{url: o.JWKSURL, client: client, clock: clock},
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithExpirationRequired(),
			jwt.WithAudience(o.Audiences...),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(clock.Now),
		),
	}
}

// verify checks token: 401 when it is not a valid token of an accepted
// issuer for an accepted audience, 403 when it lacks the role or comes
// from another application, 503 when the keys cannot be fetched.
func (v *entraVerifier) verify(ctx context.Context, token string) *denial {
	var c entraClaims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return v.keys.key(ctx, kid)
	})
	switch {
	case errors.Is(err, errKeysUnavailable):
		return &denial{http.StatusServiceUnavailable, "cannot fetch Entra ID signing keys: " + err.Error(), "cannot verify the token now"}
	case err != nil:
		return &denial{http.StatusUnauthorized, "invalid bearer token: " + err.Error(), "unauthorized"}
	case !slices.Contains(v.issuers, c.Issuer):
		return &denial{http.StatusUnauthorized, "bearer token from an issuer not accepted", "unauthorized"}
	case !slices.Contains(c.Roles, v.role):
		return &denial{http.StatusForbidden, "bearer token lacks role " + v.role, "forbidden: the token lacks role " + v.role}
	case len(v.clientIDs) > 0 && !slices.Contains(v.clientIDs, c.AppID) && !slices.Contains(v.clientIDs, c.AzP):
		return &denial{http.StatusForbidden, "bearer token of an application not allowed", "forbidden: application not allowed"}
	}
	return nil
}
