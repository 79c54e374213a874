package server_test

import (
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/entra"
	"github.com/aksupgrade/aksupgrade/internal/entra/entratest"
	"github.com/aksupgrade/aksupgrade/internal/server"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// apiRoutes are every route of /api/v1, with a request each can take.
var apiRoutes = []struct {
	method, path, body string
	write              bool
}{
	{"GET", "/api/v1/status", "", false},
	{"GET", "/api/v1/plan", "", false},
	{"GET", "/api/v1/rollouts", "", false},
	{"GET", "/api/v1/rollouts/1.31.5", "", false},
	{"GET", "/api/v1/audit", "", false},
	{"GET", "/api/v1/events", "", false},
	{"GET", "/api/v1/notifications", "", false},
	{"POST", "/api/v1/rollouts/1.31.5/approve", `{"stage":"prod"}`, true},
	{"POST", "/api/v1/rollouts/1.31.5/pause", `{"reason":"freeze"}`, true},
	{"POST", "/api/v1/rollouts/1.31.5/resume", `{}`, true},
	{"POST", "/api/v1/rollouts/1.31.5/abort", `{}`, true},
	{"POST", "/api/v1/stages/prod/retry", `{}`, true},
}

// TestAuthRoutes: every route of the API × every kind of caller, with
// API tokens and with Microsoft Entra ID tokens. Without credentials or
// with a wrong token: 401 and a Bearer challenge; a viewer reads and gets
// 403 on every action; an operator does both; a signed-in caller with no
// role gets 403; and a refused request records nothing.
func TestAuthRoutes(t *testing.T) {
	tenant := entratest.New(t, "api://aksupgrade")
	var now time.Time
	e := newEnv(t, func(e *env, o *server.Options) {
		o.AuthFailures = &auth.Limit{Clock: o.Clock, Max: 1000} // this test fails on purpose, often
		now = o.Clock.Now()
		o.Auth = auth.Chain{testTokens(t), auth.Entra{Verifier: entra.New(tenant.Options(), o.Clock),
			Operators: []string{"Aksupgrade.Operator"}, Viewers: []string{"Aksupgrade.Viewer"}}}
	})
	e.awaitingApproval(t)
	// Tokens valid for a week of simulated time, signed at the start.
	week := jwt.MapClaims{"exp": now.Add(7 * 24 * time.Hour).Unix()}
	entraViewer := tenant.Token(t, now, merge(week, jwt.MapClaims{"preferred_username": "vera@corp.example", "roles": []string{"Aksupgrade.Viewer"}}))
	entraOperator := tenant.Token(t, now, merge(week, jwt.MapClaims{"preferred_username": "otto@corp.example", "roles": []string{"Aksupgrade.Operator"}}))
	entraNobody := tenant.Token(t, now, merge(week, jwt.MapClaims{"preferred_username": "nora@corp.example"}))
	for _, rt := range apiRoutes {
		for _, who := range []struct {
			name, token string
			want        func(status int) bool
			says        string
		}{
			{"no credentials", "", func(s int) bool { return s == http.StatusUnauthorized }, "send a valid token"},
			{"a wrong token", "secret-mallory", func(s int) bool { return s == http.StatusUnauthorized }, "the token is not valid"},
			{"a viewer", "secret-victor", func(s int) bool {
				if rt.write {
					return s == http.StatusForbidden
				}
				return s == http.StatusOK
			}, "victor is a viewer; this needs the operator role"},
			{"an operator", "secret-carol", func(s int) bool { return s != http.StatusUnauthorized && s != http.StatusForbidden }, ""},
			{"an Entra ID viewer", entraViewer, func(s int) bool {
				if rt.write {
					return s == http.StatusForbidden
				}
				return s == http.StatusOK
			}, "vera@corp.example is a viewer; this needs the operator role"},
			{"an Entra ID operator", entraOperator, func(s int) bool { return s != http.StatusUnauthorized && s != http.StatusForbidden }, ""},
			{"an Entra ID user with no role", entraNobody, func(s int) bool { return s == http.StatusForbidden }, "nora@corp.example holds none of the API's roles"},
		} {
			t.Run(rt.method+" "+rt.path+" as "+who.name, func(t *testing.T) {
				before := auditOf(t, e)
				a := callAs(t, e.h, who.token, rt.method, rt.path, rt.body)
				if !who.want(a.status) {
					t.Fatalf("status %d: %s", a.status, a.body)
				}
				if a.status == http.StatusUnauthorized && !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without a Bearer challenge: %v", a.header)
				}
				if who.says != "" && (a.status == http.StatusUnauthorized || a.status == http.StatusForbidden) && !strings.Contains(a.problem(t), who.says) {
					t.Errorf("error %q, want it to say %q", a.problem(t), who.says)
				}
				if (who.token != "secret-carol" && who.token != entraOperator) || !rt.write {
					if after := auditOf(t, e); len(after) != len(before) {
						t.Errorf("a refused or read-only request recorded %+v", after[:len(after)-len(before)])
					}
				}
			})
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if a := callAs(t, e.h, "", "GET", path, ""); a.status != http.StatusOK {
			t.Errorf("GET %s without credentials: %d, want 200 (probes keep their own rules)", path, a.status)
		}
	}
}

// TestAuthActorIsTheCaller: the audit records the authenticated caller,
// never a name from the body.
func TestAuthActorIsTheCaller(t *testing.T) {
	e := newEnv(t)
	e.awaitingApproval(t)
	a := callAs(t, e.h, "secret-bob", "POST", "/api/v1/rollouts/1.31.5/approve", `{"by":"alice@corp (spoofed)","stage":"prod"}`)
	wantStatus(t, a, http.StatusOK)
	entries, err := e.st.Audit(t.Context(), store.AuditQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Kind != "approved" || entries[0].Actor != "bob" {
		t.Errorf("audit %+v, want bob's approval", entries)
	}
}

// TestAuthCrossSite: a request as a cross-site page sends it (a form's
// text/plain body, no credentials) changes nothing; with an operator's
// token but not JSON, it is refused too.
func TestAuthCrossSite(t *testing.T) {
	e := newEnv(t)
	e.awaitingApproval(t)
	before := auditOf(t, e)
	for _, token := range []string{"", "Bearer secret-alice"} {
		r := httptest.NewRequest("POST", "/api/v1/rollouts/1.31.5/approve", strings.NewReader(`{"by":"alice","stage":"prod"}`))
		r.Header.Set("Content-Type", "text/plain")
		r.Header.Set("Origin", "http://evil.example")
		if token != "" {
			r.Header.Set("Authorization", token)
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		want := http.StatusUnauthorized
		if token != "" {
			want = http.StatusUnsupportedMediaType
		}
		if w.Code != want {
			t.Errorf("text/plain approve with %q: %d, want %d", token, w.Code, want)
		}
		if w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("the server grants cross-origin access: %v", w.Header())
		}
	}
	if after := auditOf(t, e); len(after) != len(before) {
		t.Errorf("a forged request recorded %+v", after[:len(after)-len(before)])
	}
}

// TestAuthFailureLimit: after too many failed authentications an address
// is refused, valid token or not, until the window ends.
func TestAuthFailureLimit(t *testing.T) {
	e := newEnv(t, func(_ *env, o *server.Options) {
		o.AuthFailures = &auth.Limit{Clock: o.Clock, Max: 3, Window: time.Minute}
	})
	for range 3 {
		wantStatus(t, callAs(t, e.h, "guess", "GET", "/api/v1/rollouts", ""), http.StatusUnauthorized)
	}
	a := callAs(t, e.h, "secret-alice", "GET", "/api/v1/rollouts", "")
	wantStatus(t, a, http.StatusTooManyRequests)
	if a.header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After %q, want 60", a.header.Get("Retry-After"))
	}
	e.clk.Advance(time.Minute)
	wantStatus(t, callAs(t, e.h, "secret-alice", "GET", "/api/v1/rollouts", ""), http.StatusOK)
}

// TestAuthNone: a server given no authenticator lets nobody in;
// auth.Anonymous lets everybody in, as "anonymous".
func TestAuthNone(t *testing.T) {
	e := newEnv(t, func(_ *env, o *server.Options) { o.Auth = nil })
	wantStatus(t, callAs(t, e.h, "secret-alice", "GET", "/api/v1/rollouts", ""), http.StatusUnauthorized)
	open := newEnv(t, func(_ *env, o *server.Options) { o.Auth = auth.Anonymous{} })
	open.awaitingApproval(t)
	wantStatus(t, callAs(t, open.h, "", "POST", "/api/v1/rollouts/1.31.5/pause", `{"by":"alice"}`), http.StatusOK)
	entries, err := open.st.Audit(t.Context(), store.AuditQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != "anonymous" {
		t.Errorf("audit %+v, want the pause by anonymous", entries)
	}
}

func merge(a, b jwt.MapClaims) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestAuthEntraActor: an action with an Entra ID token is recorded under
// the holder's sign-in name; with Entra ID's keys unreachable, the caller
// is told to retry (503), and nothing is recorded.
func TestAuthEntraActor(t *testing.T) {
	tenant := entratest.New(t, "api://aksupgrade")
	e := newEnv(t, func(e *env, o *server.Options) {
		o.Auth = auth.Entra{Verifier: entra.New(tenant.Options(), o.Clock), Operators: []string{"Aksupgrade.Operator"}}
	})
	e.awaitingApproval(t)
	token := tenant.Token(t, e.clk.Now(), jwt.MapClaims{"preferred_username": "otto@corp.example", "roles": []string{"Aksupgrade.Operator"}})
	wantStatus(t, callAs(t, e.h, token, "POST", "/api/v1/rollouts/1.31.5/pause", `{"by":"someone else","reason":"freeze"}`), http.StatusOK)
	entries, err := e.st.Audit(t.Context(), store.AuditQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != "otto@corp.example" {
		t.Errorf("audit %+v, want the pause by otto@corp.example", entries)
	}
	other := entratest.New(t, "api://aksupgrade") // a key the verifier has not seen: it must fetch
	tenant.SetDown(true)
	a := callAs(t, e.h, other.Token(t, e.clk.Now(), jwt.MapClaims{"roles": []string{"Aksupgrade.Operator"}}), "POST", "/api/v1/rollouts/1.31.5/resume", `{}`)
	if a.status != http.StatusServiceUnavailable && a.status != http.StatusUnauthorized {
		t.Errorf("with the keys down: %d, want 503 (or 401 while the last keys are fresh)", a.status)
	}
}

// TestActionReasonPrintable: a reason is stored as people may read it
// back in a terminal (no escape sequences, no bidirectional overrides),
// and a reason too long is refused.
func TestActionReasonPrintable(t *testing.T) {
	e := newEnv(t)
	e.awaitingApproval(t)
	wantStatus(t, call(t, e.h, "POST", "/api/v1/rollouts/1.31.5/pause", `{"reason":"\u001b[2Jfreeze\u202e"}`), http.StatusOK)
	entries, err := e.st.Audit(t.Context(), store.AuditQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || strings.ContainsAny(entries[0].Message, "\x1b\u202e") || !strings.Contains(entries[0].Message, " [2Jfreeze") {
		t.Errorf("audit %+v, want the reason without control characters", entries)
	}
	a := call(t, e.h, "POST", "/api/v1/rollouts/1.31.5/abort", `{"reason":"`+strings.Repeat("x", 1001)+`"}`)
	wantStatus(t, a, http.StatusBadRequest)
}

// TestActionLimit: a caller's actions are limited; others go on.
func TestActionLimit(t *testing.T) {
	e := newEnv(t, func(_ *env, o *server.Options) {
		o.Actions = &auth.Limit{Clock: o.Clock, Max: 2, Window: time.Minute}
	})
	e.awaitingApproval(t)
	wantStatus(t, callAs(t, e.h, "secret-alice", "POST", "/api/v1/rollouts/1.31.5/pause", `{}`), http.StatusOK)
	wantStatus(t, callAs(t, e.h, "secret-alice", "POST", "/api/v1/rollouts/1.31.5/resume", `{}`), http.StatusOK)
	a := callAs(t, e.h, "secret-alice", "POST", "/api/v1/rollouts/1.31.5/pause", `{}`)
	wantStatus(t, a, http.StatusTooManyRequests)
	if a.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	wantStatus(t, callAs(t, e.h, "secret-bob", "POST", "/api/v1/rollouts/1.31.5/pause", `{}`), http.StatusOK)
	wantStatus(t, callAs(t, e.h, "secret-alice", "GET", "/api/v1/rollouts", ""), http.StatusOK) // reads are not actions
	e.clk.Advance(time.Minute)
	wantStatus(t, callAs(t, e.h, "secret-alice", "POST", "/api/v1/rollouts/1.31.5/resume", `{}`), http.StatusOK)
}

// TestReadyzStoreLocked: while another process holds the database's
// write lock past the busy timeout, the server is not ready.
func TestReadyzStoreLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := sqlite.Open(t.Context(), path, sqlite.WithBusyTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := server.New(server.Options{Engine: failingEngine{errors.New("not asked")}, Store: st, Clock: clock.NewManual(time.Now()), Auth: auth.Anonymous{}})
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	conn, err := other.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, callAs(t, h, "", "GET", "/readyz", ""), http.StatusServiceUnavailable)
	if _, err := conn.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	// Writable now: the next answer is the engine's (which fails here).
	if a := callAs(t, h, "", "GET", "/readyz", ""); a.status == http.StatusServiceUnavailable {
		t.Errorf("readyz %d after the lock was released: %s", a.status, a.body)
	}
}
