package dashboard

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/auth"
)

// pageNames are the templates/*.html that are pages; each is rendered
// inside layout.html, with parts.html's shared pieces.
var pageNames = []string{"fleet", "timeline", "rollouts", "rollout", "approvals", "events", "login", "error"}

func parseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

func (d *Dashboard) funcs() template.FuncMap {
	return template.FuncMap{
		"span":     aksupgrade.FormatSpan,
		"list":     list,
		"pathEsc":  url.PathEscape,
		"queryEsc": url.QueryEscape,
		"lower":    strings.ToLower,
	}
}

// base is what every page shows around its content.
type base struct {
	Title string
	// Nav is the page the navigation marks as current.
	Nav string
	Now string
	// Who is the caller; CanAct whether it may press the buttons; SignedIn
	// whether a session cookie carries it (it may sign out).
	Who      auth.Identity
	CanAct   bool
	SignedIn bool
	CSRF     string
	Flash    *flash
	// Fleet says how old the last observation of the fleet is.
	Fleet     string
	FleetOld  bool
	EngineErr string
	// Waiting is how many things wait on a person (the approvals badge).
	Waiting int
	// Path is the page's own path, where a form returns to.
	Path string
}

// flash is the outcome of the last form, shown once on the next page.
type flash struct {
	OK   bool
	Text string
}

// page is what a page template receives: the frame and the page's own
// view.
type page struct {
	base
	V any
}

// render writes a page. A page is drawn in memory first, so that a
// template error answers 500 rather than half a page.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, v any) {
	d.renderBase(w, r, status, name, d.frame(w, r, name, nil), v)
}

func (d *Dashboard) renderBase(w http.ResponseWriter, r *http.Request, status int, name string, b base, v any) {
	var buf bytes.Buffer
	if err := d.pages[name].ExecuteTemplate(&buf, "layout", page{base: b, V: v}); err != nil {
		d.log.Error("dashboard page failed to render", "page", name, "err", err)
		http.Error(w, "the page failed to render; the server's log says why", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w) // a client that hung up gets nothing either way
}

// frame fills what every page shows; fleetAt is when the fleet was
// observed, when the page read it already (nil: frame reads it). The
// counts it reads are best effort: a page whose own data loads is shown
// even when they cannot be read.
func (d *Dashboard) frame(w http.ResponseWriter, r *http.Request, name string, fleetAt *time.Time) base {
	now := d.o.Clock.Now()
	b := base{Title: titles[name], Nav: name, Now: when(now, now, time.UTC), CSRF: csrfToken(w, r), Path: r.URL.RequestURI(), Flash: takeFlash(w, r)}
	if id, ok := auth.From(r.Context()); ok {
		b.Who, b.CanAct, b.SignedIn = id, id.Role.Allows(auth.Operator), Token(r) != ""
	}
	if fleetAt == nil {
		if f, err := d.o.Store.Fleet(r.Context()); err == nil {
			fleetAt = &f.At
		}
	}
	if fleetAt != nil {
		b.Fleet = "fleet observed " + relative(*fleetAt, now)
		b.FleetOld = now.Sub(*fleetAt) > time.Hour
	} else {
		b.Fleet = "fleet not observed yet"
	}
	if at, err := d.o.Engine.LastError(); err != nil {
		b.EngineErr = "The engine's last step failed " + relative(at, now) + ": " + err.Error()
	}
	if res, err := d.o.Engine.LastPlan(); err == nil && res != nil {
		if hist, err := d.o.Store.History(r.Context()); err == nil {
			b.Waiting = len(d.waiting(res, hist.Rollouts, now))
		}
	}
	return b
}

var titles = map[string]string{
	"fleet": "Fleet", "timeline": "Timeline", "rollouts": "Rollouts", "rollout": "Rollout",
	"approvals": "Waiting on people", "events": "Events and notifications", "login": "Sign in", "error": "Error",
}

// Fail answers a page request with an error page.
func (d *Dashboard) Fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	d.render(w, r, status, "error", msg)
}

func (d *Dashboard) static(w http.ResponseWriter, r *http.Request) {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.StripPrefix("/static/", http.FileServerFS(sub)).ServeHTTP(w, r)
}

// setFlash keeps the outcome of a form for the page it returns to.
func setFlash(w http.ResponseWriter, r *http.Request, ok bool, text string) {
	v := "e"
	if ok {
		v = "k"
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(v + text), Path: "/", MaxAge: 60, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	v, err := url.QueryUnescape(c.Value)
	if err != nil || v == "" {
		return nil
	}
	return &flash{OK: v[0] == 'k', Text: v[1:]}
}
