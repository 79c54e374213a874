package operator_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/operator"
)

// recorder is the engine's side of the actions as far as Do sees it:
// what it was asked, and an answer. The engine's own behaviour (refusing,
// recording once) is tested in package engine; here, what Do makes of it.
type recorder struct {
	calls []string
	err   error
}

func (r *recorder) Approve(_ context.Context, stage string, t aksupgrade.Target, by string) error {
	r.calls = append(r.calls, "approve "+stage+" "+t.String()+" "+by)
	return r.err
}
func (r *recorder) Retry(_ context.Context, stage, by string) error {
	r.calls = append(r.calls, "retry "+stage+" "+by)
	return r.err
}
func (r *recorder) Pause(_ context.Context, t aksupgrade.Target, by, reason string) error {
	r.calls = append(r.calls, "pause "+t.String()+" "+by+" "+reason)
	return r.err
}
func (r *recorder) Resume(_ context.Context, t aksupgrade.Target, by string) error {
	r.calls = append(r.calls, "resume "+t.String()+" "+by)
	return r.err
}
func (r *recorder) Abort(_ context.Context, t aksupgrade.Target, by, reason string) error {
	r.calls = append(r.calls, "abort "+t.String()+" "+by+" "+reason)
	return r.err
}

var v1314 = aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.4"}

func TestDoSaysWhatHappened(t *testing.T) {
	for _, c := range []struct {
		req        operator.Request
		call, said string
	}{
		{operator.Request{Kind: operator.Approve, Target: v1314, Stage: "prod", By: "alice"}, "approve prod 1.31.4 alice", "Approved 1.31.4 for prod (by alice)."},
		{operator.Request{Kind: operator.Pause, Target: v1314, By: "alice", Reason: " CVE triage\x1b[31m "}, "pause 1.31.4 alice CVE triage [31m", `Paused the rollout of 1.31.4 (by alice): "CVE triage [31m".`},
		{operator.Request{Kind: operator.Resume, Target: v1314, By: "bob"}, "resume 1.31.4 bob", "Resumed the rollout of 1.31.4 (by bob)."},
		{operator.Request{Kind: operator.Abort, Target: v1314, By: "bob"}, "abort 1.31.4 bob ", "Aborted the rollout of 1.31.4 (by bob)."},
		{operator.Request{Kind: operator.Retry, Stage: "dev", By: "carol"}, "retry dev carol", "Retried stage dev (by carol): its halt is lifted."},
	} {
		e := &recorder{}
		out, err := operator.Do(context.Background(), e, c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.req.Kind, err)
		}
		if len(e.calls) != 1 || e.calls[0] != c.call {
			t.Errorf("%s: the engine was asked %q, want %q", c.req.Kind, e.calls, c.call)
		}
		if out.Message != c.said || out.Already {
			t.Errorf("%s: said %q (already %v), want %q", c.req.Kind, out.Message, out.Already, c.said)
		}
	}
}

// TestDoRefuses: what can never succeed reaches no engine; a repeat is
// told as one, and no failure; the engine's other refusals pass through.
func TestDoRefuses(t *testing.T) {
	for _, req := range []operator.Request{
		{Kind: operator.Approve, Target: v1314, By: "alice"},
		{Kind: operator.Retry, By: "alice"},
		{Kind: operator.Pause, Target: v1314},
		{Kind: operator.Pause, Target: v1314, By: "alice", Reason: string(make([]byte, operator.MaxReason+1))},
		{Kind: "launch", Target: v1314, By: "alice"},
	} {
		e := &recorder{}
		_, err := operator.Do(context.Background(), e, req)
		var ae *aksupgrade.Error
		if !errors.As(err, &ae) || ae.Code != aksupgrade.ErrInvalid || len(e.calls) != 0 {
			t.Errorf("%+v: %v (engine asked %q), want ErrInvalid and no call", req, err, e.calls)
		}
	}
	e := &recorder{err: &aksupgrade.Error{Code: aksupgrade.ErrAlreadyDone, Message: "already approved by bob at Tue 10 Mar 21:00 CET"}}
	out, err := operator.Do(context.Background(), e, operator.Request{Kind: operator.Approve, Target: v1314, Stage: "prod", By: "alice"})
	if err != nil || !out.Already || out.Message != "Already approved by bob at Tue 10 Mar 21:00 CET." {
		t.Errorf("a repeat: %+v, %v", out, err)
	}
	e = &recorder{err: &aksupgrade.Error{Code: aksupgrade.ErrConflict, Message: "the rollout of 1.31.4 was aborted"}}
	if _, err := operator.Do(context.Background(), e, operator.Request{Kind: operator.Resume, Target: v1314, By: "alice"}); err == nil {
		t.Error("an engine's refusal became a success")
	}
}
