package server

import (
	"errors"
	"mime"
	"net"
	"net/http"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/auth"
)

// callerError is an answer about the caller itself: who it is (401),
// what it may do (403), how it sent the request (415), or how often it
// failed to prove who it is (429).
type callerError struct {
	status     int
	msg        string
	retryAfter time.Duration
}

func (e *callerError) Error() string { return e.msg }

// denyAll is the authenticator of a server given none: nobody gets in.
type denyAll struct{}

func (denyAll) Authenticate(*http.Request) (auth.Identity, error) {
	return auth.Identity{}, errors.New("the server has no authentication configured")
}

// guard lets a request through to h only when its caller proves who it
// is (Options.Auth) and holds role need; it puts the identity in the
// request's context. A state-changing request must also be JSON: with
// the credential in a header and a JSON body, a cross-site page cannot
// send it without a CORS preflight, which this server never grants.
// Failed authentications are limited per client address, actions per
// caller.
func (s *server) guard(need auth.Role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := s.identify(r, need)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				s.fail(w, r, &callerError{status: http.StatusUnsupportedMediaType, msg: "send the body as JSON (Content-Type: application/json)"})
				return
			}
			if err := s.countAction(id); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		h(w, r.WithContext(auth.WithIdentity(r.Context(), id)))
	}
}

// identify says who sends r (Options.Auth), when it holds role need.
// Failed authentications are limited per client address.
func (s *server) identify(r *http.Request, need auth.Role) (auth.Identity, *callerError) {
	client := clientAddr(r)
	if wait, blocked := s.failures.Blocked(client); blocked {
		return auth.Identity{}, &callerError{status: http.StatusTooManyRequests, retryAfter: wait,
			msg: "too many failed authentications from this address; wait, then send a valid token"}
	}
	id, err := s.auth.Authenticate(r)
	switch {
	case errors.Is(err, auth.ErrUnavailable):
		s.log.Warn("cannot check credentials now", "method", r.Method, "path", r.URL.Path, "err", err)
		return id, &callerError{status: http.StatusServiceUnavailable, retryAfter: 30 * time.Second,
			msg: "the credentials cannot be checked now (Microsoft Entra ID's keys are unreachable); retry later"}
	case errors.Is(err, auth.ErrNoRole):
		s.log.Warn("authenticated caller without a role", "method", r.Method, "path", r.URL.Path, "err", err)
		return id, &callerError{status: http.StatusForbidden, msg: id.Name + " holds none of the API's roles or groups: ask for the viewer or operator role"}
	}
	if err != nil {
		s.failures.Count(client)
		s.log.Warn("authentication failed", "method", r.Method, "path", r.URL.Path, "client", client, "err", err)
		msg := "send a valid token: Authorization: Bearer <token> (aksupgrade --token-file or AKSUPGRADE_TOKEN)"
		if errors.Is(err, auth.ErrBadCredentials) {
			msg = "the token is not valid; " + msg
		}
		return id, &callerError{status: http.StatusUnauthorized, msg: msg}
	}
	if !id.Role.Allows(need) {
		return id, &callerError{status: http.StatusForbidden,
			msg: id.Name + " is a " + string(id.Role) + "; this needs the " + string(need) + " role"}
	}
	return id, nil
}

// countAction limits the actions of each caller: a script gone wrong, or
// a stolen token, cannot flood the engine and the audit with actions.
func (s *server) countAction(id auth.Identity) *callerError {
	if wait, blocked := s.actions.Blocked(id.Name); blocked {
		return &callerError{status: http.StatusTooManyRequests, retryAfter: wait,
			msg: id.Name + " sent too many actions; wait, then send it again"}
	}
	s.actions.Count(id.Name)
	return nil
}

// clientAddr is the address failed authentications are counted by: the
// peer's IP (a proxy in front is one client; put its own limit there).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
