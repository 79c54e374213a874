package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/aksupgrade/aksupgrade/internal/auth"
)

// The cookies the dashboard sets. The session cookie holds the API token
// a person signed in with: the server authenticates it on every request
// as it does the Authorization header (an expired Entra ID token stops
// working as it would there), so replicas need no shared session state.
// It is HttpOnly (no script reads it) and SameSite=Strict (no other site's
// page sends it). The CSRF cookie holds a random value each form repeats
// (a double-submit token): a page of another origin can neither read it
// nor set the form field to it.
const (
	sessionCookie = "aksupgrade_session"
	csrfCookie    = "aksupgrade_csrf"
	flashCookie   = "aksupgrade_flash"
	csrfField     = "csrf"
)

// Token returns the API token of the request's session cookie, or "".
func Token(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "" // no cookie: not signed in
	}
	return c.Value
}

// Public are the routes anybody may reach: the static files, and signing
// in and out. check authenticates a token a person typed (the server's
// authenticator, with its limit on failures).
func (d *Dashboard) Public(check func(r *http.Request, token string) (auth.Identity, error)) []Route {
	return []Route{
		{"GET /static/", "", false, d.static},
		{"GET /login", "", false, d.loginPage},
		{"POST /login", "", true, func(w http.ResponseWriter, r *http.Request) { d.login(w, r, check) }},
		{"POST /logout", "", true, d.logout},
	}
}

// ErrCrossSite is CheckForm's answer to a form that another site's page
// may have sent.
var ErrCrossSite = errors.New("this form did not come from this dashboard's own page (its CSRF token is missing or wrong, or the browser says it was sent from another site): reload the page and try again")

// CheckForm tells whether a form post came from one of the dashboard's
// own pages: the browser must not say it came from another site
// (Sec-Fetch-Site, Origin), and its CSRF field must match the CSRF
// cookie. It parses the form.
func CheckForm(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return ErrCrossSite
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return ErrCrossSite
		}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return errors.New("the form cannot be read: " + err.Error())
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return ErrCrossSite
	}
	if subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(csrfField))) != 1 {
		return ErrCrossSite
	}
	return nil
}

// csrfToken returns the request's CSRF cookie value, setting a new one
// when it has none.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics on a broken system)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return v
}

func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusOK, "login", &loginView{Next: localPath(r.URL.Query().Get("next")), SignIn: d.o.SignIn})
}

type loginView struct {
	Next   string
	Error  string
	SignIn bool
}

func (d *Dashboard) login(w http.ResponseWriter, r *http.Request, check func(*http.Request, string) (auth.Identity, error)) {
	next := localPath(r.PostFormValue("next"))
	token := strings.TrimSpace(r.PostFormValue("token"))
	if token == "" {
		d.render(w, r, http.StatusBadRequest, "login", &loginView{Next: next, Error: "Paste an API token (aksupgrade token new makes one).", SignIn: d.o.SignIn})
		return
	}
	id, err := check(r, token)
	if err != nil {
		d.render(w, r, http.StatusUnauthorized, "login", &loginView{Next: next, Error: err.Error(), SignIn: d.o.SignIn})
		return
	}
	d.log.Info("signed in to the dashboard", "who", id.Name, "role", id.Role)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// SignIn answers a page request whose caller is not signed in: back to
// the page once they are.
func SignIn(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = localPath(r.Referer())
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// localPath keeps a redirect on this site: a path of it, or "/".
func localPath(p string) string {
	if strings.ContainsAny(p, "\\\r\n") {
		return "/"
	}
	if u, err := url.Parse(p); err == nil && u.Host == "" && u.Scheme == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//") {
		return u.RequestURI()
	}
	if u, err := url.Parse(p); err == nil && u.Scheme != "" { // a Referer: keep its path
		if strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//") {
			return u.Path
		}
	}
	return "/"
}
