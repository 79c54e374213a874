package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// testOutboxClaim: an entry is claimed by one sender at a time; a claim
// lapses at its end, and a Mark ends it; an entry that is no longer
// pending cannot be claimed.
func testOutboxClaim(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	mustEnqueue(t, s, outgoing("r", "a", at(0)), outgoing("r", "b", at(0)))
	a, b := byKey(t, s, "r", "a"), byKey(t, s, "r", "b")
	claim := func(id int64, now time.Duration, want bool) {
		t.Helper()
		got, err := s.ClaimNotification(ctx, id, at(now), at(now+time.Minute))
		if err != nil || got != want {
			t.Fatalf("ClaimNotification(%d at %s) = %v, %v; want %v", id, now, got, err, want)
		}
	}
	claim(a.ID, 0, true)
	claim(a.ID, 30*time.Second, false)              // claimed until 1m
	claim(a.ID, time.Minute-time.Nanosecond, false) // still
	claim(b.ID, 0, true)                            // another entry
	claim(a.ID, time.Minute, true)                  // the claim lapsed
	if err := s.MarkRetry(ctx, a.ID, at(2*time.Minute), 1, "timeout"); err != nil {
		t.Fatal(err)
	}
	claim(a.ID, 70*time.Second, true) // the mark ended the claim
	if err := s.MarkSent(ctx, a.ID, at(80*time.Second)); err != nil {
		t.Fatal(err)
	}
	claim(a.ID, 10*time.Minute, false) // sent: nothing to claim
	if err := s.MarkFailed(ctx, b.ID, at(0), "gone"); err != nil {
		t.Fatal(err)
	}
	claim(b.ID, 10*time.Minute, false)
	if _, err := s.ClaimNotification(ctx, 9999, at(0), at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimNotification of an unknown entry: err = %v, want ErrNotFound", err)
	}
	if _, err := s.ClaimNotification(ctx, a.ID, at(0), at(0)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("ClaimNotification ending when it starts: err = %v, want ErrInvalid", err)
	}
}
