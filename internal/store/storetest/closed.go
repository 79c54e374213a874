package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// testClosed: after Close every method answers ErrUnavailable, and Close
// again is harmless.
func testClosed(t *testing.T, open Opener) {
	s := open(t)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	k := kube("1.31.4")
	for name, call := range map[string]func(ctx context.Context) error{
		"SaveFleet": func(ctx context.Context) error { return s.SaveFleet(ctx, store.Fleet{At: at(0)}) },
		"Fleet":     func(ctx context.Context) error { _, err := s.Fleet(ctx); return err },
		"Writable":  func(ctx context.Context) error { return s.Writable(ctx) },
		"Prune": func(ctx context.Context) error {
			_, err := s.Prune(ctx, store.Retention{EventsBefore: at(0)})
			return err
		},
		"History":         func(ctx context.Context) error { _, err := s.History(ctx); return err },
		"PlanningHistory": func(ctx context.Context) error { _, err := s.PlanningHistory(ctx); return err },
		"Apply": func(ctx context.Context) error {
			return s.Apply(ctx, store.Transition{Kind: store.TransitionStarted, Stage: "dev", Target: k, At: at(0), Actor: "engine"})
		},
		"SetRun": func(ctx context.Context) error {
			return s.SetRun(ctx, store.Run{ClusterID: clusterID("a"), State: store.RunPending, UpdatedAt: at(0)})
		},
		"Runs": func(ctx context.Context) error { _, err := s.Runs(ctx); return err },
		"BeginStep": func(ctx context.Context) error {
			_, err := s.BeginStep(ctx, controlPlane(clusterID("a"), at(0)))
			return err
		},
		"UpdateStep": func(ctx context.Context) error {
			return s.UpdateStep(ctx, store.StepRecord{ID: 1, State: store.StepFailed, UpdatedAt: at(0)})
		},
		"ActiveSteps": func(ctx context.Context) error { _, err := s.ActiveSteps(ctx); return err },
		"Steps":       func(ctx context.Context) error { _, err := s.Steps(ctx, "", 0); return err },
		"Audit":       func(ctx context.Context) error { _, err := s.Audit(ctx, store.AuditQuery{}); return err },
		"Log": func(ctx context.Context) error {
			return s.Log(ctx, store.AuditEntry{At: at(0), Actor: "a", Kind: "note", Message: "m"})
		},
		"PutEvent":      func(ctx context.Context) error { _, err := s.PutEvent(ctx, event("s", "1", at(0))); return err },
		"PendingEvents": func(ctx context.Context) error { _, err := s.PendingEvents(ctx, 0); return err },
		"MarkProcessed": func(ctx context.Context) error {
			return s.MarkProcessed(ctx, []store.EventKey{{Source: "s", ID: "1"}}, at(0))
		},
		"Events":      func(ctx context.Context) error { _, err := s.Events(ctx, 0); return err },
		"EventsAfter": func(ctx context.Context) error { _, _, err := s.EventsAfter(ctx, 0, time.Time{}, 0); return err },
		"EnqueueNotifications": func(ctx context.Context) error {
			return s.EnqueueNotifications(ctx, []store.Outgoing{outgoing("r", "k", at(0))})
		},
		"DueNotifications": func(ctx context.Context) error { _, err := s.DueNotifications(ctx, at(0), 0); return err },
		"Notifications":    func(ctx context.Context) error { _, err := s.Notifications(ctx, 0); return err },
		"MarkSent":         func(ctx context.Context) error { return s.MarkSent(ctx, 1, at(0)) },
		"ClaimNotification": func(ctx context.Context) error {
			_, err := s.ClaimNotification(ctx, 1, at(0), at(time.Minute))
			return err
		},
		"MarkRetry":  func(ctx context.Context) error { return s.MarkRetry(ctx, 1, at(0), 1, "x") },
		"MarkFailed": func(ctx context.Context) error { return s.MarkFailed(ctx, 1, at(0), "x") },
		"AcquireLease": func(ctx context.Context) error {
			_, err := s.AcquireLease(ctx, store.LeaseRequest{Holder: "a", At: at(0), TTL: ttl})
			return err
		},
		"ReleaseLease": func(ctx context.Context) error { return s.ReleaseLease(ctx, "a", 1, at(0)) },
		"CurrentLease": func(ctx context.Context) error { _, err := s.CurrentLease(ctx); return err },
		"Fenced write": func(ctx context.Context) error { return s.Fenced(1).Writable(ctx) },
	} {
		if err := call(t.Context()); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s after Close: err = %v, want ErrUnavailable", name, err)
		}
	}
}
