package simulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"
)

// Why TLS: kubectl and every client that reads a kubeconfig with
// client-go's clientcmd send its credentials only to an https server
// (k8s.io/client-go/tools/clientcmd/client_config.go: "only try to read
// the auth information if we are secure"). Served over plain HTTP, the
// cluster APIs cannot tell a kubeconfig's user from anyone; served with
// TLSConfig, their kubeconfigs carry the simulator's certificate as
// certificate-authority-data and the APIs require their credentials, as
// AKS's do.

// serverCert is the simulator's own TLS certificate, made on first use.
type serverCert struct {
	mu   sync.Mutex
	cert tls.Certificate
	pem  []byte // the certificate, PEM: the kubeconfigs' certificate authority
}

// get returns the certificate, made first when make is true; a nil PEM
// when there is none.
func (c *serverCert) get(make bool) (tls.Certificate, []byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pem == nil && make {
		cert, pemBytes, err := newServerCert()
		if err != nil {
			return tls.Certificate{}, nil, err
		}
		c.cert, c.pem = cert, pemBytes
	}
	return c.cert, c.pem, nil
}

// TLSConfig returns a server TLS configuration with the simulator's own
// self-signed certificate, for localhost, 127.0.0.1 and ::1. Serve
// Handler with it (httptest.Server.TLS, http.Server.TLSConfig) for the
// cluster APIs to require credentials; clients of ARM then need to trust
// CertificatePEM.
func (s *Simulator) TLSConfig() (*tls.Config, error) {
	cert, _, err := s.cert.get(true)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// CertificatePEM returns the simulator's TLS certificate as PEM, nil until
// TLSConfig has made it.
func (s *Simulator) CertificatePEM() []byte {
	_, pemBytes, _ := s.cert.get(false) // without making it, get cannot fail
	return pemBytes
}

// newServerCert makes a self-signed ECDSA certificate that is its own
// certificate authority. Its validity is on the wall clock, not the
// simulated one: TLS clients check it against theirs.
func newServerCert() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("simulator: tls key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("simulator: tls serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "aksupgrade simulator", Organization: []string{"aksupgrade"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("simulator: tls certificate: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemBytes, nil
}
