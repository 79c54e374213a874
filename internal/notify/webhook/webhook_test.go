package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/webhook"
)

var msg = notify.Message{
	Key:      "rollout/r1/stage/prod/halted",
	Kind:     "stageHalted",
	Severity: notify.SeverityCritical,
	Summary:  `Stage "prod" halted`,
	Details:  []string{"aks-prod-2: upgrade to 1.30.4 failed", "Resume with: aksupgrade resume r1"},
	Link:     "https://aksupgrade.example/rollouts/r1",
	Stage:    "prod",
	Cluster:  "aks-prod-2",
	Target:   "1.30.4",
	Time:     time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
}

func TestSendCloudEvent(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()

	r, err := webhook.New("hook", webhook.Config{URL: srv.URL + "/events?token=s3cret", Headers: map[string]string{"X-Secret": "abc"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}

	if got.Method != http.MethodPost || got.URL.Path != "/events" || got.URL.Query().Get("token") != "s3cret" {
		t.Errorf("request %s %s", got.Method, got.URL)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/cloudevents+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if s := got.Header.Get("X-Secret"); s != "abc" {
		t.Errorf("X-Secret = %q", s)
	}

	// Every attribute, as raw JSON.
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	wantAttrs := map[string]any{
		"specversion":     "1.0",
		"id":              "rollout/r1/stage/prod/halted",
		"source":          "aksupgrade",
		"type":            "io.aksupgrade.notification.stageHalted",
		"subject":         "aks-prod-2",
		"time":            "2025-03-04T05:06:07Z",
		"datacontenttype": "application/json",
	}
	data := raw["data"]
	delete(raw, "data")
	if d := cmp.Diff(wantAttrs, raw); d != "" {
		t.Errorf("attributes (-want +got):\n%s", d)
	}
	dataJSON, _ := json.Marshal(data)
	var gotMsg notify.Message
	if err := json.Unmarshal(dataJSON, &gotMsg); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(msg, gotMsg); d != "" {
		t.Errorf("data (-want +got):\n%s", d)
	}

	// The CloudEvents SDK takes it as a valid event.
	var ev event.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatalf("SDK decode: %v", err)
	}
	if err := ev.Validate(); err != nil {
		t.Fatalf("SDK validate: %v", err)
	}
	if ev.ID() != msg.Key || ev.Type() != "io.aksupgrade.notification.stageHalted" || !ev.Time().Equal(msg.Time) {
		t.Errorf("SDK event = %v", ev)
	}
	var sdkMsg notify.Message
	if err := ev.DataAs(&sdkMsg); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(msg, sdkMsg); d != "" {
		t.Errorf("SDK data (-want +got):\n%s", d)
	}
}

func TestNewEventSubjectAndID(t *testing.T) {
	m := msg
	m.Cluster, m.Key = "", ""
	ev := webhook.NewEvent(m)
	if ev.Subject != "prod" {
		t.Errorf("subject = %q, want stage", ev.Subject)
	}
	if ev.ID == "" || ev.ID != webhook.NewEvent(m).ID {
		t.Errorf("id %q is not stable", ev.ID)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		retryable  bool
		wait       time.Duration
	}{
		{"too many requests", http.StatusTooManyRequests, "30", true, 30 * time.Second},
		{"server error", http.StatusBadGateway, "", true, 0},
		{"bad request", http.StatusBadRequest, "", false, 0},
		{"gone", http.StatusGone, "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				http.Error(w, "nope", tt.status)
			}))
			defer srv.Close()
			r, err := webhook.New("hook", webhook.Config{URL: srv.URL + "/hook/T0K3N?sig=SECRETSIG"})
			if err != nil {
				t.Fatal(err)
			}
			err = r.Send(context.Background(), msg)
			se, ok := err.(*notify.SendError)
			if !ok {
				t.Fatalf("err = %v (%T), want *notify.SendError", err, err)
			}
			if se.Retryable != tt.retryable || se.RetryAfter != tt.wait {
				t.Errorf("Retryable, RetryAfter = %v, %v; want %v, %v", se.Retryable, se.RetryAfter, tt.retryable, tt.wait)
			}
			assertRedacted(t, err)
		})
	}
}

func TestSendNetworkErrorRedacted(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close() // nothing listens any more
	r, err := webhook.New("hook", webhook.Config{URL: u + "/hook/T0K3N?sig=SECRETSIG", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Send(context.Background(), msg)
	if !notify.Retryable(err) {
		t.Errorf("network error %v is not retryable", err)
	}
	assertRedacted(t, err)
}

func TestNewRejects(t *testing.T) {
	for _, u := range []string{"", "ftp://x/T0K3N", "/relative/T0K3N", "http://[::1/T0K3N"} {
		_, err := webhook.New("hook", webhook.Config{URL: u})
		if err == nil {
			t.Errorf("New(%q) accepted", u)
			continue
		}
		assertRedacted(t, err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-1":                            0,
		"soon":                          0,
		"Wed, 01 Jan 2025 00:01:00 GMT": time.Minute,
		"Tue, 31 Dec 2024 00:00:00 GMT": 0,
	}
	for in, want := range tests {
		if got := webhook.RetryAfter(in, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func assertRedacted(t *testing.T, err error) {
	t.Helper()
	for _, secret := range []string{"T0K3N", "SECRETSIG", "abc"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains %q", err, secret)
		}
	}
}
