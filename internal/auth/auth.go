// Package auth says who calls the API and what they may do. Two roles:
// a viewer reads; an operator also approves, pauses, resumes, retries and
// aborts. A caller proves who it is with a bearer token in the
// Authorization header (never a cookie, so a cross-site page cannot
// forge a request), and the name the token was given is what the audit
// records.
//
// Microsoft Entra ID access tokens (Entra) work too: the holder's app
// roles or groups map to viewer and operator, and the audit records its
// sign-in name.
//
// Tokens are kept hashed (SHA-256): a token file or the
// AKSUPGRADE_API_TOKENS variable holds lines of "NAME ROLE sha256:HEX",
// and `aksupgrade token new` makes a token and its line. Without any
// authentication configured (Anonymous), every caller is "anonymous"
// with the operator role: for a laptop, and only on a loopback address.
package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Role is what a caller may do.
type Role string

const (
	// Viewer reads status, plans, rollouts, audit, events.
	Viewer Role = "viewer"
	// Operator also acts on rollouts: approve, pause, resume, retry,
	// abort.
	Operator Role = "operator"
)

// Allows reports whether a caller with role r may do what needs role
// need.
func (r Role) Allows(need Role) bool {
	switch r {
	case Operator:
		return need == Operator || need == Viewer
	case Viewer:
		return need == Viewer
	}
	return false
}

func parseRole(s string) (Role, bool) {
	switch Role(strings.ToLower(s)) {
	case Viewer:
		return Viewer, true
	case Operator:
		return Operator, true
	}
	return "", false
}

// Identity is who a caller proved to be.
type Identity struct {
	// Name is what the audit records: a token's name, or "anonymous".
	Name string
	Role Role
	// Method says how: "token", "entra" or "none".
	Method string
}

// Errors of Authenticate.
var (
	// ErrNoCredentials: the request carries none.
	ErrNoCredentials = errors.New("no credentials: send Authorization: Bearer <token>")
	// ErrBadCredentials: it carries some, and they are not valid.
	ErrBadCredentials = errors.New("the credentials are not valid")
	// ErrNoRole: they are valid, and grant no role of the API.
	ErrNoRole = errors.New("the caller holds no role of the API")
	// ErrUnavailable: they cannot be checked now (Entra ID's keys cannot
	// be fetched); retry later.
	ErrUnavailable = errors.New("the credentials cannot be checked now")
)

// Authenticator says who sent a request.
type Authenticator interface {
	// Authenticate returns the caller's identity, or an error wrapping
	// ErrNoCredentials, ErrBadCredentials, ErrNoRole (with the identity
	// the credentials name) or ErrUnavailable.
	Authenticate(r *http.Request) (Identity, error)
}

// Anonymous lets every caller in as "anonymous" operator: no
// authentication at all. Serve it on loopback only.
type Anonymous struct{}

// Authenticate lets r in.
func (Anonymous) Authenticate(*http.Request) (Identity, error) {
	return Identity{Name: "anonymous", Role: Operator, Method: "none"}, nil
}

type identityKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// From returns the identity ctx carries, if any.
func From(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
