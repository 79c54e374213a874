package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// run executes the CLI in-process, as main does, with times shown in
// Europe/Oslo where no stage's window gives a zone.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, &out, &errOut, WithZone(oslo(t)))
	return code, out.String(), errOut.String()
}

func oslo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

const (
	examplePolicy = "../../examples/policy.yaml"
	exampleFleet  = "../../examples/fleet.yaml"
	exampleNow    = "2026-03-10T21:00:00Z"
)

func TestPlanExampleTable(t *testing.T) {
	code, out, errOut := run(t, "plan", "--policy", examplePolicy, "--fleet", exampleFleet, "--now", exampleNow)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "plan-example.txt", out)
}

func TestPlanExampleJSON(t *testing.T) {
	code, out, errOut := run(t, "plan", "--policy", examplePolicy, "--fleet", exampleFleet, "--now", exampleNow, "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for _, k := range []string{"now", "actions", "stages", "unmanaged", "conflicts", "errors"} {
		if _, ok := v[k]; !ok {
			t.Errorf("plan JSON lacks %q", k)
		}
	}
	golden(t, "plan-example.json", out)
}

func TestPlanErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing flags", []string{"plan"}, ExitUsage, `required flag(s) "policy" not set`},
		{"bad output", []string{"plan", "--policy", examplePolicy, "--fleet", exampleFleet, "--output", "yaml"}, ExitUsage, `--output "yaml" is not known`},
		{"bad now", []string{"plan", "--policy", examplePolicy, "--fleet", exampleFleet, "--now", "yesterday"}, ExitUsage, "write it like 2026-03-10T02:00:00+01:00"},
		{"invalid policy", []string{"plan", "--policy", "../policy/testdata/bad/several.yaml", "--fleet", exampleFleet}, ExitFailure, "several.yaml:4:18: kubernetes.minorUpgrades"},
		{"missing fleet", []string{"plan", "--policy", examplePolicy, "--fleet", "nope.yaml"}, ExitFailure, "nope.yaml"},
		{"bad fleet", []string{"plan", "--policy", examplePolicy, "--fleet", "testdata/fleet-unknown-key.yaml"}, ExitFailure, "fleet-unknown-key.yaml:3:5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tc.code, tc.want)
			}
		})
	}
}

func TestPolicyCheck(t *testing.T) {
	code, out, _ := run(t, "policy", "check", examplePolicy)
	if code != ExitOK || !strings.Contains(out, "valid, 4 stages (sandbox → dev → test → prod)") {
		t.Errorf("valid policy: exit %d, %q", code, out)
	}
	// notifications: notify's kinds and templates are checked too.
	for _, name := range []string{"several", "notifications"} {
		bad := "../policy/testdata/bad/" + name + ".yaml"
		code, _, errOut := run(t, "policy", "check", examplePolicy, bad)
		if code != ExitFailure {
			t.Errorf("invalid policy %s: exit %d, want 1", name, code)
		}
		want, err := os.ReadFile("../policy/testdata/bad/" + name + ".err")
		if err != nil {
			t.Fatal(err)
		}
		// The golden names the file relative to the policy package.
		wantLines := strings.ReplaceAll(string(want), "testdata/bad/"+name+".yaml", bad)
		if d := cmp.Diff(wantLines, errOut); d != "" {
			t.Errorf("errors of %s, one FILE:LINE:COL per line (-want +got):\n%s", name, d)
		}
	}
}

func TestPolicySchema(t *testing.T) {
	code, out, _ := run(t, "policy", "schema")
	var v map[string]any
	if code != ExitOK || json.Unmarshal([]byte(out), &v) != nil || v["$schema"] == nil {
		t.Errorf("schema: exit %d, not a JSON Schema: %.200s", code, out)
	}
}

func TestWindowNext(t *testing.T) {
	code, out, errOut := run(t, "window", "next", "--window", "testdata/window.yaml", "--after", "2026-03-03T03:00:00Z", "--count", "3", "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	// Tuesdays 02:00 Europe/Oslo for 4h; the window open at --after comes
	// first; 2026-03-10 is not allowed; DST starts 2026-03-29.
	want := []map[string]string{
		{"start": "2026-03-03T02:00:00+01:00", "end": "2026-03-03T06:00:00+01:00"},
		{"start": "2026-03-17T02:00:00+01:00", "end": "2026-03-17T06:00:00+01:00"},
		{"start": "2026-03-24T02:00:00+01:00", "end": "2026-03-24T06:00:00+01:00"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("occurrences (-want +got):\n%s", d)
	}
	// For people: in the window's zone, its length in hours and minutes.
	code, out, errOut = run(t, "window", "next", "--window", "testdata/window.yaml", "--after", "2026-03-03T03:00:00Z", "--count", "1")
	if want := "Tue 3 Mar 2026 02:00 CET  →  Tue 3 Mar 2026 06:00 CET  (4h 00m)\n"; code != ExitOK || out != want {
		t.Errorf("window next: exit %d, %q %q; want %q", code, out, errOut, want)
	}
	code, _, errOut = run(t, "window", "next", "--window", "testdata/window-bad.yaml")
	if code != ExitFailure || !strings.Contains(errOut, "testdata/window-bad.yaml:3:16: durationHours: found 2, allowed 4 to 24") {
		t.Errorf("bad window: exit %d, %q", code, errOut)
	}
}

func TestVersions(t *testing.T) {
	code, out, errOut := run(t, "versions", "--catalog", "../version/testdata/eastus-2025-02-01.json", "--now", "2026-03-10T00:00:00Z")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "versions-eastus.txt", out)
}

func TestNotifyTest(t *testing.T) {
	pol := filepath.Join(t.TempDir(), "p.yaml")
	doc := "apiVersion: aksupgrade/v1\nstages: [{name: prod, selector: {tags: {e: p}}, window: {fromCluster: true}}]\n" +
		"notifications:\n  receivers:\n    - {name: term, console: {}}\n    - {name: chat, slack: {urlEnv: AKSUPGRADE_TEST_UNSET_SLACK_URL}}\n"
	if err := os.WriteFile(pol, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "notify", "test", "--policy", pol, "--receiver", "term")
	if code != ExitOK || !strings.Contains(out, "Test message from aksupgrade: this receiver works") || !strings.Contains(out, "Sent a test message to term") {
		t.Errorf("console test: exit %d, %q %q", code, out, errOut)
	}
	code, _, errOut = run(t, "notify", "test", "--policy", pol, "--receiver", "chat")
	if code != ExitFailure || !strings.Contains(errOut, "environment variable AKSUPGRADE_TEST_UNSET_SLACK_URL, which is not set") {
		t.Errorf("unset secret: exit %d, %q", code, errOut)
	}
	code, _, errOut = run(t, "notify", "test", "--policy", pol, "--receiver", "pager")
	if code != ExitFailure || !strings.Contains(errOut, `no receiver "pager"`) || !strings.Contains(errOut, "chat, term") {
		t.Errorf("unknown receiver: exit %d, %q", code, errOut)
	}
}

// TestSimulatorServeStops: Ctrl-C ends simulator serve while it is still
// trying to subscribe its webhook, and everything it started.
func TestSimulatorServeStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel() // Ctrl-C while the service refuses the handshake
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(hook.Close)
	var out, errOut bytes.Buffer
	code := Run(ctx, []string{"simulator", "serve", "--scenario", "../../examples/scenario.yaml", "--listen", "127.0.0.1:0",
		"--event-webhook", hook.URL + "/webhooks/eventgrid"}, &out, &errOut)
	if code != 0 {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
	if strings.Contains(out.String(), "Delivering events") {
		t.Errorf("subscribed the webhook: %s", out.String())
	}
}
