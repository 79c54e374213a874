package backtest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/planner"
)

// person is the team member the replay models: approves what waits for
// approval approveAfter after it is first asked, and fixes what halted a
// stage and retries it fixAfter after it halted; recorded as "backtest".
type person struct {
	approveAfter, fixAfter time.Duration
	asked                  map[string]time.Time // stage/target → when first seen waiting
	halted                 map[string]time.Time // stage/reason → when first seen halted
	next                   time.Time
}

// engineOperator is what the person needs of the engine.
type engineOperator interface {
	LastPlan() (*planner.Result, error)
	Approve(ctx context.Context, stage string, t aksupgrade.Target, by string) error
	Retry(ctx context.Context, stage, by string) error
}

// act approves and retries what is due by now, and says whether it did
// anything.
func (p *person) act(ctx context.Context, e engineOperator, now time.Time) (bool, error) {
	p.next = time.Time{}
	res, err := e.LastPlan()
	if err != nil || res == nil {
		return false, nil // no plan yet: nothing is asked
	}
	acted := false
	for _, sp := range res.Stages {
		if sp.Halted != "" {
			key := sp.Name + "/" + sp.Halted
			if !p.due(p.halted, key, now, p.fixAfter) {
				continue
			}
			if err := e.Retry(ctx, sp.Name, "backtest"); err != nil && !alreadyDone(err) {
				return acted, fmt.Errorf("retry %s: %w", sp.Name, err)
			}
			// A halt after this retry, even for the same reason, takes
			// the person fixAfter again.
			delete(p.halted, key)
			acted = true
			continue
		}
		for _, tp := range sp.Targets {
			if tp.State != planner.TargetApproval || !p.due(p.asked, sp.Name+"/"+tp.Target.String(), now, p.approveAfter) {
				continue
			}
			err := e.Approve(ctx, sp.Name, tp.Target, "backtest")
			if err != nil && !alreadyDone(err) {
				return acted, fmt.Errorf("approve %s for %s: %w", tp.Target, sp.Name, err)
			}
			acted = acted || err == nil
		}
	}
	return acted, nil
}

// due notes key as seen at now if it is new, and tells whether after has
// passed since; otherwise it keeps when it will have, in p.next.
// A negative after never passes.
func (p *person) due(seen map[string]time.Time, key string, now time.Time, after time.Duration) bool {
	if after < 0 {
		return false
	}
	first, ok := seen[key]
	if !ok {
		first, seen[key] = now, now
	}
	at := first.Add(after)
	if now.Before(at) {
		if p.next.IsZero() || at.Before(p.next) {
			p.next = at
		}
		return false
	}
	return true
}

// wake is when the person next acts; zero when nothing waits.
func (p *person) wake() time.Time { return p.next }

func alreadyDone(err error) bool {
	var ae *aksupgrade.Error
	return errors.As(err, &ae) && (ae.Code == aksupgrade.ErrAlreadyDone || ae.Code == aksupgrade.ErrConflict)
}
