package backtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Input is a replay: a policy on a fleet, from a start to an end, with
// the releases AKS makes in between (the simulator's timeline: new
// patches and minors per region, minors leaving).
type Input struct {
	Policy   *policy.Policy
	Fleet    *aksupgrade.Snapshot
	From, To time.Time
	Releases []simulator.TimelineEntry
	// Catalogs, when set, replace the fleet's catalogues at From (a World
	// from the release history); a cluster on a minor its region does not
	// list then is put on the region's default minor's newest patch, as if
	// the fleet had been kept current until From.
	Catalogs map[string]aksupgrade.KubernetesVersionList
	// Calendar says when minors leave support (default: the embedded
	// calendar).
	Calendar *version.Calendar
	// Observe is how often the engine lists the fleet (default a week).
	// It learns of every change sooner: AKS's events tell it of releases,
	// of its own upgrades and of AKS's, as Event Grid does, and the replay
	// has it list the fleet again when a catalogue changes unannounced.
	Observe time.Duration
	// ApproveAfter is how long a person takes to approve what waits for
	// approval (negative: nobody approves).
	ApproveAfter time.Duration
	// FixAfter is how long a person takes to fix what halted a stage and
	// retry it (negative: nobody does).
	FixAfter time.Duration
	// Seed seeds the simulator's random faults.
	Seed uint64
	// Builtin, when set, names a built-in scheme (Schemes) to replay
	// instead of aksupgrade: no engine runs, and the stages of Policy
	// group the clusters for the scheme and the measures.
	Builtin string
	// Faults are the simulator's, in effect from From (each may wait
	// with After): drain failures, throttling, quota, ...
	Faults []simulator.Fault
}

// Replay runs the real engine, planner, provider and store on the input
// against the simulator, on a clock that jumps from each engine step to
// the next, and measures what happened.
func Replay(ctx context.Context, in Input) (*Result, error) {
	if in.Calendar == nil {
		in.Calendar = version.DefaultCalendar()
	}
	if in.Observe == 0 {
		in.Observe = DefaultObserve
	}
	if !in.To.After(in.From) {
		return nil, errors.New("the replay ends before it starts: give --to after --from")
	}
	if in.Catalogs != nil {
		in.Fleet = rebase(in.Fleet, in.Catalogs)
	}
	var scheme builtinScheme
	if in.Builtin != "" {
		var ok bool
		if scheme, ok = schemeNamed(in.Builtin); !ok {
			return nil, fmt.Errorf("no built-in scheme %q: want one of %s", in.Builtin, strings.Join(Schemes(), ", "))
		}
	}
	if scheme.channel != "" {
		in.Fleet = withChannel(in.Fleet, scheme.channel)
	}
	sc, err := scenarioFor(in.Fleet, in.From, in.Releases)
	if err != nil {
		return nil, err
	}
	sc.Faults, sc.Seed = in.Faults, in.Seed
	clk := clock.NewManual(in.From)
	sim, err := simulator.New(simulator.Options{Clock: clk, Scenario: sc})
	if err != nil {
		return nil, fmt.Errorf("the simulated fleet: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 5 * time.Second}
	// Serve ends with http.ErrServerClosed when the replay closes it; any
	// other end leaves the engine unable to reach Azure, which its steps
	// then report.
	go func() { _ = srv.Serve(l) }()
	defer func() { _ = srv.Close() }() // the replay's own server: nothing to keep
	w := newWatch(in.Policy, in.Calendar)
	w.watchReleases(in)
	var res *Result
	switch {
	case scheme.channel != "":
		res, err = replayChannel(ctx, in, clk, sim, w)
	case scheme.operator != nil:
		res, err = replayOperator(ctx, in, "http://"+l.Addr().String(), clk, sim, w, scheme.operator(in))
	default:
		res, err = replayEngine(ctx, in, l.Addr().String(), clk, sim, w)
	}
	if err != nil {
		return nil, err
	}
	res.countOperations(sim.State(true).Operations)
	return res, nil
}

// replayEngine runs aksupgrade: the real service (engine, planner, store,
// webhook intake) against the simulator at armAddr.
func replayEngine(ctx context.Context, in Input, armAddr string, clk *clock.Manual, sim *simulator.Simulator, w *watch) (*Result, error) {
	dir, err := os.MkdirTemp("", "aksupgrade-backtest-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }() // the replay's scratch database
	a, err := app.New(ctx, app.Options{Policy: sparseGates(in.Policy), DBPath: filepath.Join(dir, "state.db"), ARMEndpoint: "http://" + armAddr,
		Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ObserveInterval: in.Observe, PollInterval: replayPoll, ImageInterval: replayImageInterval, WebhookAnonymous: true})
	if err != nil {
		return nil, err
	}
	defer func() { _ = a.Stop(context.Background()) }() // results are read before; a close error changes none
	// AKS's events reach the service as from Event Grid: the simulator
	// delivers what is due before each step, so a release is known when
	// it arrives, not at the next listing of the fleet.
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hook := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hook.Serve(hl) }()  // ends with Close below
	defer func() { _ = hook.Close() }() // the replay's own server: nothing to keep
	if _, err := sim.SubscribeContext(ctx, simulator.EventSubscription{Name: "backtest", Endpoint: "http://" + hl.Addr().String() + "/webhooks/eventgrid",
		Schema: simulator.SchemaEventGrid, MaxEventsPerBatch: 100}); err != nil {
		return nil, fmt.Errorf("subscribe the service to the simulator's events: %w", err)
	}
	unannounced := unannouncedTimes(in)

	p := &person{approveAfter: in.ApproveAfter, fixAfter: in.FixAfter, asked: map[string]time.Time{}, halted: map[string]time.Time{}}
	steps := 0
	for now := clk.Now(); now.Before(in.To); now = clk.Now() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		steps++
		sim.DeliverDue(ctx)
		// A version leaving a region is announced to the clusters on it,
		// if any, and a new default to nobody: the service's regular
		// listing (every 15 minutes in serve) finds it minutes later. The
		// replay lists the fleet in between only as often as Observe, so
		// it has the engine read it again at such a change.
		if len(unannounced) > 0 && !unannounced[0].After(now) {
			for len(unannounced) > 0 && !unannounced[0].After(now) {
				unannounced = unannounced[1:]
			}
			a.Engine.Rediscover()
		}
		next, err := step(ctx, a.Engine.Step, clk)
		if err != nil {
			return nil, fmt.Errorf("engine step at %s: %w", now.Format(time.RFC3339), err)
		}
		now = clk.Now() // a step that waited for Azure's limits took simulated time
		w.sample(now, sim.Fleet().Clusters)
		acted, err := p.act(ctx, a.Engine, now)
		if err != nil {
			return nil, err
		}
		if acted {
			next = now // the service steps at once after an action (Engine.Wake)
		}
		if at := p.wake(); !at.IsZero() && at.Before(next) {
			next = at
		}
		// Wake when Azure changes: an operation ends, or AKS starts one of
		// its own (AKS's NodePoolRolling events tell the service at once,
		// so it need not poll every few seconds), or the timeline changes
		// a catalogue.
		if at, ok := sim.NextChange(); ok && at.Before(next) {
			next = at
		}
		if next.After(in.To) {
			next = in.To
		}
		if !next.After(now) {
			next = now.Add(time.Second) // the engine wants to go on at once: let a second pass
		}
		clk.Set(next)
	}
	w.sample(in.To, sim.Fleet().Clusters)
	hist, err := a.Store.History(ctx)
	if err != nil {
		return nil, err
	}
	res, err := w.result(in, hist)
	if res != nil {
		res.Steps, res.ApprovalsAsked = steps, len(p.asked)
	}
	return res, err
}

// DefaultObserve is how often the replayed engine lists the whole fleet
// unless told otherwise. Nothing a replay measures depends on it (the
// engine hears of every change as it happens, see Input.Observe); a
// listing costs a tenth of a second of the replay for 100 clusters.
const DefaultObserve = 7 * 24 * time.Hour

// replayPoll is how often the replayed engine polls operations in
// flight: it learns that one ended from AKS's events, delivered as they
// happen (the replay wakes it then), so polling is only a safety net.
const replayPoll = time.Hour

// replayImageInterval is how long the replayed engine keeps a cluster's
// details (its pools' latest node images, its own window): node images
// are not replayed, so they change only when the pools do, which has
// them read again at once.
const replayImageInterval = 30 * 24 * time.Hour

// replayGateEvery is the least time between two postflight rounds on a
// cluster in the replay. The simulated clusters stay healthy between
// upgrades, so a round finds nothing new more often; the last round
// before a stage proves a release runs whatever the cadence.
const replayGateEvery = time.Hour

// sparseGates is pol with each stage's postflight rounds at most every
// replayGateEvery.
func sparseGates(pol *policy.Policy) *policy.Policy {
	out := *pol
	out.Stages = slices.Clone(pol.Stages)
	for i := range out.Stages {
		out.Stages[i].Gates.Every = max(out.Stages[i].Gates.Every, replayGateEvery)
	}
	return &out
}

// stageOf names a cluster's stage, or "".
func stageOf(pol *policy.Policy, c *aksupgrade.Cluster) string {
	if i := stageIndex(pol, c); i >= 0 {
		return pol.Stages[i].Name
	}
	return ""
}

// stageIndex is the index of the one stage that selects c; -1 when none
// or several do.
func stageIndex(pol *policy.Policy, c *aksupgrade.Cluster) int {
	i, matches := pol.StageOf(c)
	if len(matches) > 1 {
		return -1
	}
	return i
}

func lower(s string) string { return strings.ToLower(s) }

// rebase puts the snapshot on catalogs: a cluster on a minor its region
// does not list moves, with every pool, to the region's default minor's
// newest patch.
func rebase(snap *aksupgrade.Snapshot, catalogs map[string]aksupgrade.KubernetesVersionList) *aksupgrade.Snapshot {
	out := &aksupgrade.Snapshot{Catalogs: catalogs, Clusters: make([]aksupgrade.Cluster, len(snap.Clusters))}
	for i, c := range snap.Clusters {
		c.NodePools = append([]aksupgrade.NodePool(nil), c.NodePools...)
		cat := catalogs[planner.NormalizeLocation(c.Location)]
		if v, ok := defaultPatch(cat); ok && !lists(cat, c.KubernetesVersion) {
			c.KubernetesVersion = v
			for j := range c.NodePools {
				c.NodePools[j].KubernetesVersion = v
			}
		}
		out.Clusters[i] = c
	}
	return out
}

// lists tells whether the catalogue lists v's minor.
func lists(cat aksupgrade.KubernetesVersionList, v string) bool {
	pv, err := version.Parse(v)
	if err != nil {
		return false
	}
	for _, kv := range cat.Values {
		if kv.Version == pv.MinorString() {
			return true
		}
	}
	return false
}

// defaultPatch is the newest patch of the catalogue's default minor.
func defaultPatch(cat aksupgrade.KubernetesVersionList) (string, bool) {
	for _, kv := range cat.Values {
		if !kv.IsDefault {
			continue
		}
		var best version.Version
		for p := range kv.PatchVersions {
			if pv, err := version.Parse(p); err == nil && best.Less(pv) {
				best = pv
			}
		}
		return best.String(), !best.IsZero()
	}
	return "", false
}

// replayChannel lets AKS upgrade the fleet on its own: the simulator's
// hourly sweep starts what each cluster's channel asks, in its window;
// the replay looks every hour.
func replayChannel(ctx context.Context, in Input, clk *clock.Manual, sim *simulator.Simulator, w *watch) (*Result, error) {
	steps := 0
	for now := clk.Now(); now.Before(in.To); now = clk.Now() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		steps++
		w.sample(now, sim.Fleet().Clusters)
		next := now.Add(time.Hour)
		if next.After(in.To) {
			next = in.To
		}
		clk.Set(next)
	}
	w.sample(in.To, sim.Fleet().Clusters)
	// AKS keeps no rollout history: the stages' times are what the
	// samples saw, a stage "proving" a release its soak after the last of
	// its clusters had it.
	res, err := w.result(in, w.sampled())
	if res != nil {
		res.Steps = steps
	}
	return res, err
}

// withChannel is the snapshot with every cluster on AKS's auto-upgrade
// channel ch.
func withChannel(snap *aksupgrade.Snapshot, ch string) *aksupgrade.Snapshot {
	out := &aksupgrade.Snapshot{Catalogs: snap.Catalogs, Clusters: make([]aksupgrade.Cluster, len(snap.Clusters))}
	for i, c := range snap.Clusters {
		c.AutoUpgradeChannel = ch
		out.Clusters[i] = c
	}
	return out
}

// unannouncedTimes are when the releases change a catalogue in a way no
// event announces to every cluster: a version leaving, a new default.
func unannouncedTimes(in Input) []time.Time {
	var out []time.Time
	for _, e := range in.Releases {
		if e.Remove != "" || e.SetDefault != "" {
			out = append(out, in.From.Add(e.After.D()))
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.Compact(out)
}

// step runs one engine step. A step that waits on the clock (Azure's
// request limits, as the provider honours them in simulated time) gets
// the simulated time it waits for: the clock moves to its deadline,
// which is what would pass for the service.
func step(ctx context.Context, run func(context.Context) (time.Time, error), clk *clock.Manual) (time.Time, error) {
	type result struct {
		next time.Time
		err  error
	}
	done := make(chan result, 1)
	go func() {
		next, err := run(ctx)
		done <- result{next, err}
	}()
	for {
		select {
		case r := <-done:
			return r.next, r.err
		case <-clk.Waited():
			if at, ok := clk.NextDue(); ok {
				clk.Set(at)
			}
		}
	}
}
