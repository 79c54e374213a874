// Package operator is what a person does to a rollout (approve, pause,
// resume, abort, retry), however they ask: the JSON API and the
// dashboard's buttons both send a Request through Do, which checks it,
// has the engine record it, and says in a sentence what happened.
package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aksupgrade/aksupgrade"
)

// Engine records the actions (package engine's methods).
type Engine interface {
	Approve(ctx context.Context, stage string, t aksupgrade.Target, by string) error
	Retry(ctx context.Context, stage, by string) error
	Pause(ctx context.Context, t aksupgrade.Target, by, reason string) error
	Resume(ctx context.Context, t aksupgrade.Target, by string) error
	Abort(ctx context.Context, t aksupgrade.Target, by, reason string) error
}

// Kind names an action.
type Kind string

const (
	Approve Kind = "approve"
	Pause   Kind = "pause"
	Resume  Kind = "resume"
	Abort   Kind = "abort"
	Retry   Kind = "retry"
)

// Request is one action: Target for all but a retry, Stage for an
// approval and a retry, Reason (optional) for a pause and an abort, By
// the authenticated person who acts.
type Request struct {
	Kind   Kind
	Target aksupgrade.Target
	Stage  string
	Reason string
	By     string
}

// MaxReason is the longest reason an action may give.
const MaxReason = 1000

// Outcome is what an action did, for people.
type Outcome struct {
	// Message says it in a sentence: `Paused the rollout of 1.31.4 (by
	// alice): "CVE triage".`, or, for an action done already, who did it
	// and when.
	Message string
	// Already is true when the action had been done before: nothing was
	// recorded again.
	Already bool
}

// Do checks r, has e record it, and says what happened. An action done
// already is no failure: its Outcome says so. The errors are the
// domain's (aksupgrade.Error: ErrInvalid for a request that can never
// succeed, ErrConflict for one that cannot apply now, ...) or the
// store's.
func Do(ctx context.Context, e Engine, r Request) (Outcome, error) {
	if r.By == "" {
		return Outcome{}, invalid("no one to record as acting: authenticate first")
	}
	if len(r.Reason) > MaxReason {
		return Outcome{}, invalid("the reason is %d bytes; at most %d, please", len(r.Reason), MaxReason)
	}
	// Kept as people will read it back in terminals: no escape
	// sequences, no bidirectional overrides.
	r.Reason = aksupgrade.Printable(strings.TrimSpace(r.Reason))
	var (
		done string
		err  error
	)
	switch r.Kind {
	case Approve:
		if r.Stage == "" {
			return Outcome{}, invalid("say which stage to approve the target for (\"stage\")")
		}
		done, err = fmt.Sprintf("Approved %s for %s (by %s).", r.Target, r.Stage, r.By), e.Approve(ctx, r.Stage, r.Target, r.By)
	case Pause:
		done, err = fmt.Sprintf("Paused the rollout of %s (by %s)%s", r.Target, r.By, because(r.Reason)), e.Pause(ctx, r.Target, r.By, r.Reason)
	case Resume:
		done, err = fmt.Sprintf("Resumed the rollout of %s (by %s).", r.Target, r.By), e.Resume(ctx, r.Target, r.By)
	case Abort:
		done, err = fmt.Sprintf("Aborted the rollout of %s (by %s)%s", r.Target, r.By, because(r.Reason)), e.Abort(ctx, r.Target, r.By, r.Reason)
	case Retry:
		if r.Stage == "" {
			return Outcome{}, invalid("say which stage to retry")
		}
		done, err = fmt.Sprintf("Retried stage %s (by %s): its halt is lifted.", r.Stage, r.By), e.Retry(ctx, r.Stage, r.By)
	default:
		return Outcome{}, invalid("no action %q: approve, pause, resume, abort or retry", r.Kind)
	}
	var ae *aksupgrade.Error
	switch {
	case errors.As(err, &ae) && ae.Code == aksupgrade.ErrAlreadyDone:
		return Outcome{Message: sentence(ae.Message), Already: true}, nil
	case err != nil:
		return Outcome{}, err
	}
	return Outcome{Message: done}, nil
}

func invalid(format string, args ...any) error {
	return &aksupgrade.Error{Code: aksupgrade.ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

// because ends an action's sentence with its reason, when one was given:
// `: "CVE triage".`
func because(reason string) string {
	if reason == "" {
		return "."
	}
	return fmt.Sprintf(": %q.", reason)
}

// sentence makes a message a sentence: a capital first, a full stop
// last.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
