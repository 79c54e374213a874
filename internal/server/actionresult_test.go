package server_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/server"
)

// TestRepeatedActions: an action done already answers 200 with Already
// set and a sentence that says who did it and when, and records nothing
// again.
func TestRepeatedActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.awaitingApproval(t) // at Mon 2 Jun 04:00 UTC
	for _, step := range []struct {
		name, path, body string
		want             server.ActionResult
		// recorded is whether the action adds an audit entry.
		recorded bool
	}{
		{"approve", "/api/v1/rollouts/1.31.5/approve", `{"stage": "prod", "by": "alice"}`,
			server.ActionResult{Result: "ok", Actor: "alice", Message: "Approved 1.31.5 for prod (by alice)."}, true},
		// prod's window has no zone: UTC.
		{"approve again", "/api/v1/rollouts/1.31.5/approve", `{"stage": "prod", "by": "bob"}`,
			server.ActionResult{Result: "ok", Actor: "bob", Already: true, Message: "Already approved by alice at Mon 2 Jun 04:00 UTC: 1.31.5 may enter stage prod."}, false},
		{"pause", "/api/v1/rollouts/1.31.5/pause", `{"by": "dave", "reason": "CVE triage"}`,
			server.ActionResult{Result: "ok", Actor: "dave", Message: `Paused the rollout of 1.31.5 (by dave): "CVE triage".`}, true},
		{"pause again", "/api/v1/rollouts/1.31.5/pause", `{"by": "alice"}`,
			server.ActionResult{Result: "ok", Actor: "alice", Already: true, Message: `Already paused by dave at Mon 2 Jun 04:00 UTC ("CVE triage"): the rollout of 1.31.5 starts nothing new until it is resumed.`}, false},
		{"abort", "/api/v1/rollouts/1.31.5/abort", `{"by": "carol"}`,
			server.ActionResult{Result: "ok", Actor: "carol", Message: "Aborted the rollout of 1.31.5 (by carol)."}, true},
		{"abort again", "/api/v1/rollouts/1.31.5/abort", `{"by": "bob", "reason": "bad release"}`,
			server.ActionResult{Result: "ok", Actor: "bob", Already: true, Message: "Already aborted by carol at Mon 2 Jun 04:00 UTC: no stage receives 1.31.5 any more."}, false},
	} {
		before := auditOf(t, e)
		a := call(t, e.h, "POST", step.path, step.body)
		wantStatus(t, a, http.StatusOK)
		var got server.ActionResult
		a.decode(t, &got)
		if diff := cmp.Diff(step.want, got); diff != "" {
			t.Errorf("%s: answer (-want +got):\n%s", step.name, diff)
		}
		if added := len(auditOf(t, e)) - len(before); added != map[bool]int{true: 1, false: 0}[step.recorded] {
			t.Errorf("%s added %d audit entries", step.name, added)
		}
	}
	// After the abort, a resume is refused: 409, nothing recorded.
	before := auditOf(t, e)
	a := call(t, e.h, "POST", "/api/v1/rollouts/1.31.5/resume", `{"by": "alice"}`)
	wantStatus(t, a, http.StatusConflict)
	if got, want := a.problem(t), "the rollout of 1.31.5 was aborted by carol at Mon 2 Jun 04:00 UTC; an aborted rollout cannot be resumed: no stage receives 1.31.5 any more, and a newer version gets a rollout of its own"; got != want {
		t.Errorf("resume after the abort: %q, want %q", got, want)
	}
	if len(auditOf(t, e)) != len(before) {
		t.Error("the refused resume was recorded")
	}
}
