package simulator

import "time"

// NextChange is the earliest instant after now at which the simulated
// Azure changes on its own: an operation in flight ends, the timeline
// makes a release or removal, or a maintenance notice is published.
// False when none is pending. A driver of a manual clock (the backtest)
// wakes its service there, as AKS's events would, instead of stepping
// through every poll. The hourly sweep of auto-upgrade channels is not
// counted: it changes only clusters on a channel, which such a driver
// samples on its own.
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
	return next, !next.IsZero()
}
