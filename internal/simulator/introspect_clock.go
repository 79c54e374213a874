package simulator

import (
	"net/http"
	"time"
)

// ClockInfo is the answer of GET /simulator/v1/clock: the simulator's
// clock, for a service in another process that runs its engine on the same
// simulated time (aksupgrade serve --clock simulator).
//
//	GET /simulator/v1/clock
//	200 {"now": "2025-06-02T03:20:00.5Z", "speed": 600, "realNow": "2026-12-05T06:00:20.000833Z"}
//
// Now is the simulated time at the real (wall-clock) time RealNow, the two
// read together. Speed is simulated seconds per real second; 0 when the
// clock moves only when something steps it (a test's manual clock), so
// that nobody can follow it. On the simulator's host, whose wall clock
// the reader shares (the simulator serves loopback addresses only), the
// simulated time at any later real time t is Now + (t - RealNow) × Speed.
type ClockInfo struct {
	Now     time.Time `json:"now"`
	Speed   float64   `json:"speed"`
	RealNow time.Time `json:"realNow"`
}

// scaledClock is a clock that runs at a steady speed (clock.Scaled).
type scaledClock interface {
	Speed() float64
	At(wall time.Time) time.Time
}

// Clock returns the simulator's clock, as GET /simulator/v1/clock
// answers it.
func (s *Simulator) Clock() ClockInfo {
	wall := time.Now()
	if sc, ok := s.clock.(scaledClock); ok {
		return ClockInfo{Now: sc.At(wall), Speed: sc.Speed(), RealNow: wall}
	}
	return ClockInfo{Now: s.clock.Now(), RealNow: wall}
}

func (s *Simulator) clockRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /simulator/v1/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Clock())
	})
}
