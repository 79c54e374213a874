package simulator

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
)

// armError is an error answer in ARM's shape:
// {"error":{"code":"...","message":"..."}}.
type armError struct {
	status  int
	code    string
	message string
	// subcode is AKS's refinement of a generic code (ValidationError).
	subcode string
	// retryAfter is sent as Retry-After (429).
	retryAfter time.Duration
}

func (e *armError) Error() string { return e.code + ": " + e.message }

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Subcode string `json:"subcode,omitempty"`
}

func (e *armError) detail() *errorDetail {
	return &errorDetail{Code: e.code, Message: e.message, Subcode: e.subcode}
}

func writeError(w http.ResponseWriter, e *armError) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(e.retryAfter))
	}
	writeJSON(w, e.status, errorBody{Error: *e.detail()})
}

// retryAfterSeconds is d in whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(int(math.Ceil(d.Seconds())), 1))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"InternalServerError","message":"encoding failed"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// The status and headers are sent; a failed body means the client has
	// gone, and there is no one left to tell.
	_, _ = w.Write(body)
}
