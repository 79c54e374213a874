package server_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/dashboard"
	"github.com/aksupgrade/aksupgrade/internal/server"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// pageRoutes are the dashboard's authenticated pages.
var pageRoutes = []string{"/", "/timeline", "/timeline.svg", "/rollouts", "/rollouts/1.31.5", "/approvals", "/events"}

// withDashboard mounts the dashboard on the test server.
func withDashboard(t *testing.T) func(*env, *server.Options) {
	return func(e *env, o *server.Options) {
		d, err := dashboard.New(dashboard.Options{Engine: e.eng, Store: e.st, Clock: o.Clock, SignIn: true})
		if err != nil {
			t.Fatal(err)
		}
		o.Dashboard = d
	}
}

// browse serves one browser request: with the session cookie of the
// person secret names (none when empty), the CSRF cookie, and a form
// body for a POST.
func (e *env) browse(t *testing.T, method, path, secret string, form url.Values, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if secret != "" {
		r.AddCookie(&http.Cookie{Name: "aksupgrade_session", Value: secret})
	}
	r.AddCookie(&http.Cookie{Name: "aksupgrade_csrf", Value: csrfValue})
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

const csrfValue = "0123456789abcdef0123456789abcdef0123456789a"

// TestPagesNeedSignIn: without a session every page sends the browser to
// the sign-in page, which comes back to it; the sign-in page and the
// static files need none.
func TestPagesNeedSignIn(t *testing.T) {
	e := newEnv(t, withDashboard(t))
	e.awaitingApproval(t)
	for _, p := range pageRoutes {
		w := e.browse(t, "GET", p, "", nil, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next="+url.QueryEscape(p) {
			t.Errorf("GET %s without a session: %d to %q, want 303 to the sign-in page", p, w.Code, w.Header().Get("Location"))
		}
		w = e.browse(t, "GET", p, "secret-mallory", nil, nil)
		if w.Code != http.StatusSeeOther {
			t.Errorf("GET %s with a wrong token: %d, want 303 to the sign-in page", p, w.Code)
		}
	}
	for _, p := range []string{"/login", "/static/style.css", "/static/live.js"} {
		if w := e.browse(t, "GET", p, "", nil, nil); w.Code != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", p, w.Code)
		}
	}
}

// TestPagesForEachRole: a viewer sees every page and no button, and is
// refused every action; an operator sees the buttons and acts, recorded
// as who they are.
func TestPagesForEachRole(t *testing.T) {
	e := newEnv(t, withDashboard(t))
	e.awaitingApproval(t)
	for _, p := range pageRoutes {
		for _, who := range []string{"secret-victor", "secret-carol"} {
			if w := e.browse(t, "GET", p, who, nil, nil); w.Code != http.StatusOK {
				t.Errorf("GET %s as %s: %d\n%s", p, who, w.Code, w.Body)
			}
		}
	}
	if body := e.browse(t, "GET", "/approvals", "secret-victor", nil, nil).Body.String(); strings.Contains(body, "/approve\"") || !strings.Contains(body, "needs the operator role") {
		t.Errorf("a viewer's approvals page offers the approve button, or does not say why not:\n%s", body)
	}
	if body := e.browse(t, "GET", "/approvals", "secret-carol", nil, nil).Body.String(); !strings.Contains(body, `action="/rollouts/1.31.5/approve"`) {
		t.Errorf("an operator's approvals page has no approve button for 1.31.5:\n%s", body)
	}
	approve := url.Values{"csrf": {csrfValue}, "stage": {"prod"}, "back": {"/approvals"}}
	forms := map[string]url.Values{
		"/rollouts/1.31.5/approve": approve,
		"/rollouts/1.31.5/pause":   {"csrf": {csrfValue}, "reason": {"freeze"}},
		"/rollouts/1.31.5/resume":  {"csrf": {csrfValue}},
		"/rollouts/1.31.5/abort":   {"csrf": {csrfValue}},
		"/stages/prod/retry":       {"csrf": {csrfValue}},
	}
	before := e.auditLen(t)
	for p, f := range forms {
		if w := e.browse(t, "POST", p, "secret-victor", f, nil); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "needs the operator role") {
			t.Errorf("POST %s as a viewer: %d, want 403 saying why\n%s", p, w.Code, w.Body)
		}
	}
	if n := e.auditLen(t); n != before {
		t.Fatalf("a viewer's refused forms wrote %d audit entries", n-before)
	}
	w := e.browse(t, "POST", "/rollouts/1.31.5/approve", "secret-carol", approve, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/approvals" {
		t.Fatalf("approve as an operator: %d to %q, want 303 back to the page", w.Code, w.Header().Get("Location"))
	}
	if flash := cookie(w, "aksupgrade_flash"); !strings.Contains(flash, url.QueryEscape("Approved 1.31.5 for prod (by carol).")) {
		t.Errorf("the approval's confirmation: %q", flash)
	}
	entries, err := e.st.Audit(context.Background(), store.AuditQuery{Stage: "prod", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].Actor != "carol" {
		t.Fatalf("the audit after carol approved in the page: %+v", entries)
	}
}

// TestFormsRefuseCrossSiteRequests: a form without the CSRF cookie's
// value, or that the browser says another site sent, changes nothing.
func TestFormsRefuseCrossSiteRequests(t *testing.T) {
	e := newEnv(t, withDashboard(t))
	e.awaitingApproval(t)
	good := url.Values{"csrf": {csrfValue}, "stage": {"prod"}}
	for _, c := range []struct {
		name   string
		form   url.Values
		header map[string]string
	}{
		{"no CSRF field", url.Values{"stage": {"prod"}}, nil},
		{"a wrong CSRF field", url.Values{"csrf": {"forged"}, "stage": {"prod"}}, nil},
		{"another origin", good, map[string]string{"Origin": "https://evil.example"}},
		{"a cross-site fetch", good, map[string]string{"Sec-Fetch-Site": "cross-site"}},
	} {
		before := e.auditLen(t)
		w := e.browse(t, "POST", "/rollouts/1.31.5/approve", "secret-carol", c.form, c.header)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "did not come from this dashboard") {
			t.Errorf("%s: %d, want 403 saying why\n%s", c.name, w.Code, w.Body)
		}
		if n := e.auditLen(t); n != before {
			t.Errorf("%s: wrote %d audit entries", c.name, n-before)
		}
	}
	// The same form from the page itself is taken.
	if w := e.browse(t, "POST", "/rollouts/1.31.5/approve", "secret-carol", good, map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}); w.Code != http.StatusSeeOther {
		t.Errorf("a same-origin form: %d, want 303\n%s", w.Code, w.Body)
	}
}

// TestSignIn: a wrong token is refused on the page, with no cookie; a
// good one sets a session cookie no script and no other site can use,
// and goes back to the page asked for, never to another site.
func TestSignIn(t *testing.T) {
	e := newEnv(t, withDashboard(t))
	w := e.browse(t, "POST", "/login", "", url.Values{"csrf": {csrfValue}, "token": {"secret-mallory"}, "next": {"/events"}}, nil)
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "not valid") || cookie(w, "aksupgrade_session") != "" {
		t.Fatalf("a wrong token: %d, session %q\n%s", w.Code, cookie(w, "aksupgrade_session"), w.Body)
	}
	w = e.browse(t, "POST", "/login", "", url.Values{"csrf": {csrfValue}, "token": {"secret-alice"}, "next": {"/events"}}, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/events" {
		t.Fatalf("a good token: %d to %q", w.Code, w.Header().Get("Location"))
	}
	set := w.Result().Cookies()
	var session *http.Cookie
	for _, c := range set {
		if c.Name == "aksupgrade_session" {
			session = c
		}
	}
	if session == nil || session.Value != "secret-alice" || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("the session cookie: %+v", session)
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		w = e.browse(t, "POST", "/login", "", url.Values{"csrf": {csrfValue}, "token": {"secret-alice"}, "next": {next}}, nil)
		if loc := w.Header().Get("Location"); loc != "/" {
			t.Errorf("next=%q sends the browser to %q, want /", next, loc)
		}
	}
	// Signing out forgets the session.
	w = e.browse(t, "POST", "/logout", "secret-alice", url.Values{"csrf": {csrfValue}}, nil)
	if w.Code != http.StatusSeeOther || !strings.Contains(w.Header().Get("Set-Cookie"), "aksupgrade_session=;") {
		t.Errorf("sign out: %d, Set-Cookie %q", w.Code, w.Header().Get("Set-Cookie"))
	}
}

// TestLiveTellsOfChanges: /live sends a change event at once, as a
// server-sent event stream, and ends with the request.
func TestLiveTellsOfChanges(t *testing.T) {
	e := newEnv(t, withDashboard(t))
	e.run(t, 2*time.Hour)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/live", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "aksupgrade_session", Value: "secret-victor"})
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || sc.Text() != "event: change" || !sc.Scan() || !strings.HasPrefix(sc.Text(), "data: ") {
		t.Fatalf("the first event: %q (%v)", sc.Text(), sc.Err())
	}
}

// cookie is the value w sets for name ("" when it sets none).
func cookie(w *httptest.ResponseRecorder, name string) string {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// auditLen is how many audit entries there are.
func (e *env) auditLen(t *testing.T) int {
	t.Helper()
	entries, err := e.st.Audit(context.Background(), store.AuditQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
