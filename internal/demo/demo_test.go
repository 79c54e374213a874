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
// the minor proven in every stage, dev's probe halt told and retried, the
// test cluster kept from the minor by its preflight gates and fixed, the
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
		// dev-weu-01's front end stops answering after its upgrade: its
		// probe halts dev, the demo repairs it and retries.
		"Stage dev HALTED: postflight gates failed on dev-weu-01 after its upgrade to 1.31.5: probe shop-web",
		"The demo repairs the shop's front end on dev-weu-01",
		"dev retried by demo",
		// test-weu-01 uses an API 1.32 removes: it waits, untouched.
		"test-weu-01 WAITS, untouched, for 1.32.3: waiting for preflight gates: deprecatedAPIs",
		"UpgradeBlockedOnDeprecatedAPIUsage",
		"The demo moves the client on test-weu-01 off flowcontrol.apiserver.k8s.io/v1beta3 flowschemas",
		"APPROVAL NEEDED: awaiting approval for minor upgrade 1.31 → 1.32 (1.32.3) in prod",
		"1.32.3 approved for prod by demo",
		"1.32.3 proven in prod",
		// sbx-weu-02 is out of support: one whole-cluster upgrade takes
		// it back, into 1.30.
		"sbx-weu-02 in sandbox towards 1.30.10: done: verified: 1.30.10 on the control plane and every pool",
		// prod-neu-03 has AKS's patch channel on: a conflict, left alone.
		"CONFLICT prod-neu-03: AKS auto-upgrade channel is \"patch\"",
		"✉ [INFO ] Rollout of 1.31.5 started in sandbox",    // a notification, as the console receiver prints it
		"✉ [WARN ] 1.32.3 waits for approval to enter prod", // the approval-needed notification
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the story does not tell %q:\n%s", want, text)
		}
	}
	// The halt in dev keeps 1.31.5 from test until the retry.
	halt, retry, test := strings.Index(text, "Stage dev HALTED"), strings.Index(text, "dev retried by demo"), strings.Index(text, "1.31.5 started in test")
	if halt < 0 || retry < halt || test < retry {
		t.Errorf("1.31.5 started in test at offset %d, dev halted at %d and was retried at %d: want test after the retry", test, halt, retry)
	}
	if s.Throttled != 0 {
		t.Errorf("%d requests throttled", s.Throttled)
	}
	if len(s.Projections) == 0 {
		t.Error("no projection compared with the outcome")
	}
}
