// Package shoutrrr is the catch-all receiver: it sends each message
// through github.com/nicholas-fedor/shoutrrr (the maintained fork of
// containrrr/shoutrrr), so any service that library knows — Discord,
// Telegram, ntfy, Gotify, Pushover, Matrix, a generic webhook, … — can be
// a receiver given its shoutrrr URL.
//
// Shoutrrr URLs hold tokens and passwords: they are never shown in
// errors. The library does not take a context and reports failures as
// text, so a send that outlives its context is abandoned (the library's
// own timeout, set to Config.Timeout, ends it) and every failure is
// taken as retryable.
package shoutrrr

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"github.com/aksupgrade/aksupgrade/internal/notify"
)

// DefaultTimeout bounds one delivery when Config sets none.
const DefaultTimeout = 10 * time.Second

// Config configures a shoutrrr receiver.
type Config struct {
	// URL is a shoutrrr service URL, e.g. "ntfy://ntfy.sh/aks-upgrades"
	// or "generic://hooks.example.com/aks?template=json". It is a
	// secret.
	URL string
	// Timeout bounds one delivery; DefaultTimeout when zero.
	Timeout time.Duration
}

// Receiver sends messages through shoutrrr. It implements
// notify.Receiver and is safe for concurrent use.
type Receiver struct {
	name    string
	scheme  string
	secrets []string // parts of the URL to hide in errors
	sender  *router.ServiceRouter
	timeout time.Duration
}

var _ notify.Receiver = (*Receiver)(nil)

// New returns a receiver named name (its name in the policy). It checks
// the URL with the library, so an unknown service or bad parameter is
// found at start.
func New(name string, c Config) (*Receiver, error) {
	if c.URL == "" {
		return nil, fmt.Errorf("shoutrrr receiver %q: URL is required", name)
	}
	if c.Timeout < 0 {
		return nil, fmt.Errorf("shoutrrr receiver %q: negative timeout", name)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	u, err := url.Parse(c.URL)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("shoutrrr receiver %q: URL is invalid", name)
	}
	secrets := secretParts(c.URL, u)
	sender, err := router.New(nil, c.URL)
	if err != nil {
		return nil, fmt.Errorf("shoutrrr receiver %q: %s", name, redact(err.Error(), secrets))
	}
	sender.Timeout = c.Timeout
	return &Receiver{name: name, scheme: u.Scheme, secrets: secrets, sender: sender, timeout: c.Timeout}, nil
}

// Name returns the receiver's name in the policy.
func (r *Receiver) Name() string { return r.name }

// Send delivers m: its title is the subject line, its body the text of
// Format.
func (r *Receiver) Send(ctx context.Context, m notify.Message) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	params := types.Params{}
	params.SetTitle(Title(m))
	done := make(chan []error, 1)
	go func() { done <- r.sender.Send(Format(m), &params) }()
	select {
	case <-ctx.Done():
		return &notify.SendError{Receiver: r.name, Retryable: true, Err: fmt.Errorf("%s: %w", r.scheme, ctx.Err())}
	case errs := <-done:
		if err := errors.Join(errs...); err != nil {
			return &notify.SendError{Receiver: r.name, Retryable: true, Err: fmt.Errorf("%s: %s", r.scheme, redact(err.Error(), r.secrets))}
		}
		return nil
	}
}

// Title returns the title shoutrrr services show above the text.
func Title(m notify.Message) string {
	return "[aksupgrade] " + strings.Join(strings.Fields(m.Summary), " ")
}

// Format returns m as plain text: the summary, the details, what it is
// about and the link, one per line.
func Format(m notify.Message) string {
	lines := []string{marker(m.Severity) + m.Summary}
	lines = append(lines, m.Details...)
	var about []string
	for _, f := range [][2]string{{"stage", m.Stage}, {"cluster", m.Cluster}, {"target", m.Target}} {
		if f[1] != "" {
			about = append(about, f[0]+" "+f[1])
		}
	}
	if !m.Time.IsZero() {
		about = append(about, m.Time.Format("2006-01-02 15:04 MST"))
	}
	if len(about) > 0 {
		lines = append(lines, strings.Join(about, " · "))
	}
	if m.Link != "" {
		lines = append(lines, m.Link)
	}
	return strings.Join(lines, "\n")
}

func marker(s notify.Severity) string {
	switch s {
	case notify.SeverityCritical:
		return "CRITICAL: "
	case notify.SeverityWarning:
		return "WARNING: "
	}
	return ""
}

// secretParts lists what of a shoutrrr URL may be a token: the whole
// URL, its user information, path segments and query values.
func secretParts(raw string, u *url.URL) []string {
	s := []string{raw}
	if u.User != nil {
		s = append(s, u.User.String(), u.User.Username())
		if p, ok := u.User.Password(); ok {
			s = append(s, p)
		}
	}
	if u.Opaque != "" {
		s = append(s, u.Opaque)
	}
	s = append(s, strings.Split(u.Path, "/")...)
	for _, vs := range u.Query() {
		s = append(s, vs...)
	}
	if u.RawQuery != "" {
		s = append(s, u.RawQuery)
	}
	// Longest first, so a part is hidden before any piece of it; too
	// short a part would hide ordinary words.
	var keep []string
	for _, p := range s {
		if len(p) >= 4 {
			keep = append(keep, p, url.PathEscape(p), url.QueryEscape(p))
		}
	}
	slices.SortStableFunc(keep, func(a, b string) int { return len(b) - len(a) })
	return keep
}

// redact hides every secret part in text.
func redact(text string, secrets []string) string {
	for _, p := range secrets {
		text = strings.ReplaceAll(text, p, "***")
	}
	return text
}
