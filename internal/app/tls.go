package app

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// certFiles serves a certificate and key from files, read again when
// either file changes (a renewal by cert-manager or a script), looked at
// no more than once a second.
type certFiles struct {
	cert, key string
	clock     aksupgrade.Clock

	mu      sync.Mutex
	current *tls.Certificate
	stamp   string // modification times and sizes of the files loaded
	checked time.Time
}

func newCertFiles(cert, key string, clk aksupgrade.Clock) (*certFiles, error) {
	c := &certFiles{cert: cert, key: key, clock: clk}
	if _, err := c.get(nil); err != nil {
		return nil, err
	}
	return c, nil
}

// stamp says whether the files changed since they were loaded.
func (c *certFiles) fileStamp() (string, error) {
	var s string
	for _, f := range []string{c.cert, c.key} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		s += fmt.Sprintf("%d/%d;", fi.ModTime().UnixNano(), fi.Size())
	}
	return s, nil
}

// get is tls.Config.GetCertificate: the files' certificate, reloaded when
// they changed. A reload that fails keeps the certificate in use (and the
// next handshake tries again), so a half-written renewal does not take
// the API down.
func (c *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	if c.current != nil && now.Sub(c.checked) < time.Second {
		return c.current, nil
	}
	c.checked = now
	stamp, err := c.fileStamp()
	if err == nil && stamp == c.stamp {
		return c.current, nil
	}
	if err == nil {
		var cert tls.Certificate
		if cert, err = tls.LoadX509KeyPair(c.cert, c.key); err == nil {
			c.current, c.stamp = &cert, stamp
			return c.current, nil
		}
	}
	if c.current != nil {
		return c.current, nil
	}
	return nil, fmt.Errorf("TLS certificate %s and key %s: %w", c.cert, c.key, err)
}

// tlsConfig is the listeners' TLS: TLS 1.2 at least, the certificate of
// the files.
func (c *certFiles) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.get}
}
