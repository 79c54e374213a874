package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Opener opens a fresh, empty store for one test and closes it when the
// test ends (t.Cleanup). Closing it again must be harmless.
type Opener func(t *testing.T) store.Store

// Run runs the conformance suite against the stores open returns, one
// subtest per part of the contract.
func Run(t *testing.T, open Opener) {
	t.Helper()
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, open Opener)
	}{
		{"Fleet", testFleet},
		{"History", testHistory},
		{"Idempotence", testIdempotence},
		{"HaltRetry", testHaltRetry},
		{"RetryAfterReached", testRetryAfterReached},
		{"PauseResumeAbort", testPauseResumeAbort},
		{"InvalidTransitions", testInvalidTransitions},
		{"Runs", testRuns},
		{"Record", testRecord},
		{"Writable", testWritable},
		{"Prune", testPrune},
		{"Steps", testSteps},
		{"Audit", testAudit},
		{"Events", testEvents},
		{"EventsAfter", testEventsAfter},
		{"PutEvents", testPutEvents},
		{"OutboxDedup", testOutboxDedup},
		{"OutboxDue", testOutboxDue},
		{"OutboxMarks", testOutboxMarks},
		{"OutboxClaim", testOutboxClaim},
		{"Times", testTimes},
		{"Lease", testLease},
		{"LeaseRace", testLeaseRace},
		{"Fenced", testFenced},
		{"Concurrency", testConcurrency},
		{"Closed", testClosed},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open) })
	}
}

// base is the suite's reference time: nanoseconds set, as a clock gives.
func base() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC) }

// at is base plus d.
func at(d time.Duration) time.Time { return base().Add(d) }

// ptr returns a pointer to t, for the optional times of the domain.
func ptr(t time.Time) *time.Time { return &t }

const day = 24 * time.Hour

func kube(v string) aksupgrade.Target {
	return aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: v}
}

func image(v string) aksupgrade.Target {
	return aksupgrade.Target{Kind: aksupgrade.TargetNodeImage, Version: v}
}

// clusterID returns the ARM resource ID of the named test cluster.
func clusterID(name string) string {
	return "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/" + name
}

// ignoreRolloutID leaves out what the store assigns.
func ignoreRolloutID() cmp.Option { return cmpopts.IgnoreFields(aksupgrade.Rollout{}, "ID") }

// mustApply applies every transition or fails the test.
func mustApply(t *testing.T, s store.Store, ts ...store.Transition) {
	t.Helper()
	for _, tr := range ts {
		if err := s.Apply(t.Context(), tr); err != nil {
			t.Fatalf("Apply(%s %s %s): %v", tr.Kind, tr.Stage, tr.Target, err)
		}
	}
}

func mustHistory(t *testing.T, s store.Store) aksupgrade.History {
	t.Helper()
	h, err := s.History(t.Context())
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	return h
}

func mustAudit(t *testing.T, s store.Store, q store.AuditQuery) []store.AuditEntry {
	t.Helper()
	es, err := s.Audit(t.Context(), q)
	if err != nil {
		t.Fatalf("Audit(%+v): %v", q, err)
	}
	return es
}

// kinds returns the kinds of audit entries, in order.
func kinds(es []store.AuditEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Kind
	}
	return out
}
