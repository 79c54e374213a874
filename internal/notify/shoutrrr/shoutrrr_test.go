package shoutrrr_test

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
	"github.com/aksupgrade/aksupgrade/internal/notify/shoutrrr"
)

var msg = notify.Message{
	Key:      "rollout/r1/stage/prod/halted",
	Kind:     "stageHalted",
	Severity: notify.SeverityCritical,
	Summary:  `Stage "prod" halted`,
	Details:  []string{"aks-prod-2: upgrade to 1.30.4 failed"},
	Link:     "https://aksupgrade.example/rollouts/r1",
	Stage:    "prod",
	Cluster:  "aks-prod-2",
	Target:   "1.30.4",
	Time:     time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
}

// genericURL turns an httptest server's address into a shoutrrr generic
// webhook URL posting JSON over plain HTTP.
func genericURL(srv *httptest.Server, path string) string {
	return "generic://" + strings.TrimPrefix(srv.URL, "http://") + path + "?template=json&disabletls=yes"
}

func TestSendGenericWebhook(t *testing.T) {
	var got map[string]string
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("body %q: %v", b, err)
		}
	}))
	defer srv.Close()

	r, err := shoutrrr.New("ntfy", shoutrrr.Config{URL: genericURL(srv, "/hook/T0K3N")})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if path != "/hook/T0K3N" {
		t.Errorf("path = %q", path)
	}
	want := map[string]string{
		"title": `[aksupgrade] Stage "prod" halted`,
		"message": "CRITICAL: Stage \"prod\" halted\n" +
			"aks-prod-2: upgrade to 1.30.4 failed\n" +
			"stage prod · cluster aks-prod-2 · target 1.30.4 · 2025-03-04 05:06 UTC\n" +
			"https://aksupgrade.example/rollouts/r1",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("payload (-want +got):\n%s", d)
	}
}

func TestSendFailureRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	r, err := shoutrrr.New("hook", shoutrrr.Config{URL: genericURL(srv, "/hook/T0K3N")})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Send(context.Background(), msg)
	var se *notify.SendError
	if !errors.As(err, &se) || !se.Retryable {
		t.Fatalf("err = %v, want a retryable *notify.SendError", err)
	}
	if strings.Contains(err.Error(), "T0K3N") {
		t.Errorf("error %q shows the token", err)
	}
}

func TestSendUnreachableRedacted(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := genericURL(srv, "/hook/T0K3N")
	srv.Close()
	r, err := shoutrrr.New("hook", shoutrrr.Config{URL: u, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Send(context.Background(), msg)
	if err == nil || !notify.Retryable(err) {
		t.Fatalf("err = %v, want retryable", err)
	}
	t.Logf("error: %v", err)
	if strings.Contains(err.Error(), "T0K3N") {
		t.Errorf("error %q shows the token", err)
	}
}

func TestNewRejects(t *testing.T) {
	for _, u := range []string{"", "nosuchservice://user:PASSW0RD@host/T0K3N", "telegram://PASSW0RD@telegram?chats=T0K3N&bogus=1"} {
		_, err := shoutrrr.New("x", shoutrrr.Config{URL: u})
		if err == nil {
			t.Errorf("New(%q) accepted", u)
			continue
		}
		t.Logf("error: %v", err)
		for _, secret := range []string{"PASSW0RD", "T0K3N"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows %q", err, secret)
			}
		}
	}
}

func TestFormatMinimal(t *testing.T) {
	if got := shoutrrr.Format(notify.Message{Severity: notify.SeverityInfo, Summary: "Kubernetes 1.31 is available"}); got != "Kubernetes 1.31 is available" {
		t.Errorf("Format = %q", got)
	}
}
