package server

import (
	"errors"
	"net/http"

	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/dashboard"
)

// pages mounts the dashboard: its pages for viewers, its forms for
// operators, both authenticated as the API is (the session cookie's
// token goes through Options.Auth like a bearer token), with the same
// roles, failure limits and action limits; each form is also checked
// against cross-site requests.
func (s *server) pages(mux *http.ServeMux, d *dashboard.Dashboard) {
	for _, rt := range d.Public(s.checkToken) {
		mux.HandleFunc(rt.Pattern, s.page(d, rt))
	}
	for _, rt := range d.Routes() {
		mux.HandleFunc(rt.Pattern, s.page(d, rt))
	}
}

func (s *server) page(d *dashboard.Dashboard, rt dashboard.Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rt.Form {
			if err := dashboard.CheckForm(r); err != nil {
				s.log.Warn("dashboard form refused", "path", r.URL.Path, "client", clientAddr(r), "err", err)
				d.Fail(w, r, http.StatusForbidden, err.Error())
				return
			}
		}
		if rt.Role == "" { // sign-in, sign-out, static files
			rt.Handler(w, r)
			return
		}
		tok := dashboard.Token(r)
		if tok == "" && r.Header.Get("Authorization") == "" {
			// A browser that has not signed in yet guesses nothing: it
			// is sent to sign in, and counts as no failure, unless the
			// server lets everybody in (auth.Anonymous).
			if _, err := s.auth.Authenticate(r); err != nil {
				dashboard.SignIn(w, r)
				return
			}
		}
		if tok != "" && r.Header.Get("Authorization") == "" {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		id, cerr := s.identify(r, rt.Role)
		switch {
		case cerr != nil && cerr.status == http.StatusUnauthorized:
			dashboard.SignIn(w, r)
			return
		case cerr != nil:
			if cerr.retryAfter > 0 {
				w.Header().Set("Retry-After", retryAfter(cerr.retryAfter))
			}
			d.Fail(w, r.WithContext(auth.WithIdentity(r.Context(), id)), cerr.status, cerr.msg)
			return
		}
		if rt.Form {
			if cerr := s.countAction(id); cerr != nil {
				w.Header().Set("Retry-After", retryAfter(cerr.retryAfter))
				d.Fail(w, r, cerr.status, cerr.msg)
				return
			}
		}
		rt.Handler(w, r.WithContext(auth.WithIdentity(r.Context(), id)))
	}
}

// checkToken authenticates a token a person typed on the sign-in page,
// as a bearer token, with the limit on failed authentications.
func (s *server) checkToken(r *http.Request, token string) (auth.Identity, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+token)
	id, cerr := s.identify(r, auth.Viewer)
	if cerr != nil {
		if cerr.status == http.StatusUnauthorized {
			return id, errors.New("that token is not valid: check it, or ask for a new one")
		}
		return id, errors.New(cerr.msg)
	}
	return id, nil
}
