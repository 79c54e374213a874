package teams_test

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
	"github.com/aksupgrade/aksupgrade/internal/notify/teams"
)

var msg = notify.Message{
	Key:      "rollout/r1/approval",
	Kind:     "approvalNeeded",
	Severity: notify.SeverityWarning,
	Summary:  `Stage "prod" waits for approval`,
	Details:  []string{"3 clusters to 1.30.4", "Approve with: aksupgrade approve r1 prod"},
	Link:     "https://aksupgrade.example/rollouts/r1",
	Stage:    "prod",
	Target:   "1.30.4",
	Time:     time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
}

func TestSendAdaptiveCard(t *testing.T) {
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
		}
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	r, err := teams.New("ops-teams", teams.Config{URL: srv.URL + "/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SIGSECRET"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}

	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content": map[string]any{
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type":    "AdaptiveCard",
				"version": "1.4",
				"msteams": map[string]any{"width": "Full"},
				"body": []any{
					map[string]any{"type": "TextBlock", "text": `Stage "prod" waits for approval`, "weight": "Bolder", "size": "Medium", "color": "Warning", "wrap": true},
					map[string]any{"type": "TextBlock", "text": "3 clusters to 1.30.4", "wrap": true, "spacing": "Small"},
					map[string]any{"type": "TextBlock", "text": "Approve with: aksupgrade approve r1 prod", "wrap": true, "spacing": "Small"},
					map[string]any{"type": "FactSet", "facts": []any{
						map[string]any{"title": "Stage", "value": "prod"},
						map[string]any{"title": "Target", "value": "1.30.4"},
						map[string]any{"title": "Time", "value": "2025-03-04 05:06 UTC"},
					}},
				},
				"actions": []any{map[string]any{"type": "Action.OpenUrl", "title": "Open in aksupgrade", "url": "https://aksupgrade.example/rollouts/r1"}},
			},
		}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("payload (-want +got):\n%s", d)
	}
}

func TestPayloadWithoutLinkOrFacts(t *testing.T) {
	p := teams.NewPayload(notify.Message{Severity: notify.SeverityCritical, Summary: "Support for 1.28 ended"})
	card := p.Attachments[0].Content
	if card.Actions != nil {
		t.Errorf("actions = %v, want none", card.Actions)
	}
	if len(card.Body) != 1 || card.Body[0].Color != "Attention" {
		t.Errorf("body = %+v", card.Body)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		status    int
		retryable bool
	}{
		{http.StatusTooManyRequests, true},
		{http.StatusServiceUnavailable, true},
		{http.StatusBadRequest, false},
		{http.StatusUnauthorized, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3")
				http.Error(w, `{"error":{"code":"DirectApiAuthorizationRequired"}}`, tt.status)
			}))
			defer srv.Close()
			r, err := teams.New("ops-teams", teams.Config{URL: srv.URL + "/workflows/WORKFLOWID/invoke?sig=SIGSECRET"})
			if err != nil {
				t.Fatal(err)
			}
			err = r.Send(context.Background(), msg)
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *notify.SendError", err)
			}
			if se.Retryable != tt.retryable {
				t.Errorf("Retryable = %v, want %v (%v)", se.Retryable, tt.retryable, err)
			}
			if tt.retryable && se.RetryAfter != 3*time.Second {
				t.Errorf("RetryAfter = %v, want 3s", se.RetryAfter)
			}
			for _, secret := range []string{"WORKFLOWID", "SIGSECRET", "sig="} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows %q", err, secret)
				}
			}
		})
	}
}
