package dashboard_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/apptest"
)

// get fetches a page of the running app and returns its body; it fails
// the test unless the answer has status want.
func get(t *testing.T, c *http.Client, u string, want int) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d:\n%s", u, resp.StatusCode, want, b)
	}
	return string(b)
}

// TestPagesRenderTheFleet renders every page of the demo's world once the
// engine has planned and a patch is rolling: each shows what it is for.
func TestPagesRenderTheFleet(t *testing.T) {
	env := apptest.Start(t)
	env.Run(t, 30*time.Hour)
	c := env.API.Client()
	fleet := get(t, c, env.API.URL+"/", http.StatusOK)
	// 30 hours in, dev has halted: its probe fails after the upgrade.
	for _, want := range []string{"sandbox", "prod", "prod-weu-01", "Kubernetes", "Node image", "Support", "up to date", "<table",
		"<b>Halted.</b> postflight gates failed on dev-", "halted the stage", "days left", "conflict"} {
		if !strings.Contains(fleet, want) {
			t.Errorf("the fleet page lacks %q", want)
		}
	}
	tl := get(t, c, env.API.URL+"/timeline", http.StatusOK)
	if !strings.Contains(tl, "<svg") || !strings.Contains(tl, "window open") {
		t.Errorf("the timeline page has no chart:\n%s", tl)
	}
	svg := get(t, c, env.API.URL+"/timeline.svg", http.StatusOK)
	checkXML(t, svg)
	for _, want := range []string{`class="window"`, `class="bar rolling"`, `class="bar halted"`, `class="proven"`, ">1.31.5<", ">prod<", `class="now"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("the timeline lacks %s", want)
		}
	}
	ro := get(t, c, env.API.URL+"/rollouts", http.StatusOK)
	if !strings.Contains(ro, "/rollouts/") {
		t.Errorf("the rollouts page lists no rollout:\n%s", ro)
	}
	if ap := get(t, c, env.API.URL+"/approvals", http.StatusOK); !strings.Contains(ap, `action="/stages/dev/retry"`) {
		t.Errorf("the approvals page offers no retry of the halted dev:\n%s", ap)
	}
	get(t, c, env.API.URL+"/events", http.StatusOK)
	get(t, c, env.API.URL+"/rollouts/"+url.PathEscape("9.9.9"), http.StatusNotFound)
	get(t, c, env.API.URL+"/static/style.css", http.StatusOK)
}

// checkXML fails unless s is well-formed XML.
func checkXML(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, s)
		}
	}
}
