package app

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// newHTTPServer is the HTTP server of a listener: timeouts so that slow
// or idle clients cannot hold connections and memory without end.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// serve runs srv on l until it is shut down.
func (a *App) serve(srv *http.Server, l net.Listener, name string) {
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.Error("http server stopped", "listener", name, "err", err)
	}
}

// allowNoAuth refuses an API without authentication on an address other
// hosts reach, unless the operator said so in as many words.
func allowNoAuth(listen string, insecure bool) error {
	if listen == "" || insecure || loopback(listen) {
		return nil
	}
	return fmt.Errorf("the API would listen on %s, which other hosts can reach, with no authentication: anyone could approve, pause, retry and abort rollouts. Give --tokens-file (see `aksupgrade token new`), listen on 127.0.0.1, or, if something in front authenticates every request, --insecure-no-auth", listen)
}

// loopback reports whether every address host:port names is a loopback
// address ("127.0.0.1:8080", "[::1]:8080", "localhost:8080"); ":8080"
// and "0.0.0.0:8080" are every interface.
func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secure wraps l in TLS when the app has a certificate.
func (a *App) secure(l net.Listener) net.Listener {
	if a.certs == nil {
		return l
	}
	return tls.NewListener(l, a.certs.tlsConfig())
}
