// Package slack is the Slack receiver: it posts each message to a Slack
// incoming webhook as Block Kit blocks — a header with the summary and an
// emoji for the severity, a mrkdwn section with the details, a context
// line with stage, cluster, target and time, and a button to the link —
// with a plain `text` fallback for notifications and old clients.
package slack

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/webhook"
)

// Config configures a Slack receiver.
type Config struct {
	// URL is the incoming webhook's URL
	// (https://hooks.slack.com/services/…). It is a secret: it is never
	// shown in errors beyond its host.
	URL string
	// Timeout bounds one delivery; webhook.DefaultTimeout when zero.
	Timeout time.Duration
}

// Receiver posts messages to a Slack incoming webhook. It implements notify.Receiver
// and is safe for concurrent use.
type Receiver struct{ *webhook.JSONPoster }

var _ notify.Receiver = (*Receiver)(nil)

// New returns a receiver named name (its name in the policy).
func New(name string, c Config) (*Receiver, error) {
	p, err := webhook.NewJSONPoster("slack", name, c.URL, c.Timeout, func(m notify.Message) any { return NewPayload(m) })
	if err != nil {
		return nil, err
	}
	return &Receiver{p}, nil
}

// Payload is an incoming webhook's request body.
type Payload struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// Block is one Block Kit layout block (header, section, context,
// actions); fields unused by a type stay empty.
type Block struct {
	Type     string    `json:"type"`
	Text     *Text     `json:"text,omitempty"`
	Elements []Element `json:"elements,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type  string `json:"type"` // plain_text or mrkdwn
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// Element is a context element (a text object) or a button.
type Element struct {
	Type  string `json:"type"` // mrkdwn or button
	Text  any    `json:"text"` // string for mrkdwn, *Text for a button
	URL   string `json:"url,omitempty"`
	Style string `json:"style,omitempty"`
}

// Limits Slack puts on blocks.
const (
	maxHeader  = 150
	maxSection = 3000
	maxURL     = 3000
)

// Emoji returns the emoji shown before a summary of severity s.
func Emoji(s notify.Severity) string {
	switch s {
	case notify.SeverityCritical:
		return ":rotating_light:"
	case notify.SeverityWarning:
		return ":warning:"
	}
	return ":information_source:"
}

// NewPayload renders m as Block Kit.
func NewPayload(m notify.Message) Payload {
	summary := Emoji(m.Severity) + " " + m.Summary
	p := Payload{
		Text: Escape(summary),
		Blocks: []Block{{
			Type: "header",
			Text: &Text{Type: "plain_text", Text: truncate(summary, maxHeader), Emoji: true},
		}},
	}
	if len(m.Details) > 0 {
		lines := make([]string, len(m.Details))
		for i, d := range m.Details {
			lines[i] = "• " + Escape(d)
		}
		p.Blocks = append(p.Blocks, Block{
			Type: "section",
			Text: &Text{Type: "mrkdwn", Text: truncate(strings.Join(lines, "\n"), maxSection)},
		})
	}
	var ctx []Element
	for _, f := range []struct{ name, value string }{{"Stage", m.Stage}, {"Cluster", m.Cluster}, {"Target", m.Target}} {
		if f.value != "" {
			ctx = append(ctx, Element{Type: "mrkdwn", Text: "*" + f.name + ":* " + Escape(f.value)})
		}
	}
	if !m.Time.IsZero() {
		// Slack shows the date in each reader's time zone; the fallback
		// is the message's own.
		ctx = append(ctx, Element{Type: "mrkdwn", Text: fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>",
			m.Time.Unix(), m.Time.Format("2006-01-02 15:04 MST"))})
	}
	if len(ctx) > 0 {
		p.Blocks = append(p.Blocks, Block{Type: "context", Elements: ctx})
	}
	if m.Link != "" && len(m.Link) <= maxURL {
		p.Blocks = append(p.Blocks, Block{Type: "actions", Elements: []Element{{
			Type: "button",
			Text: &Text{Type: "plain_text", Text: "Open in aksupgrade"},
			URL:  m.Link,
		}}})
		p.Text += " " + m.Link
	}
	return p
}

// Escape escapes the three characters Slack's mrkdwn gives a meaning to
// (&, <, >), so text from clusters and people cannot make links or
// mentions.
func Escape(s string) string {
	return mrkdwnEscaper.Replace(s)
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// truncate shortens s to at most n runes, ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
