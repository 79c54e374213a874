package entra

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

const (
	// keysMaxAge: keys are fetched again after a day.
	keysMaxAge = 24 * time.Hour
	// keysMinRefetch: the keys are fetched at most this often (callers
	// answer 503 meanwhile; Event Grid retries after 30 seconds or more).
	keysMinRefetch = 30 * time.Second
	// maxJWKS is the largest key document read.
	maxJWKS = 1 << 20
)

// ErrKeysUnavailable is returned when the keys could not be fetched; retry
// later.
var ErrKeysUnavailable = errors.New("signing keys unavailable")

// keySet caches the RSA signing keys of a JWKS URL by key ID.
type keySet struct {
	url    string
	client *http.Client
	clock  aksupgrade.Clock

	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time // of the keys held
	tried   time.Time // last fetch, successful or not
	failed  bool      // whether that fetch failed, with lastErr
	lastErr error
}

// key returns the key kid names. The keys are fetched when first needed,
// when a day old, and when kid is new to them; never more often than
// keysMinRefetch, so that neither forged key IDs nor a key server that is
// down make every request wait for it.
func (k *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if kid == "" {
		return nil, errors.New("token has no key ID")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.clock.Now()
	key, ok := k.keys[kid]
	stale := k.keys == nil || now.Sub(k.fetched) >= keysMaxAge
	if ok && !stale {
		return key, nil
	}
	if k.tried.IsZero() || now.Sub(k.tried) >= keysMinRefetch {
		k.tried = now
		keys, err := k.fetch(ctx)
		if k.failed = err != nil; err != nil {
			k.lastErr = err
		} else {
			k.keys, k.fetched = keys, now
		}
	}
	if key, ok := k.keys[kid]; ok {
		return key, nil // stale when the key server is down: better than refusing
	}
	if k.failed {
		return nil, fmt.Errorf("%w: %v", ErrKeysUnavailable, k.lastErr)
	}
	return nil, fmt.Errorf("unknown signing key %q", kid)
}

func (k *keySet) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	// One request giving up must not cost the others the keys.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch keys: %w", err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch keys: %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKS))
	if err != nil {
		return nil, fmt.Errorf("fetch keys: %w", err)
	}
	return parseJWKS(body)
}

// parseJWKS reads the RSA signature keys of a JSON Web Key Set; others
// are skipped.
func parseJWKS(body []byte) (map[string]*rsa.PublicKey, error) {
	var doc struct {
		Keys []struct {
			Kty string `json:"kty"`
			Use string `json:"use"`
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	keys := make(map[string]*rsa.PublicKey)
	for _, j := range doc.Keys {
		if j.Kty != "RSA" || (j.Use != "" && j.Use != "sig") || j.Kid == "" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(j.N, "="))
		e, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(j.E, "="))
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if key.N.BitLen() < 2048 || key.E < 3 {
			continue
		}
		keys[j.Kid] = key
	}
	if len(keys) == 0 {
		return nil, errors.New("read keys: no RSA signing key")
	}
	return keys, nil
}
