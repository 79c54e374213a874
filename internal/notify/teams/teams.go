// Package teams is the Microsoft Teams receiver. It posts each message as
// an Adaptive Card (version 1.4) to a Teams Workflows webhook — a Power
// Automate flow started by "When a Teams webhook request is received" —
// which is what replaces the retired Office 365 connectors. The card has
// the summary in bold (coloured by severity), the details, a fact set
// with stage, cluster, target and time, and an Action.OpenUrl to the
// link.
package teams

import (
	"time"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/webhook"
)

// Config configures a Teams receiver.
type Config struct {
	// URL is the workflow's HTTP trigger URL. Its query holds a
	// signature (sig=…): it is a secret and never shown in errors
	// beyond its host.
	URL string
	// Timeout bounds one delivery; webhook.DefaultTimeout when zero.
	Timeout time.Duration
}

// Receiver posts messages to a Teams Workflows webhook. It implements notify.Receiver
// and is safe for concurrent use.
type Receiver struct{ *webhook.JSONPoster }

var _ notify.Receiver = (*Receiver)(nil)

// New returns a receiver named name (its name in the policy).
func New(name string, c Config) (*Receiver, error) {
	p, err := webhook.NewJSONPoster("teams", name, c.URL, c.Timeout, func(m notify.Message) any { return NewPayload(m) })
	if err != nil {
		return nil, err
	}
	return &Receiver{p}, nil
}

// Adaptive Card constants.
const (
	CardContentType = "application/vnd.microsoft.card.adaptive"
	CardSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
	// CardVersion 1.4 is what Teams renders on every client, mobile too.
	CardVersion = "1.4"
)

// Payload is the message a Workflows webhook takes.
type Payload struct {
	Type        string       `json:"type"` // "message"
	Attachments []Attachment `json:"attachments"`
}

// Attachment carries one card.
type Attachment struct {
	ContentType string  `json:"contentType"`
	ContentURL  *string `json:"contentUrl"` // null, as Teams expects
	Content     Card    `json:"content"`
}

// Card is an Adaptive Card.
type Card struct {
	Schema  string    `json:"$schema"`
	Type    string    `json:"type"` // "AdaptiveCard"
	Version string    `json:"version"`
	Body    []Element `json:"body"`
	Actions []Action  `json:"actions,omitempty"`
	MSTeams *MSTeams  `json:"msteams,omitempty"`
}

// Element is a TextBlock or a FactSet; fields unused by a type stay empty.
type Element struct {
	Type    string `json:"type"`
	Text    string `json:"text,omitempty"`
	Weight  string `json:"weight,omitempty"`
	Size    string `json:"size,omitempty"`
	Color   string `json:"color,omitempty"`
	Wrap    bool   `json:"wrap,omitempty"`
	Spacing string `json:"spacing,omitempty"`
	Facts   []Fact `json:"facts,omitempty"`
}

// Fact is one line of a FactSet.
type Fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// Action is an Action.OpenUrl.
type Action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// MSTeams holds Teams' own card options.
type MSTeams struct {
	Width string `json:"width"`
}

// Color returns the TextBlock colour of a summary of severity s.
func Color(s notify.Severity) string {
	switch s {
	case notify.SeverityCritical:
		return "Attention"
	case notify.SeverityWarning:
		return "Warning"
	}
	return "Default"
}

// NewPayload renders m as an Adaptive Card in a Teams message.
func NewPayload(m notify.Message) Payload {
	card := Card{
		Schema:  CardSchema,
		Type:    "AdaptiveCard",
		Version: CardVersion,
		MSTeams: &MSTeams{Width: "Full"},
		Body: []Element{{
			Type:   "TextBlock",
			Text:   m.Summary,
			Weight: "Bolder",
			Size:   "Medium",
			Color:  Color(m.Severity),
			Wrap:   true,
		}},
	}
	for _, d := range m.Details {
		card.Body = append(card.Body, Element{Type: "TextBlock", Text: d, Wrap: true, Spacing: "Small"})
	}
	var facts []Fact
	for _, f := range []Fact{{"Stage", m.Stage}, {"Cluster", m.Cluster}, {"Target", m.Target}} {
		if f.Value != "" {
			facts = append(facts, f)
		}
	}
	if !m.Time.IsZero() {
		facts = append(facts, Fact{"Time", m.Time.Format("2006-01-02 15:04 MST")})
	}
	if len(facts) > 0 {
		card.Body = append(card.Body, Element{Type: "FactSet", Facts: facts})
	}
	if m.Link != "" {
		card.Actions = []Action{{Type: "Action.OpenUrl", Title: "Open in aksupgrade", URL: m.Link}}
	}
	return Payload{
		Type:        "message",
		Attachments: []Attachment{{ContentType: CardContentType, Content: card}},
	}
}
