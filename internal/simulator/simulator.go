package simulator

import (
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Options configure a Simulator.
type Options struct {
	// Clock drives operations, the timeline, faults and throttling. Nil:
	// the wall clock.
	Clock aksupgrade.Clock
	// Scenario is the world to simulate; required.
	Scenario *Scenario
	// Logger receives one debug line per request and info lines for
	// state changes. Nil: discard.
	Logger *slog.Logger
	// EventClient sends Event Grid deliveries and handshakes. Nil: a
	// plain client with Event Grid's 30-second timeout.
	EventClient *http.Client
}

// Simulator is a simulated Azure Resource Manager with AKS behind it. Its
// Handler serves the ARM REST API; its methods let tests and the demo look
// inside and inject faults. It is safe for concurrent use.
type Simulator struct {
	clock   aksupgrade.Clock
	log     *slog.Logger
	handler http.Handler

	mu          sync.Mutex
	start       time.Time
	pageSize    int
	throttling  bool
	durations   durations
	subs        []*subState
	regions     map[string]*regionState // by lower-case name
	regionOrder []string
	timeline    []timedEntry          // in time order
	nextEntry   int                   // first entry not yet applied
	ops         []*operation          // every operation, in start order
	opByID      map[string]*operation // ops by lower-case ID
	nextSweep   time.Time             // when AKS next looks for work of its own
	faults      []*activeFault
	faultSeq    int
	buckets     map[string]*bucket
	requests    []Request
	rng         *rand.Rand
	seq         uint64     // for generated IDs and ETags
	ev          eventLog   // events published, maintenance to announce
	grid        gridState  // event subscriptions and deliveries
	cert        serverCert // under its own lock
}

// durations are the scenario's operation durations, defaulted.
type durations struct {
	controlPlane time.Duration
	nodeBatch    time.Duration
}

type timedEntry struct {
	at time.Time
	TimelineEntry
}

// Request is one request the simulator answered: to Resource Manager, or
// to a cluster's Kubernetes API or probe URL, or to Prometheus.
type Request struct {
	// Time is the simulated time the request arrived.
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Query is the raw query string.
	Query  string `json:"query,omitempty"`
	Status int    `json:"status"`
	// Subscription is the subscription ID in the path, if any.
	Subscription string `json:"subscription,omitempty"`
	// API is the API the request was addressed to.
	API API `json:"api"`
	// Cluster is the resource ID of the cluster whose Kubernetes API or
	// probe URL was addressed.
	Cluster string `json:"cluster,omitempty"`
}

// New builds a simulator from o.Scenario, as it stands at the scenario's
// start.
func New(o Options) (*Simulator, error) {
	if o.Scenario == nil {
		return nil, errors.New("simulator: no scenario")
	}
	sc := o.Scenario
	if ps := sc.check(); len(ps) > 0 {
		return nil, problemsError(ps)
	}
	s := &Simulator{
		clock:      o.Clock,
		log:        o.Logger,
		pageSize:   sc.PageSize,
		throttling: sc.Throttling == nil || *sc.Throttling,
		durations: durations{
			controlPlane: sc.Durations.ControlPlane.D(),
			nodeBatch:    sc.Durations.NodeBatch.D(),
		},
		regions: map[string]*regionState{},
		buckets: map[string]*bucket{},
		rng:     rand.New(rand.NewPCG(sc.Seed, sc.Seed^0x9e3779b97f4a7c15)),
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.pageSize == 0 {
		s.pageSize = 20
	}
	if s.durations.controlPlane == 0 {
		s.durations.controlPlane = 10 * time.Minute
	}
	if s.durations.nodeBatch == 0 {
		s.durations.nodeBatch = 8 * time.Minute
	}
	s.start = sc.Start
	if s.start.IsZero() {
		s.start = s.clock.Now()
	}
	s.nextSweep = s.start.Truncate(sweepEvery).Add(sweepEvery)

	for _, r := range sc.Regions {
		rs, _ := newRegion(r) // checked above
		s.regions[rs.name] = rs
		s.regionOrder = append(s.regionOrder, rs.name)
	}
	for _, i := range timelineOrder(sc.Timeline) {
		e := sc.Timeline[i]
		s.timeline = append(s.timeline, timedEntry{at: s.start.Add(e.After.D()), TimelineEntry: e})
	}
	s.advanceTimeline(s.start)
	for _, sub := range sc.Subscriptions {
		s.subs = append(s.subs, s.newSubscription(sub))
	}
	for _, f := range sc.Faults {
		s.addFault(f, s.start)
	}
	s.scheduleMaintenance(sc.Maintenance)
	s.grid = gridState{client: o.EventClient, wake: make(chan struct{}, 1), region: s.regionOrder[0]}
	if s.grid.client == nil {
		s.grid.client = &http.Client{Timeout: 30 * time.Second}
	}
	if len(s.subs) > 0 {
		s.grid.topic = "/subscriptions/" + s.subs[0].id
	}
	for _, es := range sc.EventSubscriptions {
		s.addScenarioSubscription(es)
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the HTTP handler: the ARM API and /simulator/v1/.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Now returns the simulated time.
func (s *Simulator) Now() time.Time { return s.clock.Now() }

// Start returns the simulated time the scenario began at.
func (s *Simulator) Start() time.Time { return s.start }

// Requests returns every ARM request answered so far, in order
// (RequestLog has the other APIs' too).
func (s *Simulator) Requests() []Request {
	return s.requestsTo(APIARM, "")
}

// Fleet returns the clusters (with their pools, latest node images and
// auto-upgrade windows) and each region's catalogue as they are now.
func (s *Simulator) Fleet() aksupgrade.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	return s.snapshot(now)
}

// advance brings the world up to now: catalogue changes, operation ends
// and maintenance notices that are due, in time order (at equal times in
// that order), so the events they publish see the world as it was then.
func (s *Simulator) advance(now time.Time) {
	var ending []*operation
	for _, op := range s.ops {
		if op.status == statusInProgress && !op.end.After(now) {
			ending = append(ending, op)
		}
	}
	slices.SortStableFunc(ending, func(a, b *operation) int { return a.end.Compare(b.end) })
	for {
		const (
			none = iota
			entry
			opEnd
			notice
			sweep
		)
		kind, next := none, time.Time{}
		consider := func(k int, at time.Time) {
			if !at.After(now) && (kind == none || at.Before(next)) {
				kind, next = k, at
			}
		}
		if s.nextEntry < len(s.timeline) {
			consider(entry, s.timeline[s.nextEntry].at)
		}
		if len(ending) > 0 {
			consider(opEnd, ending[0].end)
		}
		if n, ok := s.dueNotice(now); ok {
			consider(notice, n.at)
		}
		consider(sweep, s.nextSweep)
		switch kind {
		case none:
			return
		case entry:
			s.applyEntry()
		case opEnd:
			s.finish(ending[0])
			ending = ending[1:]
		case notice:
			s.publishNotice()
		case sweep:
			started := len(s.ops)
			s.aksSweep(next)
			s.nextSweep = next.Add(sweepEvery)
			for _, op := range s.ops[started:] {
				if !op.end.After(now) {
					ending = append(ending, op)
				}
			}
			slices.SortStableFunc(ending, func(a, b *operation) int { return a.end.Compare(b.end) })
		}
	}
}

func (s *Simulator) advanceTimeline(now time.Time) {
	for s.nextEntry < len(s.timeline) && !s.timeline[s.nextEntry].at.After(now) {
		s.applyEntry()
	}
}

// applyEntry applies the next timeline entry and publishes its events.
func (s *Simulator) applyEntry() {
	e := s.timeline[s.nextEntry]
	s.nextEntry++
	if r := s.regions[lower(e.Region)]; r != nil {
		if m, err := version.ParseMinor(e.Remove); err == nil && r.minor(m) != nil {
			if r.removed == nil {
				r.removed = map[version.Version]time.Time{}
			}
			r.removed[m] = e.at
		}
		r.apply(e.TimelineEntry) // checked by New
		s.log.Info("catalogue changed", "region", r.name, "at", e.at, "addPatch", e.AddPatch, "remove", e.Remove, "nodeImage", e.NodeImage, "supportEnding", e.SupportEnding)
		s.timelineEvents(e, r)
	}
}
