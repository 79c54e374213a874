package demo

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/clock"
)

// TestTellerStampsNeverGoBack: each line is stamped with the time it is
// told, and never earlier than the line before, even when the clock it
// reads shows an earlier time.
func TestTellerStampsNeverGoBack(t *testing.T) {
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	clk := &settable{now: start}
	var out bytes.Buffer
	tl := &teller{clock: clk, start: start, out: &out}
	for _, step := range []struct {
		at   time.Duration
		line string
	}{
		{47*time.Hour + 10*time.Minute, "Approved 1.32.3 for prod"},
		{47*time.Hour + 9*time.Minute, "1.32.3 approved for prod by demo"},
		{48 * time.Hour, "1.32.3 started in prod"},
	} {
		clk.now = start.Add(step.at)
		tl.tell(step.line)
	}
	want := "[day 1 23:10] Approved 1.32.3 for prod\n" +
		"[day 1 23:10] 1.32.3 approved for prod by demo\n" +
		"[day 2 00:00] 1.32.3 started in prod\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if got := tl.lines(); len(got) != 3 || got[2] != "[day 2 00:00] 1.32.3 started in prod" {
		t.Errorf("recent lines = %q", got)
	}
	tl.stop()
	tl.tell("after the story")
	if strings.Contains(out.String(), "after the story") || len(tl.lines()) != 3 {
		t.Error("a line told after stop was kept")
	}
}

// TestTellerShowsALongErrorOnce: the first line that carries a long
// error shows it whole; later lines that carry it, or a part of it that
// another message quotes, carry its first clause and a pointer back.
func TestTellerShowsALongErrorOnce(t *testing.T) {
	start := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	tl := &teller{clock: clock.NewManual(start), start: start, out: &out}
	drain := "drain of node aks-pool1-12345678-vmss000002 failed: cannot evict pod shop/web-7d9f8c6b5-x2x9z: " +
		"Cannot evict pod as it would violate the pod's disruption budget shop/web-pdb. The disruption budget needs 2 healthy pods and has 2 currently; " +
		"AKS gave up after 30 minutes (UpgradeFailed: Drain node aks-pool1-12345678-vmss000002 failed when evicting pod web-7d9f8c6b5-x2x9z)"
	detail := drain[strings.Index(drain, "cannot evict"):]
	tl.learn(drain)
	tl.learn(drain) // known already: nothing changes
	tl.learn("probe shop-web answered 503")
	tl.tell("prod halted on 1.32.3: prod-weu-01 failed: " + drain)
	tl.tell("» Stage prod HALTED: " + drain + "\n    A person would fix the cause")
	tl.tell("  ✉         What failed: " + detail)
	tl.tell("probe shop-web answered 503; again: probe shop-web answered 503")
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		"[day 0 00:00] prod halted on 1.32.3: prod-weu-01 failed: " + drain,
		"[day 0 00:00] » Stage prod HALTED: drain of node aks-pool1-12345678-vmss000002 failed (in full above)",
		"    A person would fix the cause",
		"[day 0 00:00]   ✉         What failed: cannot evict pod shop/web-7d9f8c6b5-x2x9z (in full above)",
		"[day 0 00:00] probe shop-web answered 503; again: probe shop-web answered 503",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if n := strings.Count(out.String(), "web-pdb"); n != 1 {
		t.Errorf("the drain error is shown in full %d times, want once", n)
	}
}

func TestBrief(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postflight gates failed on dev-weu-01 after its upgrade to 1.31.5: probe shop-web: GET http://127.0.0.1:8090/probe answered 503, want 200",
			"postflight gates failed on dev-weu-01 after its upgrade to 1.31.5 (in full above)"},
		{"requests to APIs that 1.32 removes: flowcontrol.apiserver.k8s.io/v1beta3 flowschemas (removed in 1.32)",
			"requests to APIs that 1.32 removes (in full above)"},
		{"the node pool would not drain because every one of the pods on it is protected by a disruption budget that allows no eviction at all",
			"the node pool would not drain because every one of the pods… (in full above)"},
	} {
		if got := brief(c.in); got != c.want {
			t.Errorf("brief(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// settable is a clock a test sets, backwards too.
type settable struct{ now time.Time }

func (s *settable) Now() time.Time { return s.now }
