package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Problem is the body of every error answer.
type Problem struct {
	Error string `json:"error"`
}

// errNoPlan: the engine has not finished its first step yet.
var errNoPlan = errors.New("no plan yet: the engine has not finished its first step")

// badRequest is a request the server refuses before anything acts on it.
func badRequest(format string, args ...any) error {
	return &aksupgrade.Error{Code: aksupgrade.ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

// statusOf maps an error to the status of its answer, and says whether
// its message is meant for the caller; it is the one place that does.
// Store errors are told by errors.Is, the domain's by their code:
//
//	a callerError (authentication, role, media  401, 403, 415, 429, 503
//	type, too many failures, keys unreachable)
//	store.ErrUnavailable                       503  hidden, logged
//	errNoPlan                                  503
//	store.ErrNotFound, ErrNotFound             404
//	store.ErrInvalid, ErrInvalid               400
//	store.ErrActiveStep, ErrBusy, ErrConflict  409
//	ErrThrottled                               429  with Retry-After when known
//	ErrAuth                                    502  hidden, logged
//	anything else                              500  hidden, logged
//
// ErrAuth is aksupgrade's own identity failing with Azure, not the
// caller's: 502, so that it is not taken for the caller lacking a right.
func statusOf(err error) (status int, show bool) {
	var ce *callerError
	if errors.As(err, &ce) {
		return ce.status, true
	}
	switch {
	case errors.Is(err, store.ErrUnavailable):
		return http.StatusServiceUnavailable, false
	case errors.Is(err, errNoPlan):
		return http.StatusServiceUnavailable, true
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest, true
	case errors.Is(err, store.ErrActiveStep):
		return http.StatusConflict, true
	}
	switch aksupgrade.Code(err) {
	case aksupgrade.ErrNotFound:
		return http.StatusNotFound, true
	case aksupgrade.ErrInvalid:
		return http.StatusBadRequest, true
	case aksupgrade.ErrBusy, aksupgrade.ErrConflict:
		return http.StatusConflict, true
	case aksupgrade.ErrThrottled:
		return http.StatusTooManyRequests, true
	case aksupgrade.ErrAuth:
		return http.StatusBadGateway, false
	}
	return http.StatusInternalServerError, false
}

// hidden is what the caller is told instead of an error not meant for
// them.
var hidden = map[int]string{
	http.StatusServiceUnavailable:  "the database cannot be reached now; retry later",
	http.StatusBadGateway:          "Azure refused aksupgrade's identity; the server log says why",
	http.StatusInternalServerError: "internal error; the server log says why",
}

// messageOf is what the caller is told of err: the domain's message for
// people when it is meant for them, a fixed line otherwise.
func messageOf(err error) string {
	status, show := statusOf(err)
	if !show {
		if msg, ok := hidden[status]; ok {
			return msg
		}
		return http.StatusText(status)
	}
	var ae *aksupgrade.Error
	if errors.As(err, &ae) && ae.Message != "" {
		return ae.Message
	}
	return err.Error()
}

// fail answers err with its status (see statusOf) and a Problem. Errors
// not meant for the caller are logged, not shown.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, show := statusOf(err)
	if !show {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	var (
		ae *aksupgrade.Error
		ce *callerError
	)
	switch {
	case status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="aksupgrade"`)
	case (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && errors.As(err, &ce) && ce.retryAfter > 0:
		w.Header().Set("Retry-After", retryAfter(ce.retryAfter))
	case status == http.StatusTooManyRequests && errors.As(err, &ae) && ae.RetryAfter > 0:
		w.Header().Set("Retry-After", retryAfter(ae.RetryAfter))
	}
	writeJSON(w, status, Problem{Error: messageOf(err)})
}

// retryAfter is a Retry-After header's value: whole seconds, rounded up.
func retryAfter(d time.Duration) string { return strconv.Itoa(int(math.Ceil(d.Seconds()))) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// The status is sent: an encoding error now is a client that hung up
	// (the answers are plain data that always encode).
	_ = enc.Encode(v)
}
