package aksupgrade

import (
	"errors"
	"fmt"
	"time"
)

// ErrorCode classifies failures the same way whatever produced them, so
// the engine can decide (retry later, halt the stage, tell a person).
type ErrorCode string

const (
	// ErrBusy: the cluster or pool has an operation in progress (ARM 409
	// OperationNotAllowed and the like). Retry later.
	ErrBusy ErrorCode = "busy"
	// ErrConflict: the resource changed since it was read (ETag mismatch,
	// 412). Read again and retry.
	ErrConflict ErrorCode = "conflict"
	// ErrThrottled: ARM throttled the request (429). Retry after
	// RetryAfter.
	ErrThrottled ErrorCode = "throttled"
	// ErrQuotaExceeded: not enough quota for surge nodes.
	ErrQuotaExceeded ErrorCode = "quotaExceeded"
	// ErrDeprecatedAPI: AKS stopped the upgrade because the cluster uses
	// APIs removed in the target version.
	ErrDeprecatedAPI ErrorCode = "deprecatedAPI"
	// ErrDrainFailed: a node could not be drained, usually a
	// PodDisruptionBudget that allows no disruption.
	ErrDrainFailed ErrorCode = "drainFailed"
	// ErrVersionNotAvailable: the version is not offered (in that region,
	// or as an upgrade from the current one).
	ErrVersionNotAvailable ErrorCode = "versionNotAvailable"
	// ErrNotFound: the resource does not exist.
	ErrNotFound ErrorCode = "notFound"
	// ErrAuth: the identity cannot sign in or lacks permission.
	ErrAuth ErrorCode = "auth"
	// ErrAlreadyDone: the cluster already runs what the step asks for.
	ErrAlreadyDone ErrorCode = "alreadyDone"
	// ErrUnreachable: a cluster's own API server cannot be reached (a
	// private cluster, the network, a firewall): a gate cannot look.
	ErrUnreachable ErrorCode = "unreachable"
	// ErrInvalid: the request can never succeed as made (400).
	ErrInvalid ErrorCode = "invalid"
	// ErrInternal: anything else; retry later.
	ErrInternal ErrorCode = "internal"
)

// Error is a classified failure. AzureCode and Message keep what Azure
// said, for people.
type Error struct {
	Code      ErrorCode
	AzureCode string
	Message   string
	// Status is the HTTP status, when there was one.
	Status int
	// RetryAfter is how long Azure asked to wait, when it did.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	switch {
	case e.AzureCode != "" && e.Message != "":
		return fmt.Sprintf("%s: %s: %s", e.Code, e.AzureCode, e.Message)
	case e.Message != "":
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return string(e.Code)
}

// Code returns the ErrorCode of err: its *Error's, ErrInternal for other
// errors, "" for nil.
func Code(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}

// Retryable reports whether the same request may succeed later without a
// person fixing anything.
func (c ErrorCode) Retryable() bool {
	switch c {
	case ErrBusy, ErrConflict, ErrThrottled, ErrInternal:
		return true
	}
	return false
}
