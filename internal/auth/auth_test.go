package auth

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
)

func TestTokens(t *testing.T) {
	alice, aliceLine, err := NewToken("alice", Operator)
	if err != nil {
		t.Fatal(err)
	}
	bob, bobLine, err := NewToken("bob", Viewer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(alice, tokenPrefix) || strings.Contains(aliceLine, alice) {
		t.Fatalf("token %q, line %q: want the prefix, and a line without the secret", alice, aliceLine)
	}
	ts, err := ParseTokens("tokens", []byte("# team tokens\n\n"+aliceLine+"\n"+bobLine+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		header string
		want   Identity
		err    error
	}{
		{"Bearer " + alice, Identity{Name: "alice", Role: Operator, Method: "token"}, nil},
		{"bearer " + bob, Identity{Name: "bob", Role: Viewer, Method: "token"}, nil},
		{"Bearer " + alice + "x", Identity{}, ErrBadCredentials},
		{"Basic " + alice, Identity{}, ErrNoCredentials},
		{"", Identity{}, ErrNoCredentials},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		got, err := ts.Authenticate(r)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("Authenticate(%q) = %+v, %v; want %+v, %v", tc.header, got, err, tc.want, tc.err)
		}
	}
}

func TestParseTokensErrors(t *testing.T) {
	good := Hash("s3cret")
	for _, tc := range []struct{ text, want string }{
		{"alice operator", "tokens:1: found 2 fields, allowed: NAME ROLE sha256:HEX"},
		{"alice admin " + good, `tokens:1: role: found "admin", allowed: viewer, operator`},
		{"alice operator s3cret", "tokens:1: hash of token alice: found no sha256: prefix"},
		{"alice operator sha256:abc", "tokens:1: hash of token alice: found 3 characters that are not 64 hex digits"},
		{"alice operator " + good + "\nalice viewer " + good, `tokens:2: token name "alice" is used on line 1 already`},
	} {
		_, err := ParseTokens("tokens", []byte(tc.text))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ParseTokens(%q) = %v, want %q", tc.text, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error repeats a secret: %v", err)
		}
	}
}

func TestRoles(t *testing.T) {
	if !Operator.Allows(Viewer) || !Operator.Allows(Operator) || !Viewer.Allows(Viewer) || Viewer.Allows(Operator) || Role("").Allows(Viewer) {
		t.Error("role rules broken")
	}
}

func TestLimit(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	f := &Limit{Clock: clk, Max: 3, Window: time.Minute}
	for range 3 {
		if _, blocked := f.Blocked("10.0.0.1"); blocked {
			t.Fatal("blocked before the limit")
		}
		f.Count("10.0.0.1")
	}
	wait, blocked := f.Blocked("10.0.0.1")
	if !blocked || wait != time.Minute {
		t.Fatalf("Blocked = %s, %v; want a minute", wait, blocked)
	}
	if _, blocked := f.Blocked("10.0.0.2"); blocked {
		t.Error("another client is blocked too")
	}
	clk.Advance(time.Minute)
	if _, blocked := f.Blocked("10.0.0.1"); blocked {
		t.Error("still blocked after the window")
	}
}
