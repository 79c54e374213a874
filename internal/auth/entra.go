package auth

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/aksupgrade/aksupgrade/internal/entra"
)

// Entra authenticates Microsoft Entra ID access tokens issued for the
// API's application registration. The holder's app roles and groups
// decide its role: any of Operators makes an operator, else any of
// Viewers a viewer, else it may do nothing (ErrNoRole). The audit records
// a person's sign-in name, or "app:" and the client application's ID.
type Entra struct {
	Verifier *entra.Verifier
	// Operators and Viewers are app role values ("Aksupgrade.Operator")
	// or group object IDs.
	Operators, Viewers []string
}

// Authenticate checks r's bearer token with Entra ID's keys.
func (e Entra) Authenticate(r *http.Request) (Identity, error) {
	token, ok := bearer(r)
	if !ok {
		return Identity{}, ErrNoCredentials
	}
	c, err := e.Verifier.Verify(r.Context(), token)
	switch {
	case errors.Is(err, entra.ErrKeysUnavailable):
		return Identity{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	case err != nil:
		return Identity{}, fmt.Errorf("%w: %v", ErrBadCredentials, err)
	}
	id := Identity{Name: entraName(c), Method: "entra"}
	holds := func(grants []string) bool {
		return slices.ContainsFunc(grants, func(g string) bool { return slices.Contains(c.Roles, g) || slices.Contains(c.Groups, g) })
	}
	switch {
	case holds(e.Operators):
		id.Role = Operator
	case holds(e.Viewers):
		id.Role = Viewer
	default:
		return id, fmt.Errorf("%w: %s holds none of the API's roles or groups", ErrNoRole, id.Name)
	}
	return id, nil
}

// entraName is who the audit records for a token's holder.
func entraName(c entra.Claims) string {
	switch {
	case c.PreferredUsername != "":
		return c.PreferredUsername
	case c.UPN != "":
		return c.UPN
	case c.AppID != "":
		return "app:" + c.AppID
	case c.AzP != "":
		return "app:" + c.AzP
	}
	return "oid:" + c.OID
}

// Chain tries each authenticator in turn: the first that knows the
// caller decides. When none does, the most telling failure is returned
// (with the identity its authenticator named, if any): the keys to check
// a token are unavailable, then a valid token with no role, then bad
// credentials, then none.
type Chain []Authenticator

// Authenticate asks each authenticator of c.
func (c Chain) Authenticate(r *http.Request) (Identity, error) {
	worst := ErrNoCredentials
	rank := func(err error) int {
		switch {
		case errors.Is(err, ErrUnavailable):
			return 3
		case errors.Is(err, ErrNoRole):
			return 2
		case errors.Is(err, ErrBadCredentials):
			return 1
		}
		return 0
	}
	var known Identity // who a valid token with no role names
	for _, a := range c {
		id, err := a.Authenticate(r)
		if err == nil {
			return id, nil
		}
		if rank(err) > rank(worst) {
			worst, known = err, id
		}
	}
	return known, worst
}
