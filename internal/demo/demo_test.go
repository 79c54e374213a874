package demo

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDemoStory plays the demo fast and checks its story: the patch and
// the minor proven in every stage, the halt told and retried, the
// approval asked and given, no request throttled. It runs on real time
// (a scaled clock), so it is skipped in -short runs.
func TestDemoStory(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the demo on a scaled real-time clock")
	}
	var out bytes.Buffer
	s, err := Run(context.Background(), Options{Speed: 15000, Out: &out, Pause: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, st := range []string{"sandbox", "dev", "test", "prod"} {
		for _, v := range []string{"1.31.5", "1.32.3"} {
			if !slices.Contains(s.Proven[st], v) {
				t.Errorf("%s not proven in %s: %v", v, st, s.Proven[st])
			}
		}
	}
	text := out.String()
	for _, want := range []string{
		"Stage test HALTED: the upgrade of node pool apps of test-weu-01 to 1.31.5 failed",
		"PodDisruptionBudget",
		"test retried by demo",
		"APPROVAL NEEDED: awaiting approval for minor upgrade 1.31 → 1.32 (1.32.3) in prod",
		"1.32.3 approved for prod by demo",
		"1.32.3 proven in prod",
		"✉ [INFO ] Rollout of 1.31.5 started in sandbox",    // a notification, as the console receiver prints it
		"✉ [WARN ] 1.32.3 waits for approval to enter prod", // the approval-needed notification
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the story does not tell %q:\n%s", want, text)
		}
	}
	if s.Throttled != 0 {
		t.Errorf("%d requests throttled", s.Throttled)
	}
	if len(s.Projections) == 0 {
		t.Error("no projection compared with the outcome")
	}
}
