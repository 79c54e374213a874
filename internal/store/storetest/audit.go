package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// cmpIgnoreAuditID leaves out the IDs the store assigns.
func cmpIgnoreAuditID() cmp.Option { return cmpopts.IgnoreFields(store.AuditEntry{}, "ID") }

// testAudit checks Log and every filter of Audit.
func testAudit(t *testing.T, open Opener) {
	s := open(t)
	ctx := t.Context()
	k1, k2 := kube("1.31.4"), image("202501.12.0")
	a, b := clusterID("aks-test-01"), clusterID("aks-prod-01")
	mustApply(t, s,
		store.Transition{Kind: store.TransitionStarted, Stage: "test", Target: k1, At: at(0), Actor: store.ActorEngine},
		store.Transition{Kind: store.TransitionHalted, Stage: "test", Target: k1, At: at(time.Hour), Actor: store.ActorEngine, Cluster: a, Reason: "x"},
		store.Transition{Kind: store.TransitionStarted, Stage: "prod", Target: k2, At: at(2 * time.Hour), Actor: store.ActorEngine},
	)
	logged := store.AuditEntry{At: at(3 * time.Hour), Actor: "dave", Kind: "note", Stage: "prod", Target: k2, Cluster: b,
		Message: "aks-prod-01 excluded until the vendor patch"}
	if err := s.Log(ctx, logged); err != nil {
		t.Fatalf("Log: %v", err)
	}
	if err := s.Log(ctx, store.AuditEntry{At: at(0), Actor: "dave", Kind: "note"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Log without a message = %v, want ErrInvalid", err)
	}

	all := mustAudit(t, s, store.AuditQuery{})
	if diff := cmp.Diff([]string{"note", "started", "halted", "started"}, kinds(all)); diff != "" {
		t.Fatalf("audit kinds, newest first (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(logged, all[0], cmpIgnoreAuditID()); diff != "" {
		t.Errorf("logged entry (-want +got):\n%s", diff)
	}
	ids := map[int64]bool{}
	for _, e := range all {
		if e.ID <= 0 || ids[e.ID] {
			t.Errorf("audit entry %q has ID %d: want positive and unique", e.Message, e.ID)
		}
		ids[e.ID] = true
	}

	for _, tc := range []struct {
		name string
		q    store.AuditQuery
		want []string // messages' kinds, newest first
	}{
		{"stage", store.AuditQuery{Stage: "test"}, []string{"halted", "started"}},
		{"cluster in another case", store.AuditQuery{Cluster: strings.ToUpper(a) + "/"}, []string{"halted"}},
		{"target", store.AuditQuery{Target: k2}, []string{"note", "started"}},
		{"since is inclusive", store.AuditQuery{Since: at(time.Hour)}, []string{"note", "started", "halted"}},
		{"since a nanosecond later", store.AuditQuery{Since: at(time.Hour + 1)}, []string{"note", "started"}},
		{"limit", store.AuditQuery{Limit: 2}, []string{"note", "started"}},
		{"all filters", store.AuditQuery{Stage: "prod", Cluster: b, Target: k2, Since: at(0), Limit: 5}, []string{"note"}},
		{"no match", store.AuditQuery{Stage: "dev"}, nil},
	} {
		got := kinds(mustAudit(t, s, tc.q))
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: audit kinds (-want +got):\n%s", tc.name, diff)
		}
	}
}
