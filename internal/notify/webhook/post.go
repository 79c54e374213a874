package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aksupgrade/aksupgrade/internal/notify"
)

// DefaultTimeout bounds one delivery when a receiver's Config sets none.
const DefaultTimeout = 10 * time.Second

// maxErrorBody is how much of an error answer's body goes into the error.
const maxErrorBody = 256

// Request is one POST of a webhook-style receiver (this package, Slack,
// Teams).
type Request struct {
	// Receiver names the receiver in errors.
	Receiver string
	// URL is where to post; it is never shown in errors beyond its
	// scheme and host, since webhook URLs carry their tokens.
	URL         string
	ContentType string
	// Header holds extra headers (e.g. a shared secret); never shown.
	Header map[string]string
	Body   []byte
	// Timeout bounds the whole exchange; DefaultTimeout when zero.
	Timeout time.Duration
}

// Post sends r with client (http.DefaultClient when nil) and classifies
// the answer with notify.HTTPError: 2xx is nil; 429 and 5xx are
// retryable, honouring Retry-After; other 4xx are not. Network failures
// are retryable. Errors never contain the URL's path, query or user
// information, nor the extra headers.
func Post(ctx context.Context, client *http.Client, r Request) error {
	if client == nil {
		client = http.DefaultClient
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		// The parse error quotes the URL: do not pass it on.
		return &notify.SendError{Receiver: r.Receiver, Err: fmt.Errorf("build request for %s: invalid URL", Redact(r.URL))}
	}
	req.Header.Set("Content-Type", r.ContentType)
	req.Header.Set("User-Agent", "aksupgrade")
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}

	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the full URL
		}
		return &notify.SendError{Receiver: r.Receiver, Retryable: true, Err: fmt.Errorf("post to %s: %w", Redact(r.URL), err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return notify.HTTPError(r.Receiver, resp.StatusCode, RetryAfter(resp.Header.Get("Retry-After"), time.Now()), errorBody(body))
}

// Redact returns only the scheme and host of a URL, e.g.
// "https://hooks.slack.com/…", or "(invalid URL)".
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	s := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		s += "/…"
	}
	return s
}

// RetryAfter parses a Retry-After header, in seconds or as an HTTP date
// (relative to now). It is zero when absent, invalid or past.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// errorBody shortens an error answer's body to one readable line.
func errorBody(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > maxErrorBody {
		s = s[:maxErrorBody]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}
