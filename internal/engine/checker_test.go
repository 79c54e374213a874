package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// checkInvariants reads what the engine recorded (steps, history, audit)
// and what the simulator saw (its request log) and checks every invariant
// of DESIGN.md §4 over the whole run. initial is the fleet at the start.
func checkInvariants(ctx context.Context, st store.Store, pol *policy.Policy, sim *simulator.Simulator, initial []aksupgrade.Cluster) error {
	steps, err := st.Steps(ctx, "", 0)
	if err != nil {
		return err
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].ID < steps[j].ID })
	hist, err := st.History(ctx)
	if err != nil {
		return err
	}
	stageIndex := map[string]int{}
	for i, s := range pol.Stages {
		stageIndex[s.Name] = i
	}
	provenAt := map[string]time.Time{}
	for _, r := range hist.Rollouts {
		for _, sp := range r.Stages {
			if sp.ProvenAt != nil {
				provenAt[sp.Stage+"|"+r.Target.String()] = *sp.ProvenAt
			}
		}
	}
	// 1. Only targets proven in the stage before.
	for _, s := range steps {
		si := stageIndex[s.Stage]
		if si == 0 || s.State == store.StepAbandoned {
			continue
		}
		prev := pol.Stages[si-1].Name
		p, ok := provenAt[prev+"|"+s.Target.String()]
		if !ok || p.After(s.StartedAt) {
			return fmt.Errorf("invariant 1: step %d (%s %s in %s) at %s, but %s not proven in %s then", s.ID, s.Step.Kind, s.Target, s.Stage, s.StartedAt, s.Target, prev)
		}
	}
	// 2. Never a write on a busy cluster (ARM would answer 409), never
	// more than maxParallel clusters of a stage under way.
	for _, r := range sim.Requests() {
		if isWrite(r) && r.Status == http.StatusConflict {
			return fmt.Errorf("invariant 2: %s %s answered 409: a write on a busy cluster", r.Method, r.Path)
		}
	}
	if err := checkParallel(steps, pol); err != nil {
		return err
	}
	// 3. Every step starts inside an open window of its stage.
	for _, s := range steps {
		if s.State == store.StepAbandoned {
			continue
		}
		w := pol.Stages[stageIndex[s.Stage]].Window.Schedule
		if w == nil {
			continue
		}
		if _, open := w.Open(s.StartedAt); !open {
			return fmt.Errorf("invariant 3: step %d on %s started at %s outside window %s", s.ID, s.Step.ClusterID, s.StartedAt, pol.Stages[stageIndex[s.Stage]].Window.Name)
		}
	}
	// 4. No upgrade issued twice: the simulator never started the same
	// operation twice on a resource, unless the first one failed and a
	// person retried its stage in between (never on the engine's own).
	audit, err := st.Audit(ctx, store.AuditQuery{})
	if err != nil {
		return err
	}
	stageOf := map[string]string{}
	for _, s := range steps {
		stageOf[strings.ToLower(s.Step.ClusterID)] = s.Stage
	}
	seen := map[string]simulator.OperationStatus{} // operation key -> the last one
	for _, op := range sim.State(true).Operations {
		k := strings.ToLower(fmt.Sprintf("%s|%s|%s|%s", op.ClusterID, op.Kind, op.Pool, op.To))
		last, ok := seen[k]
		seen[k] = op
		if !ok {
			continue
		}
		if last.Status != "Failed" {
			return fmt.Errorf("invariant 4: %s started twice (the first one %s)", k, last.Status)
		}
		stage := stageOf[strings.ToLower(op.ClusterID)]
		if !slices.ContainsFunc(audit, func(a store.AuditEntry) bool {
			return a.Kind == string(store.TransitionRetried) && a.Stage == stage && !a.At.Before(last.EndTime) && !a.At.After(op.StartTime)
		}) {
			return fmt.Errorf("invariant 4: %s started again at %s after it failed at %s, with no retry of %s in between", k, op.StartTime, last.EndTime, stage)
		}
	}
	// 5. Minor by minor, control plane first, pools never past it.
	if err := replayVersions(steps, initial); err != nil {
		return err
	}
	// 6. Nothing starts in a halted stage until it is retried.
	return checkHalts(steps, audit)
}

func isWrite(r simulator.Request) bool {
	p := strings.ToLower(r.Path)
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/upgradenodeimageversion"):
		return true
	case r.Method == http.MethodPut && strings.Contains(p, "/managedclusters/"):
		return true
	}
	return false
}

// checkParallel counts, per stage, the clusters under way at each step
// start: a cluster is under way from its first step towards a target to
// the end of its last.
func checkParallel(steps []store.StepRecord, pol *policy.Policy) error {
	type span struct{ from, to time.Time }
	spans := map[string]map[string]*span{} // stage -> cluster|target -> span
	for _, s := range steps {
		if s.State == store.StepAbandoned {
			continue
		}
		if spans[s.Stage] == nil {
			spans[s.Stage] = map[string]*span{}
		}
		k := strings.ToLower(s.Step.ClusterID) + "|" + s.Target.String()
		sp := spans[s.Stage][k]
		end := s.UpdatedAt
		if s.State.Active() {
			end = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if sp == nil {
			spans[s.Stage][k] = &span{s.StartedAt, end}
			continue
		}
		if end.After(sp.to) {
			sp.to = end
		}
	}
	for _, st := range pol.Stages {
		for k, a := range spans[st.Name] {
			n := 0
			for _, b := range spans[st.Name] {
				if !b.from.After(a.from) && b.to.After(a.from) {
					n++
				}
			}
			if n > st.MaxParallel {
				return fmt.Errorf("invariant 2: %d clusters of %s under way at %s (%s), maxParallel %d", n, st.Name, a.from, k, st.MaxParallel)
			}
		}
	}
	return nil
}

// replayVersions applies the Kubernetes steps in order to the initial
// fleet and checks each one.
func replayVersions(steps []store.StepRecord, initial []aksupgrade.Cluster) error {
	cs := map[string]*aksupgrade.Cluster{}
	for i := range initial {
		c := initial[i]
		c.NodePools = slices.Clone(c.NodePools)
		cs[strings.ToLower(c.ID)] = &c
	}
	for _, s := range steps {
		// Steps that succeeded changed the cluster, whether the engine
		// learnt it from ARM's answer or, after a crash, from the
		// cluster's state.
		if s.State != store.StepSucceeded || s.Step.Kind == aksupgrade.StepNodeImage {
			continue
		}
		c := cs[strings.ToLower(s.Step.ClusterID)]
		if c == nil {
			return fmt.Errorf("step %d on unknown cluster %s", s.ID, s.Step.ClusterID)
		}
		to := version.MustParse(s.Step.Version)
		cp := version.MustParse(c.KubernetesVersion)
		switch s.Step.Kind {
		case aksupgrade.StepControlPlane:
			if cp == to {
				continue // found done (the cluster already had it)
			}
			if !cp.Less(to) || to.Minor > cp.Minor+1 {
				return fmt.Errorf("invariant 5: %s control plane %s -> %s", c.Name, cp, to)
			}
			c.KubernetesVersion = s.Step.Version
		case aksupgrade.StepNodePool:
			i := slices.IndexFunc(c.NodePools, func(p aksupgrade.NodePool) bool { return p.Name == s.Step.Pool })
			if i < 0 {
				return fmt.Errorf("step %d on unknown pool %s", s.ID, s.Step.Pool)
			}
			from := version.MustParse(c.NodePools[i].KubernetesVersion)
			if from == to {
				continue
			}
			if !from.Less(to) || to.Minor > from.Minor+1 || cp.Less(to) {
				return fmt.Errorf("invariant 5: %s pool %s %s -> %s with control plane %s", c.Name, s.Step.Pool, from, to, cp)
			}
			c.NodePools[i].KubernetesVersion = s.Step.Version
		}
	}
	return nil
}

// checkHalts: between a stage's halt and its retry, no step of the stage
// starts.
func checkHalts(steps []store.StepRecord, audit []store.AuditEntry) error {
	type period struct{ from, to time.Time }
	halted := map[string][]period{}
	sort.Slice(audit, func(i, j int) bool { return audit[i].ID < audit[j].ID })
	open := map[string]time.Time{}
	for _, a := range audit {
		switch a.Kind {
		case string(store.TransitionHalted):
			if _, ok := open[a.Stage]; !ok {
				open[a.Stage] = a.At
			}
		case string(store.TransitionRetried):
			if from, ok := open[a.Stage]; ok {
				halted[a.Stage] = append(halted[a.Stage], period{from, a.At})
				delete(open, a.Stage)
			}
		}
	}
	for stage, from := range open {
		halted[stage] = append(halted[stage], period{from, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	for _, s := range steps {
		for _, p := range halted[s.Stage] {
			if s.StartedAt.After(p.from) && s.StartedAt.Before(p.to) && s.State != store.StepAbandoned {
				return fmt.Errorf("invariant 6: step %d started in %s at %s while halted (%s to %s)", s.ID, s.Stage, s.StartedAt, p.from, p.to)
			}
		}
	}
	return nil
}
