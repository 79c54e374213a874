package clock

import (
	"testing"
	"time"
)

// TestScaledAt: At is what Now shows when the wall shows t, and two
// clocks made from one (start, since, speed) agree at every real time.
func TestScaledAt(t *testing.T) {
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	since := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	wall := since.Add(90 * time.Second)
	s := &Scaled{start: start, real: since, speed: 600, wall: func() time.Time { return wall }}
	if got, want := s.At(wall), start.Add(15*time.Hour); !got.Equal(want) || !s.Now().Equal(want) {
		t.Errorf("At(wall) = %v, Now = %v, want %v (90 real seconds at 600x)", got, s.Now(), want)
	}
	other := NewScaledSince(start, since, 600)
	if later := wall.Add(time.Hour); !other.At(later).Equal(s.At(later)) {
		t.Errorf("clocks of one origin disagree: %v and %v", other.At(later), s.At(later))
	}
}
