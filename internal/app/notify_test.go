package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/notify"
)

// recorder is a receiver that keeps what it is sent.
type recorder struct {
	mu  sync.Mutex
	got []notify.Message
}

func (r *recorder) Name() string { return "terminal" }

func (r *recorder) Send(_ context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, m)
	return nil
}

// TestNotificationsFlow: what the engine does becomes messages, routed as
// the policy says (the demo's: stage-level kinds, grouped, to one
// receiver), each delivered once.
func TestNotificationsFlow(t *testing.T) {
	rec := &recorder{}
	env := apptest.Start(t, func(o *app.Options) { o.Receivers = map[string]notify.Receiver{"terminal": rec} })
	ctx := context.Background()
	for range 8 { // eight hours: 1.31.5 starts in sandbox and dev
		env.Run(t, time.Hour)
		if _, err := env.App.Notify(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var summaries []string
	for _, m := range rec.got {
		summaries = append(summaries, m.Summary)
	}
	all := strings.Join(summaries, "\n")
	if !strings.Contains(all, "Rollout of 1.31.5 started in sandbox") {
		t.Errorf("no rollout-started message; got:\n%s", all)
	}
	code, body := call(t, "GET", env.API.URL+"/api/v1/notifications", "")
	if code != 200 || !strings.Contains(body, `"terminal"`) || !strings.Contains(body, `"sent": `) {
		t.Errorf("notifications API %d: %.400s", code, body)
	}
	seen := map[string]bool{}
	for _, m := range rec.got {
		if seen[m.Key] {
			t.Errorf("message %s delivered twice", m.Key)
		}
		seen[m.Key] = true
		if m.Kind == "stageReached" || m.Kind == "stageProven" {
			t.Errorf("message of kind %s, which the route does not match", m.Kind)
		}
	}
}
