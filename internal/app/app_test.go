package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/server"
)

func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer secret-alice")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// aliceToken is the API's one token in these tests: alice, an operator,
// whose secret is "secret-alice".
func aliceToken(o *app.Options) {
	ts, err := auth.ParseTokens("test", []byte("alice operator "+auth.Hash("secret-alice")))
	if err != nil {
		panic(err)
	}
	o.Auth = ts
}

func TestAPI(t *testing.T) {
	env := apptest.Start(t, aliceToken)
	api := env.API
	if code, _ := call(t, "GET", api.URL+"/healthz", ""); code != 200 {
		t.Errorf("healthz %d", code)
	}
	if code, _ := call(t, "GET", api.URL+"/readyz", ""); code != 503 {
		t.Errorf("readyz before the first plan: %d, want 503", code)
	}
	// Three hours in: 1.31.5 is rolling in sandbox.
	env.Run(t, 3*time.Hour)
	if code, _ := call(t, "GET", api.URL+"/readyz", ""); code != 200 {
		t.Errorf("readyz after a plan: %d", code)
	}
	code, body := call(t, "GET", api.URL+"/api/v1/status", "")
	var st server.Status
	if code != 200 || json.Unmarshal([]byte(body), &st) != nil || st.Plan == nil || len(st.Plan.Stages) != 4 || len(st.Rollouts) == 0 {
		t.Fatalf("status %d: %.300s", code, body)
	}
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
		says                     string
	}{
		{"not JSON", "POST", "/api/v1/rollouts/1.31.5/pause", `by=alice`, 400, "must be a JSON object"},
		{"unknown field", "POST", "/api/v1/rollouts/1.31.5/pause", `{"by":"alice","who":"x"}`, 400, "unknown field"},
		{"bad target", "POST", "/api/v1/rollouts/latest/pause", `{"by":"alice"}`, 400, "want a Kubernetes version"},
		{"unknown rollout", "POST", "/api/v1/rollouts/1.29.1/pause", `{"by":"alice"}`, 404, "no rollout of 1.29.1"},
		{"unknown stage", "POST", "/api/v1/stages/staging/retry", `{"by":"alice"}`, 404, "the stages are sandbox, dev, test, prod"},
		{"nothing to approve", "POST", "/api/v1/rollouts/1.31.5/approve", `{"by":"alice","stage":"dev"}`, 409, "nothing in stage dev awaits approval"},
		{"approve without stage", "POST", "/api/v1/rollouts/1.31.5/approve", `{"by":"alice"}`, 400, "say which stage"},
		{"not halted", "POST", "/api/v1/stages/sandbox/retry", `{"by":"alice"}`, 409, "is not halted"},
		{"unknown route", "GET", "/api/v1/nope", ``, 404, ""},
		{"pause", "POST", "/api/v1/rollouts/1.31.5/pause", `{"by":"alice","reason":"CVE triage"}`, 200, `"ok"`},
		{"pause again", "POST", "/api/v1/rollouts/1.31.5/pause", `{"by":"alice"}`, 200, `"already": true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(t, tc.method, api.URL+tc.path, tc.body)
			if code != tc.code || !strings.Contains(body, tc.says) {
				t.Errorf("%s %s: %d %s; want %d saying %q", tc.method, tc.path, code, body, tc.code, tc.says)
			}
		})
	}
	code, body = call(t, "GET", api.URL+"/api/v1/rollouts/1.31.5", "")
	if code != 200 || !strings.Contains(body, "paused by alice") {
		t.Errorf("rollout detail %d: %.500s", code, body)
	}
}
