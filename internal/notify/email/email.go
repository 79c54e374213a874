// Package email is the email receiver: it sends each message over SMTP
// as a multipart/alternative mail, plain text and HTML, with the subject
// "[aksupgrade] " + summary and a Message-ID derived from the message's
// Key, so that mail clients drop a redelivered duplicate.
//
// STARTTLS is required, unless Config.Insecure, which is allowed only
// for a relay on the loopback interface. Authentication (PLAIN or LOGIN,
// as the server offers) is used when a username is set. Failures to
// connect and temporary (4xx) SMTP answers are retryable; permanent
// (5xx) answers, a server without STARTTLS and a certificate that does
// not verify are not.
package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/aksupgrade/aksupgrade/internal/notify"
)

// Defaults for a Config's zero fields.
const (
	DefaultPort    = 587
	DefaultTimeout = 30 * time.Second
)

// SubjectPrefix starts every subject, so people can filter on it.
const SubjectPrefix = "[aksupgrade] "

// Config configures an email receiver.
type Config struct {
	// Host and Port of the SMTP submission server; Port defaults to 587
	// (STARTTLS). Port 465 means implicit TLS.
	Host string
	Port int
	// Username and Password authenticate, when Username is set. The
	// password is never logged nor put in errors.
	Username string
	Password string
	// From is the sender's address, e.g. "aksupgrade <aks@example.com>".
	From string
	// To lists the recipients' addresses.
	To []string
	// Insecure sends without TLS. It is refused unless Host is a
	// loopback address (a local relay, or a test server).
	Insecure bool
	// Timeout bounds one delivery; DefaultTimeout when zero.
	Timeout time.Duration
}

// Receiver sends messages by email. It implements notify.Receiver and is
// safe for concurrent use; each Send opens its own connection.
type Receiver struct {
	name    string
	cfg     Config
	from    *mail.Address
	to      []*mail.Address
	domain  string // for Message-IDs
	timeout time.Duration
}

var _ notify.Receiver = (*Receiver)(nil)

// New returns a receiver named name (its name in the policy).
func New(name string, c Config) (*Receiver, error) {
	r, err := newReceiver(name, c)
	if err != nil {
		return nil, fmt.Errorf("email receiver %q: %w", name, err)
	}
	return r, nil
}

func newReceiver(name string, c Config) (*Receiver, error) {
	if c.Host == "" {
		return nil, errors.New("host is required")
	}
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.Port < 0 || c.Port > 65535 {
		return nil, fmt.Errorf("port %d out of range", c.Port)
	}
	if c.Insecure && !isLoopback(c.Host) {
		return nil, fmt.Errorf("insecure (no TLS) is allowed only for a loopback host, not %q", c.Host)
	}
	if c.Password != "" && c.Username == "" {
		return nil, errors.New("password without username")
	}
	if c.Timeout < 0 {
		return nil, errors.New("negative timeout")
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	if len(c.To) == 0 {
		return nil, errors.New("no recipients")
	}
	to := make([]*mail.Address, len(c.To))
	for i, s := range c.To {
		if to[i], err = mail.ParseAddress(s); err != nil {
			return nil, fmt.Errorf("to address %q: %w", s, err)
		}
	}
	domain := "aksupgrade.invalid"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 && at < len(from.Address)-1 {
		domain = from.Address[at+1:]
	}
	c.To = append([]string(nil), c.To...)
	return &Receiver{name: name, cfg: c, from: from, to: to, domain: domain, timeout: c.Timeout}, nil
}

// isLoopback reports whether host names the loopback interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Name returns the receiver's name in the policy.
func (r *Receiver) Name() string { return r.name }

// Send mails m to every recipient in one transaction.
func (r *Receiver) Send(ctx context.Context, m notify.Message) error {
	msg, err := r.compose(m)
	if err != nil {
		return &notify.SendError{Receiver: r.name, Err: fmt.Errorf("compose mail: %w", err)}
	}
	client, err := r.client()
	if err != nil {
		return &notify.SendError{Receiver: r.name, Err: fmt.Errorf("smtp client: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return &notify.SendError{
			Receiver:  r.name,
			Retryable: retryable(err),
			Err:       fmt.Errorf("smtp %s:%d: %w", r.cfg.Host, r.cfg.Port, err),
		}
	}
	return nil
}

func (r *Receiver) client() (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(r.cfg.Port),
		gomail.WithTimeout(r.timeout),
	}
	switch {
	case r.cfg.Insecure:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case r.cfg.Port == 465:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if r.cfg.Username != "" {
		mechs := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
		if r.cfg.Insecure { // loopback only, see New
			mechs = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
		}
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(mechs...),
			gomail.WithUsername(r.cfg.Username),
			gomail.WithPassword(r.cfg.Password))
	}
	return gomail.NewClient(r.cfg.Host, opts...)
}

// compose builds the mail for m.
func (r *Receiver) compose(m notify.Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	msg.FromMailAddress(r.from)
	msg.ToMailAddress(r.to...)
	msg.Subject(Subject(m))
	if m.Key != "" {
		msg.SetMessageIDWithValue(MessageID(m.Key, r.domain))
	} else {
		msg.SetMessageID()
	}
	msg.SetDate()
	// RFC 3834: no vacation replies to a machine.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	if m.Kind != "" {
		msg.SetGenHeader("X-Aksupgrade-Kind", m.Kind)
	}
	text, html, err := Render(m)
	if err != nil {
		return nil, err
	}
	msg.SetBodyString(gomail.TypeTextPlain, text)
	msg.AddAlternativeString(gomail.TypeTextHTML, html)
	return msg, nil
}

// Subject returns the subject of m's mail, on one line.
func Subject(m notify.Message) string {
	return SubjectPrefix + strings.Join(strings.Fields(m.Summary), " ")
}

// MessageID returns the Message-ID (without angle brackets) for the
// message with key: the same key gives the same ID, so a redelivery is
// recognised as the same mail.
func MessageID(key, domain string) string {
	sum := sha256.Sum256([]byte(key))
	return "aksupgrade." + hex.EncodeToString(sum[:16]) + "@" + domain
}

//go:embed mail.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("mail").Parse(htmlSource))

// fact is one "name: value" line of what a message is about.
type fact struct{ Name, Value string }

// view is what the HTML template sees.
type view struct {
	notify.Message
	Marker      string
	HeaderStyle template.CSS
	Facts       []fact
}

// Render returns m's plain-text and HTML bodies. The HTML escapes every
// field (html/template), and keeps only safe links.
func Render(m notify.Message) (text, html string, err error) {
	v := view{Message: m, Facts: facts(m)}
	switch m.Severity {
	case notify.SeverityCritical:
		v.Marker, v.HeaderStyle = "CRITICAL", "color:#b42318"
	case notify.SeverityWarning:
		v.Marker, v.HeaderStyle = "WARNING", "color:#9a6700"
	default:
		v.Marker, v.HeaderStyle = "INFO", "color:#1f2328"
	}

	var t strings.Builder
	fmt.Fprintf(&t, "%s: %s\n", v.Marker, m.Summary)
	if len(m.Details) > 0 {
		t.WriteString("\n")
		for _, d := range m.Details {
			fmt.Fprintf(&t, "  %s\n", d)
		}
	}
	if len(v.Facts) > 0 {
		t.WriteString("\n")
		for _, f := range v.Facts {
			fmt.Fprintf(&t, "%s: %s\n", f.Name, f.Value)
		}
	}
	if m.Link != "" {
		fmt.Fprintf(&t, "\n%s\n", m.Link)
	}
	t.WriteString("\n-- \nSent by aksupgrade.\n")

	var h bytes.Buffer
	if err := htmlTemplate.Execute(&h, v); err != nil {
		return "", "", fmt.Errorf("render html: %w", err)
	}
	return t.String(), h.String(), nil
}

func facts(m notify.Message) []fact {
	var fs []fact
	for _, f := range []fact{{"Stage", m.Stage}, {"Cluster", m.Cluster}, {"Target", m.Target}} {
		if f.Value != "" {
			fs = append(fs, f)
		}
	}
	if !m.Time.IsZero() {
		fs = append(fs, fact{"Time", m.Time.Format("2006-01-02 15:04 MST")})
	}
	return fs
}

// retryable classifies a delivery failure: SMTP 5xx answers, a server
// without STARTTLS and a certificate that does not verify will not pass
// by trying again; 4xx answers and connection failures may.
func retryable(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch code := se.ErrorCode(); {
		case code >= 500:
			return false
		case code >= 400:
			return true
		}
		if se.Reason == gomail.ErrGetSender || se.Reason == gomail.ErrGetRcpts {
			return false // bad addresses
		}
		return true
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code < 500
	}
	var ce *tls.CertificateVerificationError
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	if errors.As(err, &ce) || errors.As(err, &ue) || errors.As(err, &he) {
		return false
	}
	// go-mail reports a missing STARTTLS only in words.
	if strings.Contains(err.Error(), "does not support STARTTLS") {
		return false
	}
	return true
}
