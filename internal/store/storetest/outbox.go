package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

func outgoing(receiver, key string, created time.Time) store.Outgoing {
	return store.Outgoing{
		Receiver:  receiver,
		Key:       key,
		Message:   []byte(fmt.Sprintf(`{"key":%q,"summary":"about %s"}`, key, key)),
		CreatedAt: created,
	}
}

func mustEnqueue(t *testing.T, s store.Store, os ...store.Outgoing) {
	t.Helper()
	if err := s.EnqueueNotifications(t.Context(), os); err != nil {
		t.Fatalf("EnqueueNotifications: %v", err)
	}
}

func mustDue(t *testing.T, s store.Store, now time.Time, limit int) []store.Outgoing {
	t.Helper()
	os, err := s.DueNotifications(t.Context(), now, limit)
	if err != nil {
		t.Fatalf("DueNotifications(%v): %v", now, err)
	}
	return os
}

// outKeys returns receiver/key of each entry, in order.
func outKeys(os []store.Outgoing) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.Receiver + "/" + o.Key
	}
	return out
}

func byKey(t *testing.T, s store.Store, receiver, key string) store.Outgoing {
	t.Helper()
	all, err := s.Notifications(t.Context(), 0)
	if err != nil {
		t.Fatalf("Notifications: %v", err)
	}
	for _, o := range all {
		if o.Receiver == receiver && o.Key == key {
			return o
		}
	}
	t.Fatalf("no notification %s/%s", receiver, key)
	return store.Outgoing{}
}

// testOutboxDedup: (receiver, key) is enqueued once, whatever its state
// and other fields; the same key for another receiver is another entry.
func testOutboxDedup(t *testing.T, open Opener) {
	s := open(t)
	a := outgoing("slack", "k1", at(0))
	mustEnqueue(t, s, a, outgoing("email", "k1", at(0)))
	dup := outgoing("slack", "k1", at(time.Hour))
	dup.Message = []byte(`{"other":true}`)
	dup.DueAt = at(2 * time.Hour)
	// Duplicates within one call are skipped too.
	mustEnqueue(t, s, dup, outgoing("slack", "k2", at(time.Minute)), outgoing("slack", "k2", at(2*time.Minute)))

	got := byKey(t, s, "slack", "k1")
	want := store.Outgoing{ID: got.ID, Receiver: "slack", Key: "k1", Message: a.Message, CreatedAt: at(0), DueAt: at(0), State: store.OutgoingPending}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after duplicate enqueue (-want +got):\n%s", diff)
	}
	if got := outKeys(mustDue(t, s, at(time.Hour), 0)); !cmp.Equal(got, []string{"slack/k1", "email/k1", "slack/k2"}) {
		t.Errorf("due = %v", got)
	}
	// A key sent already is not enqueued again.
	if err := s.MarkSent(t.Context(), got.ID, at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, s, outgoing("slack", "k1", at(3*time.Hour)))
	if got := outKeys(mustDue(t, s, at(4*time.Hour), 0)); !cmp.Equal(got, []string{"email/k1", "slack/k2"}) {
		t.Errorf("due after sent and enqueued again = %v", got)
	}
	all, err := s.Notifications(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := outKeys(all); !cmp.Equal(got, []string{"slack/k2", "email/k1", "slack/k1"}) {
		t.Errorf("Notifications (newest first) = %v", got)
	}
	if got, err := s.Notifications(t.Context(), 1); err != nil || len(got) != 1 {
		t.Errorf("Notifications(limit 1) = %d entries, %v", len(got), err)
	}
}

// testOutboxDue: due entries in enqueue order, not before DueAt, at most
// limit; a failed entry waiting for its retry holds its receiver's later
// entries back, one merely scheduled later does not.
func testOutboxDue(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	later := outgoing("slack", "later", at(0))
	later.DueAt = at(time.Hour) // e.g. muted until then
	mustEnqueue(t, s,
		later,
		outgoing("slack", "a", at(time.Minute)),
		outgoing("email", "b", at(2*time.Minute)),
		outgoing("slack", "c", at(time.Second)), // created earlier, enqueued later: enqueue order wins
	)
	if got := mustDue(t, s, at(-time.Second), 0); len(got) != 0 {
		t.Errorf("due before anything = %v", outKeys(got))
	}
	if got := outKeys(mustDue(t, s, at(time.Minute), 0)); !cmp.Equal(got, []string{"slack/a", "slack/c"}) {
		t.Errorf("due at +1m = %v", got)
	}
	if got := outKeys(mustDue(t, s, at(time.Hour), 0)); !cmp.Equal(got, []string{"slack/later", "slack/a", "email/b", "slack/c"}) {
		t.Errorf("due at +1h = %v", got)
	}
	if got := outKeys(mustDue(t, s, at(time.Hour), 2)); !cmp.Equal(got, []string{"slack/later", "slack/a"}) {
		t.Errorf("due at +1h, limit 2 = %v", got)
	}

	// slack/a fails: slack/c waits behind it until a is due again; email
	// is not held up.
	a := byKey(t, s, "slack", "a")
	if err := s.MarkRetry(ctx, a.ID, at(2*time.Hour), 1, "HTTP 503"); err != nil {
		t.Fatalf("MarkRetry: %v", err)
	}
	if got := outKeys(mustDue(t, s, at(time.Hour), 0)); !cmp.Equal(got, []string{"slack/later", "email/b"}) {
		t.Errorf("due while slack/a waits for its retry = %v", got)
	}
	if got := outKeys(mustDue(t, s, at(2*time.Hour), 0)); !cmp.Equal(got, []string{"slack/later", "slack/a", "email/b", "slack/c"}) {
		t.Errorf("due once slack/a is due again = %v", got)
	}
	got := byKey(t, s, "slack", "a")
	if got.Attempts != 1 || got.LastError != "HTTP 503" || !got.DueAt.Equal(at(2*time.Hour)) || got.State != store.OutgoingPending {
		t.Errorf("after MarkRetry: %+v", got)
	}
}

// testOutboxMarks: sent and failed are final; marks on them change
// nothing; unknown IDs are ErrNotFound; bad input ErrInvalid.
func testOutboxMarks(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	mustEnqueue(t, s, outgoing("slack", "a", at(0)), outgoing("slack", "b", at(0)))
	a, b := byKey(t, s, "slack", "a"), byKey(t, s, "slack", "b")

	if err := s.MarkRetry(ctx, a.ID, at(time.Minute), 1, "timeout"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, a.ID, at(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Late marks of an entry sent already are no-ops.
	if err := s.MarkSent(ctx, a.ID, at(3*time.Minute)); err != nil {
		t.Errorf("MarkSent again: %v", err)
	}
	if err := s.MarkRetry(ctx, a.ID, at(time.Hour), 2, "late"); err != nil {
		t.Errorf("MarkRetry after sent: %v", err)
	}
	if err := s.MarkFailed(ctx, a.ID, at(time.Hour), "late"); err != nil {
		t.Errorf("MarkFailed after sent: %v", err)
	}
	want := store.Outgoing{ID: a.ID, Receiver: "slack", Key: "a", Message: a.Message, CreatedAt: at(0), DueAt: at(time.Minute),
		State: store.OutgoingSent, Attempts: 1, LastError: "timeout", DoneAt: ptr(at(2 * time.Minute))}
	if diff := cmp.Diff(want, byKey(t, s, "slack", "a")); diff != "" {
		t.Errorf("sent entry (-want +got):\n%s", diff)
	}

	if err := s.MarkFailed(ctx, b.ID, at(time.Minute), "HTTP 404"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, b.ID, at(time.Hour)); err != nil {
		t.Errorf("MarkSent after failed: %v", err)
	}
	want = store.Outgoing{ID: b.ID, Receiver: "slack", Key: "b", Message: b.Message, CreatedAt: at(0), DueAt: at(0),
		State: store.OutgoingFailed, Attempts: 1, LastError: "HTTP 404", DoneAt: ptr(at(time.Minute))}
	if diff := cmp.Diff(want, byKey(t, s, "slack", "b")); diff != "" {
		t.Errorf("failed entry (-want +got):\n%s", diff)
	}
	if got := mustDue(t, s, at(10*time.Hour), 0); len(got) != 0 {
		t.Errorf("due after sent and failed = %v", outKeys(got))
	}

	for name, err := range map[string]error{
		"MarkSent":   s.MarkSent(ctx, 9999, at(0)),
		"MarkRetry":  s.MarkRetry(ctx, 9999, at(0), 1, "x"),
		"MarkFailed": s.MarkFailed(ctx, 9999, at(0), "x"),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s(unknown id) = %v, want ErrNotFound", name, err)
		}
	}

	bad := []store.Outgoing{
		{Key: "k", Message: []byte(`{}`), CreatedAt: at(0)},
		{Receiver: "r", Message: []byte(`{}`), CreatedAt: at(0)},
		{Receiver: "r", Key: "k", Message: []byte(`{`), CreatedAt: at(0)},
		{Receiver: "r", Key: "k", Message: []byte(`{}`)},
	}
	for _, o := range bad {
		// A bad entry refuses the whole call: the good one is not written.
		err := s.EnqueueNotifications(ctx, []store.Outgoing{outgoing("slack", "good", at(0)), o})
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("EnqueueNotifications(%+v) = %v, want ErrInvalid", o, err)
		}
	}
	if got := mustDue(t, s, at(10*time.Hour), 0); len(got) != 0 {
		t.Errorf("written despite ErrInvalid: %v", outKeys(got))
	}
	if err := s.MarkSent(ctx, a.ID, time.Time{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("MarkSent without time = %v, want ErrInvalid", err)
	}
}

// Reopener opens a fresh, empty store for one test and returns it with a
// function that closes it and opens the same database again (the store
// it returns is closed when the test ends).
type Reopener func(t *testing.T) (s store.Store, reopen func() store.Store)

// RunReopen checks what must survive closing and opening the database
// again: for now the notification outbox (pending entries with their
// attempts and due times, sent entries still deduplicating).
func RunReopen(t *testing.T, open Reopener) {
	t.Helper()
	t.Run("Outbox", func(t *testing.T) { testOutboxReopen(t, open) })
}

func testOutboxReopen(t *testing.T, open Reopener) {
	s, reopen := open(t)
	mustEnqueue(t, s, outgoing("slack", "a", at(0)), outgoing("slack", "b", at(0)), outgoing("email", "c", at(0)))
	if err := s.MarkSent(t.Context(), byKey(t, s, "slack", "a").ID, at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetry(t.Context(), byKey(t, s, "slack", "b").ID, at(time.Hour), 3, "HTTP 503"); err != nil {
		t.Fatal(err)
	}
	before, err := s.Notifications(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s = reopen()
	after, err := s.Notifications(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("outbox after reopen (-before +after):\n%s", diff)
	}
	mustEnqueue(t, s, outgoing("slack", "a", at(2*time.Hour)))
	if got := outKeys(mustDue(t, s, at(time.Hour), 0)); !cmp.Equal(got, []string{"slack/b", "email/c"}) {
		t.Errorf("due after reopen = %v", got)
	}
}
