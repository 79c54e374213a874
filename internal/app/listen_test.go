package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/demo"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// TestNoAuthOnlyOnLoopback: an API without authentication is refused on
// an address other hosts reach, unless said in as many words.
func TestNoAuthOnlyOnLoopback(t *testing.T) {
	pol, err := policy.Parse("demo", demo.Policy(), notify.Vocabulary())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		listen   string
		insecure bool
		auth     bool
		refused  bool
	}{
		{listen: "127.0.0.1:0"},
		{listen: "localhost:0"},
		{listen: "[::1]:0"},
		{listen: ":0", refused: true},
		{listen: "0.0.0.0:0", refused: true},
		{listen: "0.0.0.0:0", insecure: true},
		{listen: "0.0.0.0:0", auth: true},
	} {
		o := app.Options{Policy: pol, DBPath: t.TempDir() + "/state.db", ARMEndpoint: "http://127.0.0.1:1", Listen: tc.listen, InsecureNoAuth: tc.insecure}
		if tc.auth {
			aliceToken(&o)
		}
		a, err := app.New(context.Background(), o)
		if tc.refused {
			if err == nil || !strings.Contains(err.Error(), "with no authentication") || !strings.Contains(err.Error(), "--tokens-file") {
				t.Errorf("New(listen %s) = %v, want a refusal that says what to do", tc.listen, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("New(listen %s, insecure %v, auth %v): %v", tc.listen, tc.insecure, tc.auth, err)
			continue
		}
		if err := a.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}
}

// TestWebhookListener: with its own listener, the webhook answers there
// and the API does not; the API's listener has no webhook.
func TestWebhookListener(t *testing.T) {
	env := apptest.Start(t, aliceToken, func(o *app.Options) {
		o.WebhookSecrets = []string{"s3cret"}
		o.Listen, o.WebhookListen = "127.0.0.1:0", "127.0.0.1:0"
	})
	if err := env.App.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	api, hook := "http://"+env.App.Addr(), "http://"+env.App.WebhookAddr()
	for _, tc := range []struct {
		method, url string
		want        int
	}{
		{"GET", api + "/api/v1/rollouts", http.StatusOK},
		{"OPTIONS", api + "/webhooks/eventgrid", http.StatusNotFound},
		{"GET", hook + "/api/v1/rollouts", http.StatusNotFound},
		{"GET", hook + "/healthz", http.StatusOK},
		// Event Grid's CloudEvents handshake, with the secret.
		{"OPTIONS", hook + "/webhooks/eventgrid?code=s3cret", http.StatusOK},
	} {
		req, err := http.NewRequest(tc.method, tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer secret-alice")
		req.Header.Set("WebHook-Request-Origin", "eventgrid.azure.net")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.url, resp.StatusCode, tc.want)
		}
	}
}
