package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/notify"
)

// JSONPoster is a receiver that posts a JSON body made from each message
// to a secret URL: the shape of the Slack and Teams receivers.
type JSONPoster struct {
	name    string
	url     string
	timeout time.Duration
	client  *http.Client
	payload func(notify.Message) any
}

var _ notify.Receiver = (*JSONPoster)(nil)

// NewJSONPoster checks the URL and timeout of a receiver of kind (used in
// errors, which never show the URL) and returns it.
func NewJSONPoster(kind, name, rawURL string, timeout time.Duration, payload func(notify.Message) any) (*JSONPoster, error) {
	u, err := url.Parse(rawURL)
	switch {
	case rawURL == "":
		return nil, fmt.Errorf("%s receiver %q: URL is required", kind, name)
	case err != nil, u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return nil, fmt.Errorf("%s receiver %q: URL must be an absolute https URL", kind, name)
	case timeout < 0:
		return nil, fmt.Errorf("%s receiver %q: negative timeout", kind, name)
	}
	return &JSONPoster{name: name, url: rawURL, timeout: timeout, client: http.DefaultClient, payload: payload}, nil
}

// Name returns the receiver's name in the policy.
func (p *JSONPoster) Name() string { return p.name }

// Send posts the message's payload as JSON.
func (p *JSONPoster) Send(ctx context.Context, m notify.Message) error {
	body, err := json.Marshal(p.payload(m))
	if err != nil {
		return &notify.SendError{Receiver: p.name, Err: fmt.Errorf("encode payload: %w", err)}
	}
	return Post(ctx, p.client, Request{Receiver: p.name, URL: p.url, ContentType: "application/json", Body: body, Timeout: p.timeout})
}
