package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/gates"
	"github.com/aksupgrade/aksupgrade/internal/loop"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Defaults of Options.
const (
	DefaultPollInterval    = 30 * time.Second
	DefaultObserveInterval = 15 * time.Minute
	DefaultImageInterval   = 6 * time.Hour
	// Actor is who the engine's own transitions are recorded as.
	Actor = "engine"
)

// Options configure an Engine.
type Options struct {
	Policy   *policy.Policy
	Provider aksupgrade.Provider
	Store    store.Store
	Clock    aksupgrade.Clock
	Logger   *slog.Logger
	// Calendar gives clusters' support status in plans; nil: the embedded
	// AKS calendar.
	Calendar *version.Calendar
	// PollInterval is how often operations in flight are polled.
	PollInterval time.Duration
	// ObserveInterval is how often the whole fleet is discovered again.
	ObserveInterval time.Duration
	// ImageInterval is how long a cluster's details (its pools' latest
	// node images, its maintenance window) are kept before they are read
	// again; sooner when its pools change.
	ImageInterval time.Duration
	// Gates runs the stages' health checks (see gates.go); nil: none run.
	Gates *gates.Checker
}

// Engine runs the loop. Create it with New; Start and Stop it, or call
// Step directly (tests).
type Engine struct {
	o   Options
	log *slog.Logger

	loop *loop.Loop
	pol  atomic.Pointer[policy.Policy]
	// w is where the loop writes: nil, the store of Options (see Lead).
	w atomic.Pointer[writer]

	mu   sync.Mutex // guards lastPlan, the stage index and stepErr
	last *planner.Result
	// stepErr is the last step's error, at stepErrAt; nil after a step
	// that succeeded.
	stepErr   error
	stepErrAt time.Time
	lastErr   error
	// stageIndex maps lower-case cluster IDs to their stage in
	// stageIndexOf, a plan (see StageOf).
	stageIndex   map[string]string
	stageIndexOf *planner.Result
	cal          calendar
	// observed is when the fleet was last read; rediscover, when set,
	// has the next step read it again whatever the time (Rediscover).
	observed   time.Time
	rediscover atomic.Bool

	gmu   sync.Mutex // guards gates
	gates gateState
}

// New checks the options and returns an Engine.
func New(o Options) (*Engine, error) {
	switch {
	case o.Policy == nil:
		return nil, errors.New("engine: no policy")
	case o.Provider == nil:
		return nil, errors.New("engine: no provider")
	case o.Store == nil:
		return nil, errors.New("engine: no store")
	case o.Clock == nil:
		return nil, errors.New("engine: no clock")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Calendar == nil {
		o.Calendar = version.DefaultCalendar()
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.ObserveInterval <= 0 {
		o.ObserveInterval = DefaultObserveInterval
	}
	if o.ImageInterval <= 0 {
		o.ImageInterval = DefaultImageInterval
	}
	e := &Engine{o: o, log: o.Logger, loop: loop.New(o.Clock),
		gates: gateState{blocked: map[string]time.Time{}, checked: map[string]time.Time{}}}
	e.pol.Store(o.Policy)
	return e, nil
}

// policy returns the policy in force.
func (e *Engine) policy() *policy.Policy { return e.pol.Load() }

// Start runs the loop in the background until ctx ends or Stop (see
// package loop: the same Start/Stop as every background loop), writing
// to the store of Options: the engine of a service with one replica.
// Replicas that share a store Lead and Follow instead.
func (e *Engine) Start(ctx context.Context) {
	e.loop.Stop()
	e.w.Store(nil)
	e.start(ctx)
}

func (e *Engine) start(ctx context.Context) {
	e.loop.Start(ctx, func(ctx context.Context) time.Duration {
		next, err := e.Step(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return 0 // stopping
			}
			e.log.Error("engine step failed; retrying", "err", err)
			return e.o.PollInterval
		}
		return next.Sub(e.o.Clock.Now())
	})
}

// Stop ends the loop and waits for it. It is safe to call more than once.
func (e *Engine) Stop() { e.loop.Stop() }

// Wake makes the loop run now instead of at its next due time.
func (e *Engine) Wake() { e.loop.Poke() }

// Rediscover has the next step read the whole fleet again, however
// recently it was read: for a driver that knows Azure changed in a way no
// event announces (a version leaving a region, which AKS tells only the
// clusters on it, if any), as the next regular observation would find.
func (e *Engine) Rediscover() { e.rediscover.Store(true) }

// LastPlan returns the plan of the last step, and its error.
func (e *Engine) LastPlan() (*planner.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last, e.lastErr
}

// Step runs one iteration of the loop at the clock's time and returns
// when the next one is due. Its error, if any, is kept for LastError
// until a step succeeds.
func (e *Engine) Step(ctx context.Context) (time.Time, error) {
	next, err := e.step(ctx)
	e.mu.Lock()
	switch {
	case err == nil:
		e.stepErr = nil
	case ctx.Err() == nil: // not merely stopping
		e.stepErr, e.stepErrAt = err, e.o.Clock.Now()
	}
	e.mu.Unlock()
	return next, err
}

// LastError returns the error of the last step and when it happened, or
// a nil error after a step that succeeded.
func (e *Engine) LastError() (time.Time, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stepErrAt, e.stepErr
}

func (e *Engine) step(ctx context.Context) (time.Time, error) {
	now := e.o.Clock.Now()
	fleet, err := e.observe(ctx, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("observe: %w", err)
	}
	informed, told, err := e.processEvents(ctx, &fleet)
	if err != nil {
		return time.Time{}, fmt.Errorf("events: %w", err)
	}
	active, changed, err := e.pollOperations(ctx, now, &fleet)
	if err != nil {
		return time.Time{}, fmt.Errorf("poll operations: %w", err)
	}
	changed = changed || informed
	if changed {
		if err := e.writes().SaveFleet(ctx, fleet); err != nil {
			return time.Time{}, fmt.Errorf("save fleet: %w", err)
		}
	}
	res, err := e.plan(ctx, now, fleet, active)
	e.mu.Lock()
	e.last, e.lastErr = res, err
	e.mu.Unlock()
	if len(told.keys) > 0 {
		announced, tellErr := e.tell(ctx, now, &fleet, res, err, told)
		if announced {
			if err := e.writes().SaveFleet(ctx, fleet); err != nil {
				return time.Time{}, fmt.Errorf("save fleet: %w", err)
			}
		}
		if tellErr != nil {
			return time.Time{}, fmt.Errorf("tell the news: %w", tellErr)
		}
		if err := e.writes().MarkProcessed(ctx, told.keys, now); err != nil {
			return time.Time{}, fmt.Errorf("mark events processed: %w", err)
		}
	}
	if err != nil {
		return time.Time{}, err
	}
	took, err := e.takeOver(ctx, now, res, &fleet)
	if err != nil {
		return time.Time{}, fmt.Errorf("take over AKS channels: %w", err)
	}
	if took {
		// The clusters are the stages' now: plan again at once.
		return now, nil
	}
	if err := e.announceApprovals(ctx, now, res); err != nil {
		return time.Time{}, fmt.Errorf("approvals: %w", err)
	}
	acted, err := e.execute(ctx, now, res, &fleet)
	if err != nil {
		return time.Time{}, fmt.Errorf("execute: %w", err)
	}
	if err := e.updateRuns(ctx, now, res, fleet); err != nil {
		return time.Time{}, fmt.Errorf("runs: %w", err)
	}
	if err := e.postflight(ctx, now, res, fleet); err != nil {
		return time.Time{}, fmt.Errorf("postflight gates: %w", err)
	}
	if acted {
		// Records and new operations change what the planner sees: plan
		// again at once.
		return now, nil
	}
	return e.nextDue(now, res, len(active) > 0), nil
}

// nextDue is the earliest of: the next poll of operations in flight, the
// next fleet observation, and every time the plan projects something to
// start or a soak to end.
func (e *Engine) nextDue(now time.Time, res *planner.Result, polling bool) time.Time {
	next := e.observed.Add(e.o.ObserveInterval)
	consider := func(t *time.Time) {
		if t != nil && t.After(now) && t.Before(next) {
			next = *t
		}
	}
	if polling {
		p := now.Add(e.o.PollInterval)
		consider(&p)
	}
	for _, st := range res.Stages {
		for _, c := range st.Clusters {
			consider(c.EarliestStart)
		}
		for _, t := range st.Targets {
			consider(t.ProvenAt)
		}
	}
	return next
}
