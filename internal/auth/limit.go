package auth

import (
	"sync"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// Limit counts what each key (a client address, a caller) does in a
// window of time: after Max counts in a Window, the key is Blocked until
// the window ends. The server limits failed authentications per address
// with it, so a token cannot be guessed at speed, and actions per caller.
// The zero Max and Window mean 10 a minute.
type Limit struct {
	Clock  aksupgrade.Clock
	Max    int
	Window time.Duration

	mu     sync.Mutex
	counts map[string]*failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

// maxClients bounds the clients tracked; past it, ended windows are
// dropped first.
const maxClients = 10000

func (f *Limit) limits() (int, time.Duration) {
	max, window := f.Max, f.Window
	if max <= 0 {
		max = 10
	}
	if window <= 0 {
		window = time.Minute
	}
	return max, window
}

// Blocked reports whether client may not go on now, and for how long.
func (f *Limit) Blocked(client string) (time.Duration, bool) {
	max, window := f.limits()
	now := f.Clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.counts[client]
	if w == nil || w.n < max {
		return 0, false
	}
	end := w.start.Add(window)
	if !now.Before(end) {
		delete(f.counts, client)
		return 0, false
	}
	return end.Sub(now), true
}

// Count counts one more of client's.
func (f *Limit) Count(client string) {
	_, window := f.limits()
	now := f.Clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = map[string]*failWindow{}
	}
	w := f.counts[client]
	if w == nil || !now.Before(w.start.Add(window)) {
		if len(f.counts) >= maxClients {
			f.prune(now, window)
		}
		f.counts[client] = &failWindow{start: now, n: 1}
		return
	}
	w.n++
}

// prune drops ended windows, and when none has ended, every window: the
// limit then starts afresh rather than growing without bound.
func (f *Limit) prune(now time.Time, window time.Duration) {
	for k, w := range f.counts {
		if !now.Before(w.start.Add(window)) {
			delete(f.counts, k)
		}
	}
	if len(f.counts) >= maxClients {
		clear(f.counts)
	}
}
