package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/slack"
)

var msg = notify.Message{
	Key:      "rollout/r1/stage/prod/halted",
	Kind:     "stageHalted",
	Severity: notify.SeverityCritical,
	Summary:  `Stage "prod" halted`,
	Details:  []string{"aks-prod-2: upgrade to 1.30.4 failed", "Check <pods> & resume"},
	Link:     "https://aksupgrade.example/rollouts/r1",
	Stage:    "prod",
	Cluster:  "aks-prod-2",
	Target:   "1.30.4",
	Time:     time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
}

func TestSendBlockKit(t *testing.T) {
	var body []byte
	var contentType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		contentType = r.Header.Get("Content-Type")
		io.WriteString(w, "ok")
	}))
	defer srv.Close()

	r, err := slack.New("ops-slack", slack.Config{URL: srv.URL + "/services/T000/B000/XXXX"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if contentType != "application/json" {
		t.Errorf("Content-Type = %q", contentType)
	}

	// Decode generically, as Slack would, rather than into our own types.
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"text": `:rotating_light: Stage "prod" halted https://aksupgrade.example/rollouts/r1`,
		"blocks": []any{
			map[string]any{"type": "header", "text": map[string]any{
				"type": "plain_text", "text": `:rotating_light: Stage "prod" halted`, "emoji": true}},
			map[string]any{"type": "section", "text": map[string]any{
				"type": "mrkdwn", "text": "• aks-prod-2: upgrade to 1.30.4 failed\n• Check &lt;pods&gt; &amp; resume"}},
			map[string]any{"type": "context", "elements": []any{
				map[string]any{"type": "mrkdwn", "text": "*Stage:* prod"},
				map[string]any{"type": "mrkdwn", "text": "*Cluster:* aks-prod-2"},
				map[string]any{"type": "mrkdwn", "text": "*Target:* 1.30.4"},
				map[string]any{"type": "mrkdwn", "text": "<!date^1741064767^{date_short_pretty} {time}|2025-03-04 05:06 UTC>"},
			}},
			map[string]any{"type": "actions", "elements": []any{
				map[string]any{"type": "button", "url": "https://aksupgrade.example/rollouts/r1",
					"text": map[string]any{"type": "plain_text", "text": "Open in aksupgrade"}},
			}},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("payload (-want +got):\n%s", d)
	}
}

func TestPayloadMinimal(t *testing.T) {
	p := slack.NewPayload(notify.Message{Severity: notify.SeverityInfo, Summary: "Kubernetes 1.31 is available"})
	var types []string
	for _, b := range p.Blocks {
		types = append(types, b.Type)
	}
	if d := cmp.Diff([]string{"header"}, types); d != "" {
		t.Errorf("block types (-want +got):\n%s", d)
	}
	if p.Text != ":information_source: Kubernetes 1.31 is available" {
		t.Errorf("text = %q", p.Text)
	}
}

func TestPayloadTruncatesHeader(t *testing.T) {
	p := slack.NewPayload(notify.Message{Severity: notify.SeverityWarning, Summary: strings.Repeat("é", 400)})
	if n := len([]rune(p.Blocks[0].Text.Text)); n != 150 {
		t.Errorf("header has %d runes, want 150", n)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    string
		retryable bool
		wait      time.Duration
	}{
		{"rate limited", http.StatusTooManyRequests, "7", true, 7 * time.Second},
		{"server error", http.StatusInternalServerError, "", true, 0},
		{"invalid payload", http.StatusBadRequest, "", false, 0},
		{"channel archived", http.StatusGone, "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				http.Error(w, "invalid_payload", tt.status)
			}))
			defer srv.Close()
			r, err := slack.New("ops-slack", slack.Config{URL: srv.URL + "/services/T000/B000/SECRETTOKEN?x=QUERYSECRET"})
			if err != nil {
				t.Fatal(err)
			}
			err = r.Send(context.Background(), msg)
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *notify.SendError", err)
			}
			if se.Receiver != "ops-slack" || se.Retryable != tt.retryable || se.RetryAfter != tt.wait {
				t.Errorf("SendError = %+v; want retryable %v, retry after %v", se, tt.retryable, tt.wait)
			}
			for _, secret := range []string{"/services", "SECRETTOKEN", "QUERYSECRET"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows %q", err, secret)
				}
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	for _, u := range []string{"", "hooks.slack.com/services/SECRETTOKEN", "ftp://hooks.slack.com/services/SECRETTOKEN"} {
		_, err := slack.New("ops-slack", slack.Config{URL: u})
		if err == nil {
			t.Errorf("New(%q) accepted", u)
		} else if strings.Contains(err.Error(), "SECRETTOKEN") {
			t.Errorf("error %q shows the URL", err)
		}
	}
}
