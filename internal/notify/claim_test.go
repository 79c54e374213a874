package notify_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/notify"
)

// TestDispatcherClaimed: an entry another sender claimed is not sent, and
// its receiver's later entries wait behind it, until the claim lapses;
// other receivers go on.
func TestDispatcherClaimed(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	clk := clock.NewManual(t0)
	hook, other := newRecorder("hook"), newRecorder("other")
	enqueue(t, s, t0, "hook", "k1", "k2")
	enqueue(t, s, t0, "other", "o1")
	if ok, err := s.ClaimNotification(t.Context(), entry(t, s, "k1").ID, t0, t0.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("claim k1 = %v, %v", ok, err)
	}
	d := newDispatcher(t, s, clk, notify.DispatcherOptions{}, hook, other)
	if sent, _ := deliver(t, d); sent != 1 {
		t.Errorf("with k1 claimed: sent %d, want 1 (o1)", sent)
	}
	if calls, _ := hook.got(); len(calls) != 0 {
		t.Errorf("hook got %v while k1 was claimed by another sender", calls)
	}
	clk.Advance(time.Minute)
	if sent, _ := deliver(t, d); sent != 2 {
		t.Errorf("after the claim lapsed: sent %d, want 2", sent)
	}
	if calls, _ := hook.got(); !cmp.Equal(calls, []string{"k1", "k2"}) {
		t.Errorf("hook got %v, want k1, k2 in order", calls)
	}
}

// TestDispatchersAtOnce: two processes delivering the same outbox at the
// same time send each message once.
func TestDispatchersAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aksupgrade.db")
	s1, s2 := openStore(t, path), openStore(t, path)
	clk := clock.NewManual(t0)
	var keys []string
	for i := range 40 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	hook := newRecorder("hook")
	for _, k := range keys {
		enqueue(t, s1, t0, "hook", k)
	}
	d1 := newDispatcher(t, s1, clk, notify.DispatcherOptions{}, hook)
	d2 := newDispatcher(t, s2, clk, notify.DispatcherOptions{}, hook)
	var wg sync.WaitGroup
	for _, d := range []*notify.Dispatcher{d1, d2} {
		wg.Go(func() {
			for range 5 {
				if _, _, err := d.DeliverDue(t.Context()); err != nil {
					t.Errorf("DeliverDue: %v", err)
				}
			}
		})
	}
	wg.Wait()
	calls, _ := hook.got()
	if len(calls) != len(keys) {
		t.Errorf("%d sends of %d messages: %v", len(calls), len(keys), calls)
	}
	seen := map[string]int{}
	for _, c := range calls {
		if seen[c]++; seen[c] > 1 {
			t.Errorf("%s sent %d times", c, seen[c])
		}
	}
}
