package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Gates (package gates) turn elapsed time into evidence:
//
//   - preflight, before the first step of a cluster's upgrade: a blocking
//     gate that fails keeps the cluster waiting (its run says why, people
//     are told once), and it is checked again every gates.every;
//   - postflight, after a cluster's upgrade, on every loop of the engine
//     at most every gates.every, while its stage rolls or soaks the
//     target: a blocking gate that fails halts the stage, as a failed
//     upgrade does; the target is not proven; after rollout retry the
//     stage reaches the target again and its soak starts over;
//   - a last postflight round on every cluster of the stage before the
//     proof, whose results the proof keeps (StageProgress.Gates).
//
// Without a Checker (Options.Gates nil) no gate runs.

// gateState is what the engine remembers of gates between loops (not
// across restarts: a restarted engine checks at once).
type gateState struct {
	// blocked and checked are when a cluster's preflight for a target last
	// blocked, and its postflight last ran, by gateKey.
	blocked, checked map[string]time.Time
}

func gateKey(stage string, t aksupgrade.Target, cluster string) string {
	return stage + "|" + t.String() + "|" + aksupgrade.NormalizeID(cluster)
}

// stagePolicy returns the policy's stage of that name.
func (e *Engine) stagePolicy(name string) (policy.Stage, bool) {
	for _, s := range e.policy().Stages {
		if s.Name == name {
			return s, true
		}
	}
	return policy.Stage{}, false
}

// gateEvents are the events of results that failed: blocked for blocking
// preflight gates, warned for gates that only warn. Their IDs make them
// once per stage, target, cluster and gate.
func gateEvents(stage string, t aksupgrade.Target, results []aksupgrade.GateResult) []eventSpec {
	var out []eventSpec
	for _, r := range results {
		if r.Verdict == aksupgrade.GatePassed {
			continue
		}
		typ := aksupgrade.EventGateWarned
		if r.Blocks() {
			if r.Phase != aksupgrade.GatePreflight {
				continue // a postflight failure halts the stage: its event says so
			}
			typ = aksupgrade.EventGateBlocked
		}
		id := fmt.Sprintf("gate/%s/%s/%s/%s/%s/%s", typ.Short(), stage, t, aksupgrade.NormalizeID(r.Cluster), r.Gate, r.Name)
		out = append(out, eventSpec{id, aksupgrade.Event{Type: typ, Cluster: r.Cluster, Gate: &aksupgrade.GateEvent{Stage: stage, Target: t, Result: r}}})
	}
	return out
}

// blocking returns what the results that block saw, in a sentence.
func blocking(results []aksupgrade.GateResult) string {
	var saw []string
	for _, r := range results {
		if r.Blocks() {
			what := string(r.Gate)
			if r.Name != "" {
				what += " " + r.Name
			}
			saw = append(saw, what+": "+r.Saw)
		}
	}
	return strings.Join(saw, "; ")
}

// preflight runs the preflight gates of a's cluster before its first
// step, and reports whether it may go. A cluster that does not pass is
// recorded as waiting, with the gates' events, in one fact.
func (e *Engine) preflight(ctx context.Context, now time.Time, a planner.Action, f *store.Fleet) (bool, error) {
	st, ok := e.stagePolicy(a.Stage)
	c := findCluster(f.Clusters, a.Cluster)
	if e.o.Gates == nil || !ok || len(st.Gates.Preflight) == 0 || c == nil {
		return true, nil
	}
	key := gateKey(a.Stage, a.Target, a.Cluster)
	e.gmu.Lock()
	last, wasBlocked := e.gates.blocked[key]
	e.gmu.Unlock()
	if wasBlocked && now.Sub(last) < st.Gates.Every {
		return false, nil // still waiting; checked again when due
	}
	results := e.o.Gates.Preflight(ctx, *c, a.Target, st.Gates)
	events := gateEvents(a.Stage, a.Target, results)
	saw := blocking(results)
	if saw == "" {
		e.gmu.Lock()
		delete(e.gates.blocked, key)
		e.gmu.Unlock()
		if len(events) > 0 {
			if _, err := e.record(ctx, now, store.Fact{}, events...); err != nil {
				return false, err
			}
		}
		return true, nil
	}
	reason := "waiting for preflight gates: " + saw
	run := store.Run{ClusterID: a.Cluster, Stage: a.Stage, Target: a.Target, State: store.RunGated, Reason: reason, UpdatedAt: now}
	if _, err := e.record(ctx, now, store.Fact{Run: &run}, events...); err != nil {
		return false, err
	}
	e.gmu.Lock()
	e.gates.blocked[key] = now
	e.gmu.Unlock()
	if !wasBlocked {
		e.log.Warn("preflight gates keep a cluster waiting", "stage", a.Stage, "target", a.Target.String(), "cluster", a.Cluster, "saw", saw)
	}
	return false, nil
}

// postflight runs the postflight gates of each stage on the clusters that
// finished their upgrade to a target the stage rolls or soaks. A blocking
// gate that fails halts the stage.
func (e *Engine) postflight(ctx context.Context, now time.Time, res *planner.Result, f store.Fleet) error {
	if e.o.Gates == nil || res == nil {
		return nil
	}
	for _, sp := range res.Stages {
		st, ok := e.stagePolicy(sp.Name)
		if !ok || sp.Halted != "" || !postflightOn(st.Gates) {
			continue
		}
	targets:
		for _, tp := range sp.Targets {
			if tp.State != planner.TargetRolling && tp.State != planner.TargetSoaking {
				continue
			}
			for _, cp := range sp.Clusters {
				c := findCluster(f.Clusters, cp.Cluster)
				if c == nil || !c.Idle() || !atTarget(*c, tp.Target) {
					continue
				}
				key := gateKey(sp.Name, tp.Target, c.ID)
				e.gmu.Lock()
				last, seen := e.gates.checked[key]
				due := !seen || now.Sub(last) >= st.Gates.Every
				if due {
					e.gates.checked[key] = now
				}
				e.gmu.Unlock()
				if !due {
					continue
				}
				halted, err := e.postflightOne(ctx, now, sp.Name, tp.Target, *c, st.Gates)
				if err != nil {
					return err
				}
				if halted {
					break targets // the stage is halted: nothing more of it now
				}
			}
		}
	}
	return nil
}

// postflightOn reports whether g has a postflight gate.
func postflightOn(g policy.Gates) bool {
	return g.Nodes != "" || g.Pods.Mode != "" || len(g.Probes) > 0 || len(g.Queries) > 0
}

// postflightOne runs the postflight gates on one cluster (see judge).
func (e *Engine) postflightOne(ctx context.Context, now time.Time, stage string, t aksupgrade.Target, c aksupgrade.Cluster, g policy.Gates) (bool, error) {
	return e.judge(ctx, now, stage, t, c, e.o.Gates.Postflight(ctx, c, t, g))
}

// judge acts on postflight results: a blocking gate that failed halts
// the stage, with the gates' words as the reason (halted true); a gate
// that warns is told once.
func (e *Engine) judge(ctx context.Context, now time.Time, stage string, t aksupgrade.Target, c aksupgrade.Cluster, results []aksupgrade.GateResult) (bool, error) {
	events := gateEvents(stage, t, results)
	saw := blocking(results)
	if saw == "" {
		if len(events) > 0 {
			_, err := e.record(ctx, now, store.Fact{}, events...)
			return false, err
		}
		return false, nil
	}
	reason := fmt.Sprintf("postflight gates failed on %s after its upgrade to %s: %s", c.Name, t, saw)
	fact := store.Fact{
		Transitions: []store.Transition{{Kind: store.TransitionHalted, Stage: stage, Target: t, At: now, Actor: Actor, Cluster: c.ID, Reason: reason}},
		Run:         &store.Run{ClusterID: c.ID, Stage: stage, Target: t, State: store.RunFailed, Reason: reason, UpdatedAt: now},
	}
	events = append(events, eventSpec{fmt.Sprintf("halted/%s/%s/gates/%s/%s", stage, t, aksupgrade.NormalizeID(c.ID), now.UTC().Format(time.RFC3339Nano)),
		aksupgrade.Event{Type: aksupgrade.EventStageHalted, Stage: &aksupgrade.StageEvent{Stage: stage, Target: t, Cluster: c.ID, Reason: reason}}})
	if _, err := e.record(ctx, now, fact, events...); err != nil {
		return false, err
	}
	e.log.Error("stage halted", "stage", stage, "target", t.String(), "cluster", c.ID, "reason", reason)
	return true, nil
}

// proofGates runs a last postflight round on the clusters behind a proof
// (a.Evidence names them) and returns what the gates saw, a line each, or
// halts the stage (halted true) when a blocking gate fails.
func (e *Engine) proofGates(ctx context.Context, now time.Time, a planner.Action, f store.Fleet) (saw []string, halted bool, err error) {
	st, ok := e.stagePolicy(a.Stage)
	if e.o.Gates == nil || !ok || !postflightOn(st.Gates) {
		return nil, false, nil
	}
	for _, c := range f.Clusters {
		if !holds(a.Evidence, c) || !atTarget(c, a.Target) {
			continue
		}
		results := e.o.Gates.Postflight(ctx, c, a.Target, st.Gates)
		if blocking(results) != "" {
			h, err := e.judge(ctx, now, a.Stage, a.Target, c, results)
			return nil, h, err
		}
		for _, r := range results {
			saw = append(saw, r.Line())
		}
	}
	return saw, false, nil
}

// holds reports whether the evidence names cluster c.
func holds(evidence []string, c aksupgrade.Cluster) bool {
	for _, ev := range evidence {
		if strings.EqualFold(ev, c.Name) || aksupgrade.SameID(ev, c.ID) {
			return true
		}
	}
	return false
}

// atTarget reports whether every part of c runs t.
func atTarget(c aksupgrade.Cluster, t aksupgrade.Target) bool {
	switch t.Kind {
	case aksupgrade.TargetKubernetes:
		if c.KubernetesVersion != t.Version {
			return false
		}
		for _, p := range c.NodePools {
			if p.KubernetesVersion != t.Version {
				return false
			}
		}
		return true
	case aksupgrade.TargetNodeImage:
		for _, p := range c.NodePools {
			if p.NodeImageVersion != t.Version && !strings.HasSuffix(p.NodeImageVersion, "-"+t.Version) {
				return false
			}
		}
		return len(c.NodePools) > 0
	}
	return false
}
