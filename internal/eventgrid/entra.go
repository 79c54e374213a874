package eventgrid

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/entra"
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

func (o *EntraOptions) validate() error { return o.verifierOptions().Validate() }

func (o *EntraOptions) verifierOptions() entra.Options {
	return entra.Options{Issuers: o.Issuers, Audiences: o.Audiences, JWKSURL: o.JWKSURL, HTTPClient: o.HTTPClient, Leeway: o.Leeway}
}

// entraVerifier checks Entra ID access tokens, and that they hold the
// role and come from an allowed application.
type entraVerifier struct {
	v         *entra.Verifier
	clientIDs []string
	role      string
}

func newEntraVerifier(o *EntraOptions, clock aksupgrade.Clock) *entraVerifier {
	role := o.Role
	if role == "" {
		role = RoleEventGridSubscriber
	}
	return &entraVerifier{v: entra.New(o.verifierOptions(), clock), clientIDs: o.ClientIDs, role: role}
}

// verify checks token: 401 when it is not a valid token of an accepted
// issuer for an accepted audience, 403 when it lacks the role or comes
// from another application, 503 when the keys cannot be fetched.
func (v *entraVerifier) verify(ctx context.Context, token string) *denial {
	c, err := v.v.Verify(ctx, token)
	switch {
	case errors.Is(err, entra.ErrKeysUnavailable):
		return &denial{http.StatusServiceUnavailable, "cannot fetch Entra ID signing keys: " + err.Error(), "cannot verify the token now"}
	case err != nil:
		return &denial{http.StatusUnauthorized, "bearer token: " + err.Error(), "unauthorized"}
	case !slices.Contains(c.Roles, v.role):
		return &denial{http.StatusForbidden, "bearer token lacks role " + v.role, "forbidden: the token lacks role " + v.role}
	case len(v.clientIDs) > 0 && !slices.Contains(v.clientIDs, c.AppID) && !slices.Contains(v.clientIDs, c.AzP):
		return &denial{http.StatusForbidden, "bearer token of an application not allowed", "forbidden: application not allowed"}
	}
	return nil
}
