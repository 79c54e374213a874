package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/server"
)

// TestListCommandsJSON: with -o json each list command writes what the
// API answers, in the API's own types and field names.
func TestListCommandsJSON(t *testing.T) {
	env, srv, _, asVictor := people(t)
	env.Run(t, 6*time.Hour) // 1.31.5 rolling through sandbox
	secret, err := os.ReadFile(strings.TrimPrefix(asVictor, "--token-file="))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		path string
		// into is the API's type the output decodes into, with no field
		// left over.
		into any
	}{
		{[]string{"status"}, "/api/v1/status", &server.Status{}},
		{[]string{"rollout", "list"}, "/api/v1/rollouts", &[]aksupgrade.Rollout{}},
		{[]string{"rollout", "show", "1.31.5"}, "/api/v1/rollouts/1.31.5", &server.RolloutDetail{}},
		{[]string{"events", "list", "--limit", "20"}, "/api/v1/events?limit=20", &[]server.EventView{}},
	} {
		out := mustRun(t, append(tc.args, "-o", "json", srv, asVictor)...)
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(tc.into); err != nil {
			t.Errorf("%v -o json does not decode into %T: %v", tc.args, tc.into, err)
		}
		req, err := http.NewRequestWithContext(t.Context(), "GET", env.API.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(secret)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		api, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %v", tc.path, resp.Status, err)
		}
		if d := cmp.Diff(decodeAny(t, api), decodeAny(t, []byte(out))); d != "" {
			t.Errorf("%v -o json differs from GET %s (-api +cli):\n%s", tc.args, tc.path, d)
		}
	}
	for _, args := range [][]string{{"rollout", "list"}, {"rollout", "show", "1.31.5"}, {"events", "list"}, {"status"}} {
		if code, _, errOut := run(t, append(args, "-o", "yaml", srv, asVictor)...); code != ExitUsage || !strings.Contains(errOut, `--output "yaml" is not known`) {
			t.Errorf("%v -o yaml: exit %d, %q", args, code, errOut)
		}
	}
}

func TestVersionsJSON(t *testing.T) {
	out := mustRun(t, "versions", "--catalog", "../version/testdata/eastus-2025-02-01.json", "--now", "2026-03-10T00:00:00Z", "-o", "json")
	var v Versions
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	day := func(s string) *time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	want := map[string]MinorVersion{
		"1.33": {Minor: "1.33", Patches: []string{"1.33.0"}, Preview: true, Support: "supported until 2026-07-31", SupportLevel: "supported", SupportUntil: day("2026-07-31"), LTSUntil: day("2027-07-31")},
		"1.31": {Minor: "1.31", Patches: []string{"1.31.3", "1.31.4", "1.31.5"}, Default: true, Support: "OUT OF SUPPORT", SupportLevel: "out of support", LTSUntil: day("2026-11-30")},
		"1.29": {Minor: "1.29", Patches: []string{"1.29.9", "1.29.11", "1.29.12"}, LTSOnly: true, Support: "OUT OF SUPPORT", SupportLevel: "out of support", LTSUntil: day("2026-04-30")},
	}
	var minors []string
	for _, m := range v.Minors {
		minors = append(minors, m.Minor)
		if w, ok := want[m.Minor]; ok {
			if d := cmp.Diff(w, m); d != "" {
				t.Errorf("minor %s (-want +got):\n%s", m.Minor, d)
			}
		}
	}
	if got := strings.Join(minors, " "); got != "1.33 1.32 1.31 1.30 1.29" {
		t.Errorf("minors %s, want newest first", got)
	}
	if !v.AsOf.Equal(*day("2026-03-10")) {
		t.Errorf("asOf %s", v.AsOf)
	}
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, b)
	}
	return v
}
