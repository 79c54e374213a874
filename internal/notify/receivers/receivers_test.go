package receivers

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

func TestBuild(t *testing.T) {
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path+" "+r.Header.Get("X-Audit-Secret"))
	}))
	defer hook.Close()
	doc := `apiVersion: aksupgrade/v1
stages: [{name: prod, selector: {tags: {e: p}}, window: {fromCluster: true}}]
notifications:
  receivers:
    - {name: chat, slack: {urlEnv: SLACK_URL}}
    - {name: audit, webhook: {urlFile: /secrets/audit, headersEnv: {X-Audit-Secret: AUDIT_SECRET}}}
    - {name: term, console: {}}
`
	pol, err := policy.Parse("p.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"SLACK_URL": hook.URL + "/slack", "AUDIT_SECRET": "hunter2"}
	files := map[string]string{"/secrets/audit": hook.URL + "/audit\n"}
	var out bytes.Buffer
	env := Env{
		Getenv: func(k string) string { return vars[k] },
		ReadFile: func(p string) ([]byte, error) {
			if v, ok := files[p]; ok {
				return []byte(v), nil
			}
			return nil, fs.ErrNotExist
		},
		Console: &out,
	}
	rs, problems := Build(pol.Notifications, env)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	m := notify.Message{Key: "k", Kind: "stageHalted", Severity: notify.SeverityCritical, Summary: "Stage test halted", Time: time.Unix(0, 0).UTC()}
	for _, name := range []string{"chat", "audit", "term"} {
		if err := rs[name].Send(context.Background(), m); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if strings.Join(got, ",") != "/slack ,/audit hunter2" {
		t.Errorf("deliveries %v", got)
	}
	if !strings.Contains(out.String(), "Stage test halted") {
		t.Errorf("console wrote %q", out.String())
	}

	delete(vars, "SLACK_URL")
	rs, problems = Build(pol.Notifications, env)
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "receiver chat: the URL is read from environment variable SLACK_URL, which is not set") {
		t.Errorf("missing secret: %v", problems)
	}
	// Its messages wait: every send fails, retryably, saying why.
	if err := rs["chat"].Send(context.Background(), m); !notify.Retryable(err) || !strings.Contains(err.Error(), "SLACK_URL") {
		t.Errorf("send to a receiver without its secret: %v", err)
	}
	vars["SLACK_URL"] = hook.URL + "/slack"
	delete(files, "/secrets/audit")
	if _, problems = Build(pol.Notifications, env); len(problems) != 1 || !errors.Is(problems[0], fs.ErrNotExist) && !strings.Contains(problems[0].Error(), "/secrets/audit") {
		t.Errorf("missing file: %v", problems)
	}
}
