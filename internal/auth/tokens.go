package auth

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// Token is a named bearer token, kept as the SHA-256 of its secret.
type Token struct {
	Name string
	Role Role
	hash [sha256.Size]byte
}

// tokenPrefix starts every token NewToken makes, so a leaked one is easy
// to find (secret scanners, logs).
const tokenPrefix = "aksu_"

// NewToken returns a new random secret and its line for a token file.
func NewToken(name string, role Role) (secret, line string, err error) {
	if err := checkName(name); err != nil {
		return "", "", err
	}
	if _, ok := parseRole(string(role)); !ok {
		return "", "", fmt.Errorf("role %q: allowed are viewer and operator", role)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("new token: %w", err)
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, fmt.Sprintf("%s %s %s", name, role, Hash(secret)), nil
}

// Hash is how a token file holds a secret: "sha256:" and its hex.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func checkName(name string) error {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) || len(name) > 64 {
		return fmt.Errorf("token name %q: want 1 to 64 printable characters without spaces", name)
	}
	return nil
}

// ParseTokens reads token lines, "NAME ROLE sha256:HEX", one per line;
// blank lines and lines starting with # are skipped. Errors name
// source:line, the field, what was found and what is allowed; a secret
// in place of its hash is refused without repeating it.
func ParseTokens(source string, data []byte) (Tokens, error) {
	var out Tokens
	names := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: found %d fields, allowed: NAME ROLE sha256:HEX", source, n, len(f))
		}
		if err := checkName(f[0]); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", source, n, err)
		}
		if first, dup := names[f[0]]; dup {
			return nil, fmt.Errorf("%s:%d: token name %q is used on line %d already: names must be unique (the audit records them)", source, n, f[0], first)
		}
		role, ok := parseRole(f[1])
		if !ok {
			return nil, fmt.Errorf("%s:%d: role: found %q, allowed: viewer, operator", source, n, f[1])
		}
		hexHash, ok := strings.CutPrefix(f[2], "sha256:")
		if !ok {
			return nil, fmt.Errorf("%s:%d: hash of token %s: found no sha256: prefix, allowed: sha256: and 64 hex digits (the file keeps hashes, never secrets: aksupgrade token new makes the line)", source, n, f[0])
		}
		raw, err := hex.DecodeString(hexHash)
		if err != nil || len(raw) != sha256.Size {
			return nil, fmt.Errorf("%s:%d: hash of token %s: found %d characters that are not 64 hex digits, allowed: sha256: and 64 hex digits", source, n, f[0], len(hexHash))
		}
		t := Token{Name: f[0], Role: role}
		copy(t.hash[:], raw)
		names[f[0]] = n
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return out, nil
}

// Tokens authenticates bearer tokens against their hashes.
type Tokens []Token

// Authenticate finds the token r carries. Every stored hash is compared
// in constant time, whichever matches.
func (ts Tokens) Authenticate(r *http.Request) (Identity, error) {
	secret, ok := bearer(r)
	if !ok {
		return Identity{}, ErrNoCredentials
	}
	sum := sha256.Sum256([]byte(secret))
	found := -1
	for i := range ts {
		if subtle.ConstantTimeCompare(sum[:], ts[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Identity{}, ErrBadCredentials
	}
	return Identity{Name: ts[found].Name, Role: ts[found].Role, Method: "token"}, nil
}
