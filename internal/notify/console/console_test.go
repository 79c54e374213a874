package console_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/notify/console"
)

func TestSend(t *testing.T) {
	var out strings.Builder
	r, err := console.New("demo", console.Config{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	msgs := []notify.Message{
		{
			Kind:     "approvalNeeded",
			Severity: notify.SeverityWarning,
			Summary:  `Stage "prod" waits for approval`,
			Details:  []string{"3 clusters to 1.30.4", "Approve with: aksupgrade approve r1 prod"},
			Link:     "https://aksupgrade.example/rollouts/r1",
			Stage:    "prod",
			Target:   "1.30.4",
			Time:     time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
		},
		{Severity: notify.SeverityInfo, Summary: "Kubernetes 1.31 is available"},
		{
			Severity: notify.SeverityCritical,
			Summary:  "Cluster aks-prod-2 failed\nFAKE line",
			Details:  []string{"node pool \x1b[31mupgrade\x1b[0m failed"},
			Cluster:  "aks-prod-2",
		},
	}
	for _, m := range msgs {
		if err := r.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	want := `[WARN ] Stage "prod" waits for approval
        3 clusters to 1.30.4
        Approve with: aksupgrade approve r1 prod
        stage prod · target 1.30.4 · 2025-03-04 05:06 UTC
        https://aksupgrade.example/rollouts/r1
[INFO ] Kubernetes 1.31 is available
[CRIT ] Cluster aks-prod-2 failed FAKE line
        node pool [31mupgrade[0m failed
        cluster aks-prod-2
`
	if d := cmp.Diff(want, out.String()); d != "" {
		t.Errorf("output (-want +got):\n%s", d)
	}
	if r.Name() != "demo" {
		t.Errorf("Name = %q", r.Name())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestSendWriteError(t *testing.T) {
	r, err := console.New("demo", console.Config{Out: failingWriter{}})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Send(context.Background(), notify.Message{Summary: "x"})
	var se *notify.SendError
	if !errors.As(err, &se) || se.Retryable {
		t.Errorf("err = %v, want a non-retryable *notify.SendError", err)
	}
}

func TestNewWithoutOutput(t *testing.T) {
	if _, err := console.New("demo", console.Config{}); err == nil {
		t.Error("New accepted a nil Out")
	}
}
