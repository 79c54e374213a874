package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Severity of a message.
type Severity string

const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// Message is one notification, ready for any receiver.
type Message struct {
	// Key deduplicates: the same key is delivered once (receivers that
	// can, pass it on, e.g. as the CloudEvents id).
	Key string `json:"key"`
	// Kind names what happened: newVersion, supportEnding, supportEnded,
	// rolloutStarted, stageProven, stageHalted, rolloutCompleted,
	// approvalNeeded, maintenanceScheduled, ... (see Kinds).
	Kind     string   `json:"kind"`
	Severity Severity `json:"severity"`
	// Summary is one line; Details a few lines (cluster names, versions,
	// dates in the window's time zone, what to do).
	Summary string   `json:"summary"`
	Details []string `json:"details,omitempty"`
	// Link points at the server's view of the subject, when a server URL
	// is configured.
	Link string `json:"link,omitempty"`
	// Stage, Cluster and Target say what the message is about, for
	// routing and grouping.
	Stage   string    `json:"stage,omitempty"`
	Cluster string    `json:"cluster,omitempty"`
	Target  string    `json:"target,omitempty"`
	Time    time.Time `json:"time"`
	// Members are the keys of the messages a group combines (none for a
	// message on its own): what a receiver was told, for a restart.
	Members []string `json:"members,omitempty"`
}

// Receiver delivers messages to one destination.
type Receiver interface {
	// Name is the receiver's name in the policy.
	Name() string
	// Send delivers one message (a group is rendered as one message by
	// the router). A failure that may pass should be a *SendError with
	// Retryable true (network errors, 429, 5xx); one that will not (4xx)
	// with Retryable false.
	Send(ctx context.Context, m Message) error
}

// SendError is a delivery failure, with whether trying again may help.
type SendError struct {
	Receiver  string
	Retryable bool
	// RetryAfter is how long the receiver asked to wait, if it did.
	RetryAfter time.Duration
	Err        error
}

func (e *SendError) Error() string {
	return fmt.Sprintf("send to %s: %v", e.Receiver, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// Retryable reports whether err says trying again may help. Errors that
// are not a *SendError are taken as retryable (a network fault).
func Retryable(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Retryable
	}
	return err != nil
}

// HTTPError classifies an HTTP answer of a webhook-style receiver: 2xx is
// no error; 429 and 5xx are retryable (with Retry-After when given);
// other 4xx are not.
func HTTPError(receiver string, status int, retryAfter time.Duration, body string) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == 429 || status >= 500:
		return &SendError{Receiver: receiver, Retryable: true, RetryAfter: retryAfter, Err: fmt.Errorf("HTTP %d: %s", status, body)}
	}
	return &SendError{Receiver: receiver, Retryable: false, Err: fmt.Errorf("HTTP %d: %s", status, body)}
}
