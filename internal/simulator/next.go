package simulator

import "time"

// NextChange is the earliest instant after now at which the simulated
// Azure changes on its own: an operation in flight ends, the timeline
// makes a release or removal, a maintenance notice is published, or AKS
// starts an upgrade of its own (a forced upgrade, an auto-upgrade or node
// OS channel). False when none is pending. A driver of a manual clock
// (the backtest) wakes its service there, as AKS's events would, instead
// of stepping through every poll.
func (s *Simulator) NextChange() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	var next time.Time
	consider := func(at time.Time) {
		if at.After(now) && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	for _, op := range s.ops {
		if op.status == statusInProgress {
			consider(op.end)
		}
	}
	if s.nextEntry < len(s.timeline) {
		consider(s.timeline[s.nextEntry].at)
	}
	if s.ev.nextNotice < len(s.ev.notices) {
		consider(s.ev.notices[s.ev.nextNotice].at)
	}
	if at, ok := s.nextAKSAct(next); ok {
		consider(at)
	}
	return next, !next.IsZero()
}

// aksHorizon is how far ahead nextAKSAct looks when nothing else is due.
const aksHorizon = 366 * 24 * time.Hour

// nextAKSAct is the first sweep before horizon (zero: aksHorizon from
// the next sweep) at which AKS starts an operation of its own. Until
// horizon, the first other change, the clusters stay as they are, so
// what each sweep would start is known now: only the windows and the
// grace periods move with time. (A fault that stops a cluster later is
// not foreseen: the sweep then skips it, and the driver wakes for
// nothing.)
func (s *Simulator) nextAKSAct(horizon time.Time) (time.Time, bool) {
	first := s.nextSweep
	if horizon.IsZero() {
		horizon = first.Add(aksHorizon)
	}
	var best time.Time
	for _, sub := range s.subs {
		for _, c := range sub.clusters {
			if c.op != nil || c.provisioning != stateSucceeded || s.powerState(c) == "Stopped" {
				continue
			}
			for _, w := range s.aksWork(c) {
				t := first
				if w.notBefore.After(t) {
					t = t.Add((w.notBefore.Sub(t) + sweepEvery - 1).Truncate(sweepEvery))
				}
				limit := horizon
				if !best.IsZero() {
					limit = best
				}
				for ; t.Before(limit); t = t.Add(sweepEvery) {
					if s.windowOpen(c, w.config, t) {
						best = t
						break
					}
				}
			}
		}
	}
	return best, !best.IsZero()
}
