package eventgrid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// Handler is the webhook Event Grid delivers to: POST /webhooks/eventgrid
// and OPTIONS on the same path. See the package documentation for what it
// answers when.
type Handler struct {
	auth     *authenticator
	maxBody  int64
	clock    aksupgrade.Clock
	log      *slog.Logger
	onStored func([]Event)
	commits  *committer
	stats    counters
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns the webhook handler. Options that fail Validate
// give a handler that refuses every delivery (and says why in the log).
func NewHandler(o HandlerOptions) *Handler {
	h := &Handler{
		maxBody:  o.MaxBody,
		clock:    o.Clock,
		log:      o.Logger,
		onStored: o.OnStored,
		commits:  newCommitter(o.Store, o.CommitWindow, o.CommitMaxEvents),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBody
	}
	err := o.Validate()
	var v *entraVerifier
	if o.Entra != nil && o.Clock != nil && o.Entra.validate() == nil {
		v = newEntraVerifier(o.Entra, o.Clock)
	}
	h.auth = newAuthenticator(&o, v)
	if err != nil {
		h.auth.broken = true
		h.log.Error("the Event Grid webhook refuses every delivery", "error", err)
	}
	return h
}

// Stats returns the handler's counters.
func (h *Handler) Stats() Stats { return h.stats.snapshot() }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		h.deliver(w, r)
	case http.MethodOptions:
		h.handshake(w, r)
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		h.reject(w, r, http.StatusMethodNotAllowed, RejectMethod, "method not allowed", "method "+r.Method)
	}
}

// handshake answers the CloudEvents abuse-protection handshake (HTTP 1.1
// Web Hooks for Event Delivery 1.0, §4.2): whoever may send may send at
// any rate. It needs no credentials: it accepts nothing, only tells the
// sender it may POST, and every POST is authenticated.
func (h *Handler) handshake(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("WebHook-Request-Origin")
	w.Header().Set("Allow", "POST, OPTIONS")
	if origin != "" {
		w.Header().Set("WebHook-Allowed-Origin", origin)
		w.Header().Set("WebHook-Allowed-Rate", "*")
		h.stats.handshakes.Add(1)
		h.log.Info("CloudEvents webhook handshake", "origin", origin, "remote", r.RemoteAddr)
	}
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) deliver(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if d := h.auth.check(ctx, r); d != nil {
		reason := RejectUnauthorized
		switch d.status {
		case http.StatusForbidden:
			reason = RejectForbidden
		case http.StatusServiceUnavailable:
			reason = RejectUnavailable
		}
		switch {
		case d.status == http.StatusUnauthorized && h.auth.entra != nil:
			w.Header().Set("WWW-Authenticate", "Bearer")
		case d.status == http.StatusServiceUnavailable:
			w.Header().Set("Retry-After", "30")
		}
		h.reject(w, r, d.status, reason, d.message, d.reason)
		return
	}
	kind, err := mediaKindOf(r.Header.Get("Content-Type"))
	if err != nil {
		h.reject(w, r, http.StatusUnsupportedMediaType, RejectMediaType, err.Error(), err.Error())
		return
	}
	body, err := h.readBody(w, r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			msg := fmt.Sprintf("body larger than %d bytes", h.maxBody)
			h.reject(w, r, http.StatusRequestEntityTooLarge, RejectTooLarge, msg, msg)
			return
		}
		h.reject(w, r, http.StatusBadRequest, RejectBadRequest, "cannot read the body", "read body: "+err.Error())
		return
	}
	d, err := decodeBody(kind, body)
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, RejectBadRequest, err.Error(), err.Error())
		return
	}
	h.stats.received.Add(uint64(len(d.Events)))
	h.stats.unknown.Add(uint64(d.Unknown))

	stored, dups, err := h.storeAll(ctx, d.Events)
	if err != nil {
		w.Header().Set("Retry-After", "30")
		h.reject(w, r, http.StatusServiceUnavailable, RejectUnavailable, "cannot store the events now; retry", err.Error())
		return
	}
	h.stats.stored.Add(uint64(len(stored)))
	h.stats.duplicates.Add(uint64(dups))
	h.stats.deliveries.Add(1)
	if len(stored) > 0 && h.onStored != nil {
		h.onStored(stored)
	}
	h.log.Debug("Event Grid delivery stored", deliveryAttrs(r,
		slog.Int("events", len(d.Events)), slog.Int("stored", len(stored)),
		slog.Int("duplicates", dups), slog.Int("unknown", d.Unknown))...)

	if d.Validation != nil {
		h.stats.validations.Add(1)
		h.log.Info("Event Grid subscription validated", deliveryAttrs(r)...)
		writeJSON(w, http.StatusOK, struct {
			ValidationResponse string `json:"validationResponse"`
		}{d.Validation.Code})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Received   int `json:"received"`
		Stored     int `json:"stored"`
		Duplicates int `json:"duplicates"`
	}{len(d.Events), len(stored), dups})
}

// readBody reads at most maxBody bytes; more gives an
// *http.MaxBytesError, without reading on.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > h.maxBody {
		return nil, &http.MaxBytesError{Limit: h.maxBody}
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, h.maxBody))
	return buf.Bytes(), err
}

// storeAll stores every event, received now, in one transaction (which
// concurrent deliveries may share: see committer); it returns the events
// newly stored and how many the store had already (stored before, or
// earlier in this transaction). Any failure fails the batch: nothing of
// it is stored, and Event Grid delivers it again.
func (h *Handler) storeAll(ctx context.Context, events []Event) (stored []Event, dups int, err error) {
	if len(events) == 0 {
		return nil, 0, nil
	}
	now := h.clock.Now()
	es := make([]store.Event, len(events))
	for i := range events {
		es[i] = storeEvent(&events[i], now)
		// Checked here, not only by the store, so that an event the
		// store refuses fails its own delivery, not the deliveries
		// sharing its transaction.
		if err := es[i].Validate(); err != nil {
			return nil, 0, fmt.Errorf("store event %d of %d (%s): %w", i+1, len(events), events[i].ID, err)
		}
	}
	inserted, err := h.commits.commit(ctx, es)
	if err != nil {
		return nil, 0, fmt.Errorf("store %d events: %w", len(events), err)
	}
	if len(inserted) != len(events) {
		return nil, 0, fmt.Errorf("store %d events: the store answered %d inserted flags", len(events), len(inserted))
	}
	for i, isNew := range inserted {
		if isNew {
			stored = append(stored, events[i])
		} else {
			dups++
		}
	}
	return stored, dups, nil
}

// storeEvent is what the store keeps of e: keyed by its source
// lower-cased and its id, with the event as received.
func storeEvent(e *Event, receivedAt time.Time) store.Event {
	return store.Event{
		Key:        store.EventKey{Source: aksupgrade.NormalizeID(e.Source), ID: e.ID},
		Type:       e.Type,
		Subject:    e.Subject,
		Time:       e.Time,
		Data:       e.Raw,
		ReceivedAt: receivedAt,
	}
}

// reject answers status with {"error": message} and logs reason (neither
// holds a credential: the URL's query is never logged).
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, status int, kind, message, reason string) {
	h.stats.reject(kind)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		level = slog.LevelWarn
	}
	h.log.Log(r.Context(), level, "Event Grid delivery refused", deliveryAttrs(r,
		slog.Int("status", status), slog.String("reason", reason))...)
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{message})
}

// deliveryAttrs describes a delivery for the log: never the query string
// (it may hold the secret) nor credentials.
func deliveryAttrs(r *http.Request, attrs ...slog.Attr) []any {
	out := []any{slog.String("path", r.URL.Path), slog.String("remote", r.RemoteAddr)}
	if s := r.Header.Get(HeaderSubscriptionName); s != "" {
		out = append(out, slog.String("subscription", s))
	}
	if n := r.Header.Get("aeg-delivery-count"); n != "" {
		out = append(out, slog.String("delivery_count", n))
	}
	for _, a := range attrs {
		out = append(out, a)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
