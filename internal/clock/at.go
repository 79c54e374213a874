package clock

import "time"

// At is the simulated time the clock shows at the real time t. A reader
// that needs a simulated time and the real time it belongs to, together
// (the simulator's GET /simulator/v1/clock), reads the wall once and asks
// At, so the pair is exact.
func (s *Scaled) At(t time.Time) time.Time {
	return s.start.Add(time.Duration(float64(t.Sub(s.real)) * s.speed))
}
