package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Problem is the body of every error answer.
type Problem struct {
	Error string `json:"error"`
}

// statusOf maps domain error codes to HTTP status; the one place that
// does.
func statusOf(err error) (int, bool) {
	if errors.Is(err, store.ErrUnavailable) {
		return http.StatusServiceUnavailable, false
	}
	switch aksupgrade.Code(err) {
	case aksupgrade.ErrNotFound:
		return http.StatusNotFound, true
	case aksupgrade.ErrInvalid:
		return http.StatusConflict, true
	case aksupgrade.ErrConflict, aksupgrade.ErrBusy:
		return http.StatusConflict, true
	}
	return http.StatusInternalServerError, false
}

// fail answers an error: the domain's message for people when it is
// meant for them; internal errors are logged, not shown.
func (s *server) fail(w http.ResponseWriter, err error) {
	status, show := statusOf(err)
	if !show {
		s.log.Error("request failed", "err", err)
		writeProblem(w, status, http.StatusText(status))
		return
	}
	var ae *aksupgrade.Error
	msg := err.Error()
	if errors.As(err, &ae) && ae.Message != "" {
		msg = ae.Message
	}
	writeProblem(w, status, msg)
}

func writeProblem(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, Problem{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
