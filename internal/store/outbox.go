package store

import (
	"encoding/json"
	"time"
)

// OutgoingState is where an outbox entry stands.
//
//	pending ──MarkSent──▶ sent
//	   │ ▲
//	   │ └─MarkRetry (failed attempt; due again at next)
//	   └────MarkFailed──▶ failed (given up)
type OutgoingState string

const (
	OutgoingPending OutgoingState = "pending"
	OutgoingSent    OutgoingState = "sent"
	OutgoingFailed  OutgoingState = "failed"
)

// Outgoing is one notification in the outbox: a message for one
// receiver, delivered at least once and deduplicated by (Receiver, Key).
type Outgoing struct {
	// ID is assigned by the store; it orders entries by enqueue.
	ID       int64  `json:"id"`
	Receiver string `json:"receiver"`
	Key      string `json:"key"`
	// Message is the notification as package notify encoded it (JSON);
	// the store keeps it as given.
	Message   json.RawMessage `json:"message"`
	CreatedAt time.Time       `json:"createdAt"`
	// DueAt is when to try (again); zero on enqueue means CreatedAt.
	DueAt     time.Time     `json:"dueAt"`
	State     OutgoingState `json:"state"`
	Attempts  int           `json:"attempts"`
	LastError string        `json:"lastError,omitempty"`
	// DoneAt is when it was sent or given up.
	DoneAt *time.Time `json:"doneAt,omitempty"`
}

// Validate reports whether o can be enqueued: a receiver, a key, a
// message in JSON and a creation time.
func (o Outgoing) Validate() error {
	switch {
	case o.Receiver == "":
		return invalid("a notification needs a receiver")
	case o.Key == "":
		return invalid("a notification needs a key")
	case len(o.Message) == 0 || !json.Valid(o.Message):
		return invalid("notification %s: the message is not JSON", o.Key)
	case o.CreatedAt.IsZero():
		return invalid("notification %s needs a creation time", o.Key)
	}
	return nil
}
