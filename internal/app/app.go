// Package app wires aksupgrade together: the policy, the store, the
// provider (Azure, or the simulator behind the same API), the engine, the
// notifier, the Event Grid webhook and the HTTP server. New builds it,
// Start runs it, Stop ends it; end-to-end tests run it in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/azure"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/dashboard"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/lease"
	"github.com/aksupgrade/aksupgrade/internal/loop"
	"github.com/aksupgrade/aksupgrade/internal/metrics"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/receivers"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/server"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Options configure the application.
type Options struct {
	// Policy, or PolicyPath to read it from.
	Policy     *policy.Policy
	PolicyPath string
	// DBPath is the SQLite database file, or a PostgreSQL database's
	// URL (see OpenStore); Store replaces it.
	DBPath string
	Store  store.Store
	// Listen is the HTTP address ("127.0.0.1:8080"); empty: no server.
	Listen string
	// WebhookListen, when set, is the address of the Event Grid webhook
	// alone, so that exposing it to Event Grid does not expose the API;
	// the API's listener then has no webhook.
	WebhookListen string
	// Auth says who calls the API (see package auth). Nil: nobody has to
	// prove who they are (auth.Anonymous), which New allows only on a
	// loopback Listen address, or with InsecureNoAuth.
	Auth           auth.Authenticator
	InsecureNoAuth bool
	// RetainEvents and RetainOutbox are how long processed events and
	// finished notifications are kept (zero: 90 and 30 days; negative:
	// forever). The audit log is kept forever.
	RetainEvents, RetainOutbox time.Duration
	// TLSCert and TLSKey, when set, are PEM files the listeners serve
	// HTTPS with, read again when they change.
	TLSCert, TLSKey string
	// Cloud and ARMEndpoint select Azure (see azure.Options); Provider
	// replaces them.
	Cloud       string
	ARMEndpoint string
	Provider    aksupgrade.Provider
	Clock       aksupgrade.Clock
	Logger      *slog.Logger
	// Engine intervals; zero: the engine's defaults (operations polled
	// every 30s, the fleet listed every 15m, node images and maintenance
	// windows read every 6h).
	PollInterval, ObserveInterval, ImageInterval time.Duration
	// WebhookSecrets are the shared secrets the Event Grid webhook
	// accepts (AKSUPGRADE_WEBHOOK_SECRET). With none, the webhook is off
	// unless WebhookAnonymous (the demo, on loopback) or WebhookEntra is
	// set.
	WebhookSecrets   []string
	WebhookAnonymous bool
	// WebhookSubscriptions, when set, are the only Event Grid
	// subscription names accepted (AKSUPGRADE_WEBHOOK_SUBSCRIPTIONS).
	WebhookSubscriptions []string
	// WebhookEntra, when set, also accepts Microsoft Entra ID tokens.
	WebhookEntra *eventgrid.EntraOptions
	// Receivers are the policy's notification receivers by name (built by
	// receivers.Build); nil builds them from the environment.
	Receivers map[string]notify.Receiver
	// NotifyInterval is how often the notifier looks for new events
	// (default 15s), sooner when a group of messages is due.
	NotifyInterval time.Duration
	// Holder names this replica for the lease (default lease.Holder());
	// LeaseTTL is how long the lease lasts unless renewed (default
	// lease.DefaultTTL), on LeaseClock (default the real clock, whatever
	// Clock is: a lease is about processes alive in real time).
	Holder     string
	LeaseTTL   time.Duration
	LeaseClock aksupgrade.Clock
	// LiveEvery is how often (real time) the dashboard's open pages are
	// told of changes (default two seconds).
	LiveEvery time.Duration
}

// App is a running aksupgrade.
type App struct {
	Engine   *engine.Engine
	Store    store.Store
	Provider aksupgrade.Provider

	log      *slog.Logger
	handler  http.Handler
	listen   string
	ownStore bool
	// hook serves the webhook alone on hookListen, when that is set.
	hook       http.Handler
	hookListen string
	// certs, when set, make the listeners serve HTTPS.
	certs *certFiles
	// pruner deletes what is kept long enough, daily, through the store
	// prune is given.
	pruner *loop.Loop
	prune  func(store.Store) func(context.Context) time.Duration
	// elector holds the lease while this replica leads (see lead.go);
	// seen is what tick saw last, of its goroutine.
	elector *lease.Elector
	seen    struct {
		event store.EventKey
		audit int64
	}

	mu        sync.Mutex
	srv, hsrv *http.Server
	listener  net.Listener
	hookAddr  string
	stopped   bool
	// endRequests cancels the context of the API's requests.
	endRequests context.CancelFunc
	notifier    *notify.Notifier
}

// New builds the application; nothing runs until Start.
func New(ctx context.Context, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	pol := o.Policy
	if pol == nil {
		if o.PolicyPath == "" {
			return nil, errors.New("no policy: give --policy FILE")
		}
		p, err := policy.Load(o.PolicyPath, notify.Vocabulary())
		if err != nil {
			return nil, err
		}
		pol = p
	}
	a := &App{log: o.Logger, listen: o.Listen, Store: o.Store, Provider: o.Provider}
	if a.Store == nil {
		if o.DBPath == "" {
			return nil, errors.New("no database: give --db with a SQLite file or a postgres:// URL")
		}
		s, err := OpenStore(ctx, o.DBPath)
		if err != nil {
			return nil, err
		}
		a.Store, a.ownStore = s, true
	}
	if a.Provider == nil {
		p, err := azure.New(azure.Options{Cloud: o.Cloud, Endpoint: o.ARMEndpoint, Clock: o.Clock, Logger: o.Logger})
		if err != nil {
			return nil, errors.Join(fmt.Errorf("azure: %w", err), a.closeStore())
		}
		a.Provider = p
	}
	checker, err := newGates(a.Provider, o.Clock)
	if err != nil {
		return nil, errors.Join(err, a.closeStore())
	}
	eng, err := engine.New(engine.Options{Policy: pol, Provider: a.Provider, Store: a.Store, Clock: o.Clock, Logger: o.Logger,
		PollInterval: o.PollInterval, ObserveInterval: o.ObserveInterval, ImageInterval: o.ImageInterval, Gates: checker})
	if err != nil {
		return nil, errors.Join(err, a.closeStore())
	}
	a.Engine = eng
	var webhook http.Handler
	if len(o.WebhookSecrets) > 0 || o.WebhookAnonymous || o.WebhookEntra != nil {
		wo := eventgrid.HandlerOptions{Store: a.Store, Secrets: o.WebhookSecrets, AllowAnonymous: o.WebhookAnonymous,
			SubscriptionNames: o.WebhookSubscriptions, Entra: o.WebhookEntra,
			Clock: o.Clock, Logger: o.Logger, OnStored: func([]eventgrid.Event) { eng.Wake() }}
		if err := wo.Validate(); err != nil {
			return nil, errors.Join(fmt.Errorf("event grid webhook: %w", err), a.closeStore())
		}
		webhook = eventgrid.NewHandler(wo)
	} else {
		o.Logger.Info("the Event Grid webhook is off: set AKSUPGRADE_WEBHOOK_SECRET to receive events at /webhooks/eventgrid; polling still finds everything, only later")
	}
	if pol.Notifications != nil && len(pol.Notifications.Routes) > 0 {
		rs := o.Receivers
		if rs == nil {
			var problems []error
			rs, problems = receivers.Build(pol.Notifications, receivers.OS())
			for _, p := range problems {
				o.Logger.Warn("notifications: a receiver cannot send; its messages wait in the outbox until it can (fix it, restart)", "problem", p)
			}
		}
		a.notifier, err = notify.New(notify.Options{Store: a.Store, Policy: pol, Receivers: rs, StageOf: eng.StageOf,
			Clock: o.Clock, Logger: o.Logger, Interval: o.NotifyInterval})
		if err != nil {
			return nil, errors.Join(err, a.closeStore())
		}
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return nil, errors.Join(errors.New("give both --tls-cert and --tls-key, or neither"), a.closeStore())
	}
	if o.TLSCert != "" {
		c, err := newCertFiles(o.TLSCert, o.TLSKey, o.Clock)
		if err != nil {
			return nil, errors.Join(err, a.closeStore())
		}
		a.certs = c
	}
	a.pruner = loop.New(o.Clock)
	a.prune = func(st store.Store) func(context.Context) time.Duration {
		return pruneStep(st, o.Clock, o.Logger, o.RetainEvents, o.RetainOutbox)
	}
	leaseClock := o.LeaseClock
	if leaseClock == nil {
		leaseClock = clock.Real{}
	}
	a.elector, err = lease.New(lease.Options{Store: a.Store, Holder: o.Holder, TTL: o.LeaseTTL, Clock: leaseClock,
		Logger: o.Logger, Lead: a.lead, Follow: a.follow, Tick: a.tick})
	if err != nil {
		return nil, errors.Join(err, a.closeStore())
	}
	authn := o.Auth
	if authn == nil {
		if err := allowNoAuth(o.Listen, o.InsecureNoAuth); err != nil {
			return nil, errors.Join(err, a.closeStore())
		}
		if o.Listen != "" {
			o.Logger.Warn("the API has no authentication: anyone who reaches " + o.Listen + " may approve, pause, retry and abort rollouts, recorded as \"anonymous\"; give --tokens-file")
		}
		authn = auth.Anonymous{}
	}
	so := server.Options{Engine: eng, Store: a.Store, Clock: o.Clock, Logger: o.Logger, Webhook: webhook, Auth: authn}
	if o.WebhookListen != "" && webhook != nil {
		so.Webhook = nil
		a.hook, a.hookListen = server.Webhook(webhook), o.WebhookListen
	}
	ms := metrics.Sources{Plan: eng.LastPlan, Lease: a.elector.Status}
	so.Lease = a.elector.Status
	if a.notifier != nil {
		so.NotifyStats = a.notifier.Stats
		ms.Notify = a.notifier.Stats
	}
	if h, ok := webhook.(*eventgrid.Handler); ok {
		ms.Webhook = h.Stats
	}
	so.Metrics = metrics.Handler(ms)
	_, anonymous := authn.(auth.Anonymous)
	so.Dashboard, err = dashboard.New(dashboard.Options{Engine: eng, Store: a.Store, Clock: o.Clock, Logger: o.Logger,
		Windows: stageWindows(pol), Zone: stageZone(pol), NotifyStats: so.NotifyStats, SignIn: !anonymous, LiveEvery: o.LiveEvery})
	if err != nil {
		return nil, errors.Join(err, a.closeStore())
	}
	a.handler = server.New(so)
	return a, nil
}

// Handler is the HTTP API, for tests that serve it themselves.
func (a *App) Handler() http.Handler { return a.handler }

// Start runs the HTTP server (with Listen set) until Stop, and asks for
// the lease: the replica that gets it runs the engine and the notifier,
// until ctx ends or Stop; the others follow (see lead.go).
func (a *App) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.listen != "" {
		l, err := net.Listen("tcp", a.listen)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", a.listen, err)
		}
		l = a.secure(l)
		a.listener = l
		a.srv = newHTTPServer(a.handler)
		// Requests run on a context Stop cancels first, so that streams
		// (the dashboard's /live) end and Shutdown need not wait for them.
		base, cancel := context.WithCancel(context.WithoutCancel(ctx))
		a.srv.BaseContext, a.endRequests = func(net.Listener) context.Context { return base }, cancel
		go a.serve(a.srv, l, "api")
	}
	if a.hookListen != "" {
		l, err := net.Listen("tcp", a.hookListen)
		if err != nil {
			return fmt.Errorf("listen on %s for the webhook: %w", a.hookListen, err)
		}
		a.hookAddr = l.Addr().String()
		l = a.secure(l)
		a.hsrv = newHTTPServer(a.hook)
		go a.serve(a.hsrv, l, "webhook")
	}
	a.elector.Start(ctx)
	return nil
}

// WebhookAddr is the address the webhook's own listener listens on, once
// started with WebhookListen.
func (a *App) WebhookAddr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hookAddr
}

// Addr is the address the HTTP server listens on, once started.
func (a *App) Addr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.listener == nil {
		return ""
	}
	return a.listener.Addr().String()
}

// Stop ends the server, the engine and the notifier, and closes the store
// New opened. It is safe to call more than once.
func (a *App) Stop(ctx context.Context) error {
	a.mu.Lock()
	if a.stopped {
		a.mu.Unlock()
		return nil
	}
	a.stopped = true
	srv, hsrv := a.srv, a.hsrv
	if a.endRequests != nil {
		a.endRequests()
	}
	a.mu.Unlock()
	var err error
	for _, s := range []*http.Server{srv, hsrv} {
		if s != nil {
			err = errors.Join(err, s.Shutdown(ctx))
		}
	}
	err = errors.Join(err, a.stopLeading(ctx))
	return errors.Join(err, a.closeStore())
}

func (a *App) closeStore() error {
	if a.ownStore && a.Store != nil {
		return a.Store.Close()
	}
	return nil
}

// Notify runs the notifications once: new events routed, due messages
// delivered. The running app does this on its own; tests that step the
// engine by hand call it.
func (a *App) Notify(ctx context.Context) (sent int, err error) {
	if a.notifier == nil {
		return 0, nil
	}
	if err := a.notifier.Step(ctx); err != nil {
		return 0, err
	}
	sent, _, err = a.notifier.DeliverDue(ctx)
	return sent, err
}
