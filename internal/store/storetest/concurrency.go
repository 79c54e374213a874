package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// testConcurrency uses one store from many goroutines at once: writes of
// every kind, racing duplicates, racing steps on one cluster, and reads.
// Nothing may fail and every count must come out right.
func testConcurrency(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	workers, each := 20, 50
	if testing.Short() {
		each = 10
	}
	var (
		wg         sync.WaitGroup
		dupsStored atomic.Int64
		begun      atomic.Int64
	)
	a := clusterID("aks-busy-01")
	for w := range workers {
		wg.Go(func() {
			target := kube(fmt.Sprintf("1.30.%d", w))
			// Every worker races the others to begin a step on one cluster.
			id := a
			if w%2 == 1 {
				id = strings.ToUpper(a)
			}
			switch _, err := s.BeginStep(ctx, controlPlane(id, at(time.Duration(w)))); {
			case err == nil:
				begun.Add(1)
			case !errors.Is(err, store.ErrActiveStep):
				t.Errorf("worker %d: BeginStep: %v", w, err)
			}
			for i := range each {
				when := at(time.Duration(w*each+i) * time.Millisecond)
				tr := store.Transition{Kind: store.TransitionStarted, Stage: fmt.Sprintf("stage-%03d", i), Target: target,
					At: when, Actor: store.ActorEngine}
				if err := s.Apply(ctx, tr); err != nil {
					t.Errorf("worker %d: Apply: %v", w, err)
					return
				}
				if ok, err := s.PutEvent(ctx, event(fmt.Sprintf("worker-%d", w), fmt.Sprint(i), when)); err != nil || !ok {
					t.Errorf("worker %d: PutEvent = %t, %v; want inserted", w, ok, err)
					return
				}
				// Every worker delivers the same shared events: one wins each.
				ok, err := s.PutEvent(ctx, event("shared", fmt.Sprint(i), when))
				if err != nil {
					t.Errorf("worker %d: PutEvent(shared): %v", w, err)
					return
				}
				if ok {
					dupsStored.Add(1)
				}
				if i%10 == 0 {
					if _, err := s.History(ctx); err != nil {
						t.Errorf("worker %d: History: %v", w, err)
						return
					}
					if _, err := s.PendingEvents(ctx, 10); err != nil {
						t.Errorf("worker %d: PendingEvents: %v", w, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	if got := begun.Load(); got != 1 {
		t.Errorf("racing BeginStep on one cluster: %d succeeded, want 1", got)
	}
	if active, err := s.ActiveSteps(ctx); err != nil || len(active) != 1 {
		t.Errorf("ActiveSteps = %d steps, %v; want 1", len(active), err)
	}
	if got := dupsStored.Load(); got != int64(each) {
		t.Errorf("shared events inserted %d times, want %d", got, each)
	}
	h := mustHistory(t, s)
	if len(h.Rollouts) != workers {
		t.Fatalf("History has %d rollouts, want %d", len(h.Rollouts), workers)
	}
	for _, r := range h.Rollouts {
		if len(r.Stages) != each {
			t.Errorf("rollout of %s has %d stages, want %d", r.Target, len(r.Stages), each)
		}
	}
	events, err := s.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := workers*each + each; len(events) != want {
		t.Errorf("Events: %d, want %d", len(events), want)
	}
	// One entry per transition and one for the step that began.
	if got, want := len(mustAudit(t, s, store.AuditQuery{})), workers*each+1; got != want {
		t.Errorf("audit entries: %d, want %d", got, want)
	}
}
