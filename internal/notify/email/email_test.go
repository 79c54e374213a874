package email_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/email"
)

var msg = notify.Message{
	Key:      "rollout/r1/stage/prod/halted",
	Kind:     "stageHalted",
	Severity: notify.SeverityCritical,
	Summary:  `Stage "prod" halted — aks-prod-2 failed`,
	Details:  []string{"aks-prod-2: upgrade to 1.30.4 failed", "Check <script>alert(1)</script> & resume"},
	Link:     "https://aksupgrade.example/rollouts/r1?x=1&y=2",
	Stage:    "prod",
	Cluster:  "aks-prod-2",
	Target:   "1.30.4",
	Time:     time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
}

// received is one mail the test server took.
type received struct {
	from string
	to   []string
	data []byte
}

// server is a real SMTP server (github.com/emersion/go-smtp) on loopback.
type server struct {
	host string
	port int

	mu       sync.Mutex
	mails    []received
	rcptErr  error  // answer to RCPT TO, when set
	user     string // requires AUTH PLAIN as user/pass, when set
	pass     string
	authedAs string
}

func startServer(t *testing.T, configure func(*server)) *server {
	t.Helper()
	s := &server{}
	if configure != nil {
		configure(s)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	addr := l.Addr().(*net.TCPAddr)
	s.host, s.port = "127.0.0.1", addr.Port
	return s
}

func (s *server) authenticated() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authedAs
}

func (s *server) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mails...)
}

type session struct {
	s    *server
	cur  received
	auth bool
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		ss.auth = true
		ss.s.mu.Lock()
		ss.s.authedAs = user
		ss.s.mu.Unlock()
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.auth {
		return smtp.ErrAuthRequired
	}
	ss.cur = received{from: from}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.rcptErr != nil {
		return ss.s.rcptErr
	}
	ss.cur.to = append(ss.cur.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.data = b
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, ss.cur)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.cur = received{} }
func (ss *session) Logout() error { return nil }

func newReceiver(t *testing.T, s *server, edit func(*email.Config)) *email.Receiver {
	t.Helper()
	c := email.Config{
		Host:     s.host,
		Port:     s.port,
		From:     "aksupgrade <aks@example.com>",
		To:       []string{"ops@example.com", "Platform Team <platform@example.com>"},
		Insecure: true,
		Timeout:  10 * time.Second,
	}
	if edit != nil {
		edit(&c)
	}
	r, err := email.New("ops-mail", c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSend(t *testing.T) {
	s := startServer(t, nil)
	r := newReceiver(t, s, nil)
	if err := r.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}

	mails := s.received()
	if len(mails) != 1 {
		t.Fatalf("server got %d mails, want 1", len(mails))
	}
	got := mails[0]
	if got.from != "aks@example.com" {
		t.Errorf("MAIL FROM %q", got.from)
	}
	if d := cmp.Diff([]string{"ops@example.com", "platform@example.com"}, got.to); d != "" {
		t.Errorf("RCPT TO (-want +got):\n%s", d)
	}

	m, err := mail.ReadMessage(strings.NewReader(string(got.data)))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `[aksupgrade] Stage "prod" halted — aks-prod-2 failed`; subject != want {
		t.Errorf("Subject = %q, want %q", subject, want)
	}
	wantID := "<" + email.MessageID(msg.Key, "example.com") + ">"
	if id := m.Header.Get("Message-Id"); id != wantID {
		t.Errorf("Message-ID = %q, want %q", id, wantID)
	}
	if a := m.Header.Get("Auto-Submitted"); a != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", a)
	}
	from, _ := m.Header.AddressList("From")
	to, _ := m.Header.AddressList("To")
	if len(from) != 1 || from[0].Address != "aks@example.com" || len(to) != 2 || to[1].Name != "Platform Team" {
		t.Errorf("From %v, To %v", from, to)
	}

	parts := readParts(t, m)
	text, html := parts["text/plain"], parts["text/html"]
	for _, want := range []string{
		"CRITICAL: " + msg.Summary,
		"  aks-prod-2: upgrade to 1.30.4 failed\n",
		"  Check <script>alert(1)</script> & resume\n",
		"Stage: prod\nCluster: aks-prod-2\nTarget: 1.30.4\nTime: 2025-03-04 05:06 UTC\n",
		msg.Link,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{
		"Stage &#34;prod&#34; halted — aks-prod-2 failed",
		"<li>aks-prod-2: upgrade to 1.30.4 failed</li>",
		"<li>Check &lt;script&gt;alert(1)&lt;/script&gt; &amp; resume</li>",
		"<td style=\"color:#57606a;padding:2px 12px 2px 0\">Cluster</td><td style=\"padding:2px 0\">aks-prod-2</td>",
		`<a href="https://aksupgrade.example/rollouts/r1?x=1&amp;y=2">`,
		"color:#b42318",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("html part lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Errorf("html part is not escaped:\n%s", html)
	}
}

// readParts returns the decoded parts of a multipart/alternative mail by
// media type.
func readParts(t *testing.T, m *mail.Message) map[string]string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if pp["charset"] != "" && !strings.EqualFold(pp["charset"], "utf-8") {
			t.Errorf("%s charset %q", pt, pp["charset"])
		}
		b, err := io.ReadAll(p) // quoted-printable is decoded by the reader
		if err != nil {
			t.Fatal(err)
		}
		parts[pt] = strings.ReplaceAll(string(b), "\r\n", "\n") // SMTP lines end in CRLF
	}
	if len(parts) != 2 {
		t.Fatalf("parts %v, want text/plain and text/html", parts)
	}
	return parts
}

func TestSendSameKeySameMessageID(t *testing.T) {
	s := startServer(t, nil)
	r := newReceiver(t, s, nil)
	other := msg
	other.Key = "rollout/r1/completed"
	for _, m := range []notify.Message{msg, msg, other} {
		if err := r.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, got := range s.received() {
		m, err := mail.ReadMessage(strings.NewReader(string(got.data)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.Header.Get("Message-Id"))
	}
	if len(ids) != 3 || ids[0] != ids[1] || ids[0] == ids[2] {
		t.Errorf("Message-IDs %q: want the first two equal, the third different", ids)
	}
}

func TestSendWithAuth(t *testing.T) {
	s := startServer(t, func(s *server) { s.user, s.pass = "aks", "hunter2-secret" })
	r := newReceiver(t, s, func(c *email.Config) { c.Username, c.Password = "aks", "hunter2-secret" })
	if err := r.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if s.authenticated() != "aks" || len(s.received()) != 1 {
		t.Errorf("authenticated as %q, %d mails", s.authenticated(), len(s.received()))
	}

	bad := newReceiver(t, s, func(c *email.Config) { c.Username, c.Password = "aks", "wrong-secret" })
	err := bad.Send(context.Background(), msg)
	t.Logf("error: %v", err)
	if err == nil || notify.Retryable(err) {
		t.Fatalf("wrong password: err = %v, want permanent", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		rcptErr   error
		retryable bool
	}{
		{"mailbox busy (4xx)", &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "mailbox busy"}, true},
		{"no such user (5xx)", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, func(s *server) { s.rcptErr = tt.rcptErr })
			r := newReceiver(t, s, nil)
			err := r.Send(context.Background(), msg)
			t.Logf("error: %v", err)
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *notify.SendError", err)
			}
			if se.Retryable != tt.retryable {
				t.Errorf("Retryable = %v, want %v: %v", se.Retryable, tt.retryable, err)
			}
		})
	}
}

func TestSendConnectionRefusedIsRetryable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r, err := email.New("ops-mail", email.Config{Host: "127.0.0.1", Port: port, From: "aks@example.com", To: []string{"ops@example.com"}, Insecure: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Send(context.Background(), msg)
	t.Logf("error: %v", err)
	if err == nil || !notify.Retryable(err) {
		t.Errorf("err = %v, want retryable", err)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("error %q does not say which server", err)
	}
}

func TestSendRequiresSTARTTLS(t *testing.T) {
	s := startServer(t, nil) // offers no STARTTLS
	r := newReceiver(t, s, func(c *email.Config) { c.Insecure = false; c.Host = "localhost" })
	err := r.Send(context.Background(), msg)
	t.Logf("error: %v", err)
	if err == nil || notify.Retryable(err) {
		t.Errorf("err = %v, want a permanent error", err)
	}
	if len(s.received()) != 0 {
		t.Error("mail sent in clear text")
	}
}

func TestNewRejects(t *testing.T) {
	ok := email.Config{Host: "smtp.example.com", From: "aks@example.com", To: []string{"ops@example.com"}}
	tests := map[string]func(*email.Config){
		"no host":               func(c *email.Config) { c.Host = "" },
		"insecure remote host":  func(c *email.Config) { c.Insecure = true },
		"bad from":              func(c *email.Config) { c.From = "not an address" },
		"no recipients":         func(c *email.Config) { c.To = nil },
		"bad recipient":         func(c *email.Config) { c.To = []string{"ops@"} },
		"password, no username": func(c *email.Config) { c.Password = "hunter2-secret" },
		"port out of range":     func(c *email.Config) { c.Port = 70000 },
		"negative timeout":      func(c *email.Config) { c.Timeout = -time.Second },
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			c := ok
			edit(&c)
			_, err := email.New("ops-mail", c)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "hunter2-secret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
	if _, err := email.New("ops-mail", ok); err != nil {
		t.Errorf("valid config: %v", err)
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1", "[::1]"} {
		c := ok
		c.Host, c.Insecure = host, true
		if _, err := email.New("ops-mail", c); err != nil {
			t.Errorf("insecure %s: %v", host, err)
		}
	}
}
