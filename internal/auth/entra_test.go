package auth_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/entra"
	"github.com/aksupgrade/aksupgrade/internal/entra/entratest"
)

func TestEntra(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tn := entratest.New(t, "api://aksupgrade")
	other := entratest.New(t, "api://aksupgrade")
	a := auth.Entra{Verifier: entra.New(tn.Options(), clock.NewManual(now)),
		Operators: []string{"Aksupgrade.Operator", "0000aaaa-group-operators"}, Viewers: []string{"Aksupgrade.Viewer"}}
	for _, tc := range []struct {
		name  string
		token string
		want  auth.Identity
		err   error
	}{
		{"operator by app role", tn.Token(t, now, jwt.MapClaims{"preferred_username": "alice@corp.example", "roles": []string{"Aksupgrade.Operator"}}),
			auth.Identity{Name: "alice@corp.example", Role: auth.Operator, Method: "entra"}, nil},
		{"operator by group", tn.Token(t, now, jwt.MapClaims{"upn": "bob@corp.example", "groups": []string{"0000aaaa-group-operators"}}),
			auth.Identity{Name: "bob@corp.example", Role: auth.Operator, Method: "entra"}, nil},
		{"viewer, an application", tn.Token(t, now, jwt.MapClaims{"azp": "grafana-app-id", "roles": []string{"Aksupgrade.Viewer"}}),
			auth.Identity{Name: "app:grafana-app-id", Role: auth.Viewer, Method: "entra"}, nil},
		{"no role", tn.Token(t, now, jwt.MapClaims{"preferred_username": "carol@corp.example"}), auth.Identity{}, auth.ErrNoRole},
		{"another audience", tn.Token(t, now, jwt.MapClaims{"aud": "api://other", "roles": []string{"Aksupgrade.Operator"}}), auth.Identity{}, auth.ErrBadCredentials},
		{"expired", tn.Token(t, now.Add(-3*time.Hour), jwt.MapClaims{"roles": []string{"Aksupgrade.Operator"}}), auth.Identity{}, auth.ErrBadCredentials},
		{"signed by another tenant's key", other.Token(t, now, jwt.MapClaims{"roles": []string{"Aksupgrade.Operator"}}), auth.Identity{}, auth.ErrBadCredentials},
		{"not a token", "aksu_static", auth.Identity{}, auth.ErrBadCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tc.token)
			got, err := a.Authenticate(r)
			if !errors.Is(err, tc.err) || (tc.err == nil && got != tc.want) {
				t.Errorf("Authenticate = %+v, %v; want %+v, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestEntraKeysDown(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tn := entratest.New(t, "api://aksupgrade")
	tn.SetDown(true)
	a := auth.Entra{Verifier: entra.New(tn.Options(), clock.NewManual(now)), Operators: []string{"Aksupgrade.Operator"}}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tn.Token(t, now, jwt.MapClaims{"roles": []string{"Aksupgrade.Operator"}}))
	if _, err := a.Authenticate(r); !errors.Is(err, auth.ErrUnavailable) {
		t.Errorf("Authenticate with the keys down = %v, want ErrUnavailable", err)
	}
}

// TestChain: a static token and an Entra token both get in; the most
// telling failure wins when none does.
func TestChain(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tn := entratest.New(t, "api://aksupgrade")
	tokens, err := auth.ParseTokens("t", []byte("ci operator "+auth.Hash("aksu_ci")))
	if err != nil {
		t.Fatal(err)
	}
	c := auth.Chain{tokens, auth.Entra{Verifier: entra.New(tn.Options(), clock.NewManual(now)), Viewers: []string{"Aksupgrade.Viewer"}}}
	for _, tc := range []struct {
		token, name string
		err         error
	}{
		{"aksu_ci", "ci", nil},
		{tn.Token(t, now, jwt.MapClaims{"upn": "v@corp.example", "roles": []string{"Aksupgrade.Viewer"}}), "v@corp.example", nil},
		{tn.Token(t, now, jwt.MapClaims{"upn": "n@corp.example"}), "", auth.ErrNoRole},
		{"aksu_wrong", "", auth.ErrBadCredentials},
		{"", "", auth.ErrNoCredentials},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.token != "" {
			r.Header.Set("Authorization", "Bearer "+tc.token)
		}
		id, err := c.Authenticate(r)
		if !errors.Is(err, tc.err) || (err == nil && id.Name != tc.name) {
			t.Errorf("Authenticate(%.12s…) = %+v, %v; want %q, %v", tc.token, id, err, tc.name, tc.err)
		}
	}
}
