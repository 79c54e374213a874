// Package console is the console receiver: it writes each message as it
// would be sent, readable in a terminal — a line with a severity marker
// and the summary, then the details, what it is about and the link,
// indented under it. The demo prints notifications with it; it also
// serves to try a policy before pointing it at people.
package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/aksupgrade/aksupgrade/internal/notify"
)

// Config configures a console receiver.
type Config struct {
	// Out receives the messages, e.g. os.Stdout.
	Out io.Writer
}

// Receiver writes messages to Out. It implements notify.Receiver; sends
// from several goroutines are written whole, one after the other.
type Receiver struct {
	name string
	mu   sync.Mutex
	out  io.Writer
}

var _ notify.Receiver = (*Receiver)(nil)

// New returns a receiver named name (its name in the policy).
func New(name string, c Config) (*Receiver, error) {
	if c.Out == nil {
		return nil, fmt.Errorf("console receiver %q: no output", name)
	}
	return &Receiver{name: name, out: c.Out}, nil
}

// Name returns the receiver's name in the policy.
func (r *Receiver) Name() string { return r.name }

// Send writes m. A failed write is not retryable: the output is local.
func (r *Receiver) Send(ctx context.Context, m notify.Message) error {
	if err := ctx.Err(); err != nil {
		return &notify.SendError{Receiver: r.name, Retryable: true, Err: err}
	}
	text := Format(m)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := io.WriteString(r.out, text); err != nil {
		return &notify.SendError{Receiver: r.name, Err: fmt.Errorf("write: %w", err)}
	}
	return nil
}

// indent is how far the lines under the summary are indented: past the
// marker.
const indent = "       "

// Marker returns the five-column tag of a severity: "INFO ", "WARN ",
// "CRIT ".
func Marker(s notify.Severity) string {
	switch s {
	case notify.SeverityCritical:
		return "CRIT "
	case notify.SeverityWarning:
		return "WARN "
	}
	return "INFO "
}

// Format renders m as terminal text ending in a newline:
//
//	[WARN ] Stage "prod" waits for approval
//	        3 clusters to 1.30.4
//	        stage prod · target 1.30.4 · 2025-03-04 05:06 UTC
//	        https://aksupgrade.example/rollouts/r1
func Format(m notify.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s\n", Marker(m.Severity), oneLine(m.Summary))
	for _, d := range m.Details {
		fmt.Fprintf(&b, "%s %s\n", indent, oneLine(d))
	}
	var about []string
	for _, f := range [][2]string{{"stage", m.Stage}, {"cluster", m.Cluster}, {"target", m.Target}} {
		if f[1] != "" {
			about = append(about, f[0]+" "+oneLine(f[1]))
		}
	}
	if !m.Time.IsZero() {
		about = append(about, m.Time.Format("2006-01-02 15:04 MST"))
	}
	if len(about) > 0 {
		fmt.Fprintf(&b, "%s %s\n", indent, strings.Join(about, " · "))
	}
	if m.Link != "" {
		fmt.Fprintf(&b, "%s %s\n", indent, oneLine(m.Link))
	}
	return b.String()
}

// oneLine keeps a field on its line and drops control characters, so
// text from outside cannot move the cursor or fake another message.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
}
