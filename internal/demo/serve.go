package demo

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultListen is where the demo's service listens unless told
// otherwise; when it is taken, a free port on the same host.
const DefaultListen = "127.0.0.1:8080"

// listen listens on addr, or, when that is taken, on a free port of the
// same host. The demo's API has no authentication, so addr must be a
// loopback address.
func listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w; give host:port, such as %s", addr, err, DefaultListen)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("listen address %q is not a loopback address: the demo's API has no authentication, so anyone who reaches it could approve and retry rollouts; give one such as %s", addr, DefaultListen)
	}
	l, err := net.Listen("tcp", addr)
	if err == nil {
		return l, nil
	}
	free, ferr := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if ferr != nil {
		return nil, fmt.Errorf("listen on %s: %w; and on a free port of %s: %w", addr, err, host, ferr)
	}
	return free, nil
}

// links says where the service answers: its dashboard and its API.
type links struct{ Dashboard, API string }

func linksOf(addr string) links {
	return links{Dashboard: "http://" + addr + "/", API: "http://" + addr + "/api/v1/status"}
}

func (l links) String() string {
	return fmt.Sprintf("Dashboard: %s\nAPI:       %s\n", l.Dashboard, l.API)
}

// serveApp serves the service's handler, waking the story after each
// request that may change what the engine should do (an action through
// the API or the dashboard), as the service's own loop would wake.
func serveApp(h http.Handler, wake chan<- struct{}) *http.Server {
	return &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return
			}
			if r.URL.Path == webhookPath {
				return // the story delivers Event Grid's events itself, and steps after
			}
			select {
			case wake <- struct{}{}:
			default: // a wake-up is pending already
			}
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}

// webhookPath is where the service takes Event Grid's deliveries.
const webhookPath = "/webhooks/eventgrid"
