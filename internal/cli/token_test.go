package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aksupgrade/aksupgrade/internal/auth"
)

// TestTokenNew: the secret printed once authenticates as the name given
// against the line printed for the token file; the line holds no secret.
func TestTokenNew(t *testing.T) {
	code, out, errOut := run(t, "token", "new", "--name", "alice", "--role", "operator")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	secret := regexp.MustCompile(`aksu_[A-Za-z0-9_-]+`).FindString(out)
	line := regexp.MustCompile(`alice operator sha256:[0-9a-f]{64}`).FindString(out)
	if secret == "" || line == "" || strings.Contains(line, secret) {
		t.Fatalf("output %q: want a secret and a line without it", out)
	}
	file := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(file, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := tokensFrom(file, "")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+secret)
	if id, err := a.Authenticate(r); err != nil || id.Name != "alice" || id.Role != auth.Operator {
		t.Errorf("Authenticate = %+v, %v", id, err)
	}
	for _, args := range [][]string{{"token", "new", "--name", "alice", "--role", "admin"}, {"token", "new", "--role", "viewer"}} {
		if code, _, _ := run(t, args...); code == ExitOK {
			t.Errorf("%v: exit 0, want an error", args)
		}
	}
}

func TestTokensFrom(t *testing.T) {
	if a, err := tokensFrom("", ""); a != nil || err != nil {
		t.Errorf("no tokens: %v, %v; want none and no error", a, err)
	}
	line := "alice operator " + auth.Hash("x")
	file := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(file, []byte("# nobody yet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, env, says string }{
		{file, "", "no API tokens in"},
		{"", line + ";" + line, `token name "alice" is used on line 1 already`},
		{"", "alice operator x", "AKSUPGRADE_API_TOKENS:1: hash of token alice"},
		{filepath.Join(t.TempDir(), "missing"), "", "--tokens-file"},
	} {
		if _, err := tokensFrom(tc.file, tc.env); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("tokensFrom(%q, %q) = %v, want %q", tc.file, tc.env, err, tc.says)
		}
	}
}
