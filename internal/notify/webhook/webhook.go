// Package webhook is the generic webhook receiver: it posts each message
// as a CloudEvents 1.0 event in structured JSON mode
// (Content-Type application/cloudevents+json), so that any CloudEvents
// consumer (Knative, Event Grid, Argo Events, a few lines of code) can
// take it. The event's id is the message's Key, so consumers deduplicate
// redeliveries; its type is "io.aksupgrade.notification." + Kind; its
// data is the notify.Message as JSON.
//
// Post, Request, Redact and RetryAfter are the HTTP plumbing shared with
// the Slack and Teams receivers.
package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/notify"
)

// ContentType is the media type of a structured-mode CloudEvent in JSON.
const ContentType = "application/cloudevents+json"

// Event attributes that do not depend on the message.
const (
	SpecVersion = "1.0"
	Source      = "aksupgrade"
	TypePrefix  = "io.aksupgrade.notification."
)

// Config configures a webhook receiver.
type Config struct {
	// URL receives the POSTs (http or https).
	URL string
	// Headers are added to every request, e.g. a shared secret. They are
	// never logged nor put in errors.
	Headers map[string]string
	// Timeout bounds one delivery; DefaultTimeout when zero.
	Timeout time.Duration
}

// Receiver posts messages as CloudEvents. It implements notify.Receiver
// and is safe for concurrent use.
type Receiver struct {
	name    string
	url     string
	headers map[string]string
	timeout time.Duration
	client  *http.Client
}

var _ notify.Receiver = (*Receiver)(nil)

// New returns a receiver named name (its name in the policy).
func New(name string, c Config) (*Receiver, error) {
	if err := checkURL(c.URL); err != nil {
		return nil, fmt.Errorf("webhook receiver %q: %w", name, err)
	}
	if c.Timeout < 0 {
		return nil, fmt.Errorf("webhook receiver %q: negative timeout", name)
	}
	return &Receiver{name: name, url: c.URL, headers: maps.Clone(c.Headers), timeout: c.Timeout, client: http.DefaultClient}, nil
}

// checkURL accepts absolute http(s) URLs; its errors do not quote the URL.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return errors.New("URL is required")
	case err != nil:
		return errors.New("URL is invalid")
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return errors.New("URL must be absolute http or https")
	}
	return nil
}

// Name returns the receiver's name in the policy.
func (r *Receiver) Name() string { return r.name }

// Send posts m as one CloudEvent.
func (r *Receiver) Send(ctx context.Context, m notify.Message) error {
	body, err := json.Marshal(NewEvent(m))
	if err != nil {
		return &notify.SendError{Receiver: r.name, Err: fmt.Errorf("encode event: %w", err)}
	}
	return Post(ctx, r.client, Request{
		Receiver:    r.name,
		URL:         r.url,
		ContentType: ContentType,
		Header:      r.headers,
		Body:        body,
		Timeout:     r.timeout,
	})
}

// Event is a CloudEvents 1.0 event in structured JSON mode.
type Event struct {
	SpecVersion     string         `json:"specversion"`
	ID              string         `json:"id"`
	Source          string         `json:"source"`
	Type            string         `json:"type"`
	Subject         string         `json:"subject,omitempty"`
	Time            time.Time      `json:"time,omitzero"`
	DataContentType string         `json:"datacontenttype"`
	Data            notify.Message `json:"data"`
}

// NewEvent wraps m in a CloudEvent. The id is m.Key, or, when m has no
// key, a digest of its content (so a redelivery keeps its id); the
// subject is the cluster, else the stage.
func NewEvent(m notify.Message) Event {
	id := m.Key
	if id == "" {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s\x00%s", m.Kind, m.Summary, m.Stage, m.Cluster, m.Time.UTC().Format(time.RFC3339Nano)))
		id = hex.EncodeToString(sum[:16])
	}
	subject := m.Cluster
	if subject == "" {
		subject = m.Stage
	}
	kind := m.Kind
	if kind == "" {
		kind = "unknown"
	}
	return Event{
		SpecVersion:     SpecVersion,
		ID:              id,
		Source:          Source,
		Type:            TypePrefix + kind,
		Subject:         subject,
		Time:            m.Time,
		DataContentType: "application/json",
		Data:            m,
	}
}
