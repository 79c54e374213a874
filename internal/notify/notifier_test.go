package notify_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// notifierPolicy has two stages and one receiver, hook; routes follow.
const notifierPolicy = `apiVersion: aksupgrade/v1
stages:
  - {name: dev, selector: {tags: {environment: dev}}, window: {fromCluster: true}}
  - {name: prod, selector: {tags: {environment: prod}}, window: {fromCluster: true}}
notifications:
  receivers: [{name: hook, console: {}}]
  routes:
`

// newNotifier builds a notifier over s with notifierPolicy and routes
// (YAML list items), delivering to rs.
func newNotifier(t testing.TB, s store.Store, clk aksupgrade.Clock, routes string, rs ...notify.Receiver) *notify.Notifier {
	t.Helper()
	pol, err := policy.Parse("notifier.yaml", []byte(notifierPolicy+routes), notify.Vocabulary())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]notify.Receiver{}
	for _, r := range rs {
		byName[r.Name()] = r
	}
	n, err := notify.New(notify.Options{Store: s, Policy: pol, Receivers: byName, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	return n
}

// stageEvent is an event of the engine about target 1.31.4 in stage.
func stageEvent(t testing.TB, typ aksupgrade.EventType, stage string, at time.Time) store.Event {
	t.Helper()
	data, err := json.Marshal(aksupgrade.StageEvent{Stage: stage, Target: aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.4"},
		Reason: "minor upgrades need approval in " + stage})
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("%s/%s/1.31.4", typ, stage)
	return store.Event{Key: store.EventKey{Source: "aksupgrade/engine", ID: id}, Type: typ, Time: at, ReceivedAt: at, Data: data}
}

func put(t testing.TB, s store.Store, es ...store.Event) {
	t.Helper()
	for _, e := range es {
		if _, err := s.PutEvent(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// notifyOnce is one round of a notifier stepped by hand.
func notifyOnce(t testing.TB, n *notify.Notifier) {
	t.Helper()
	if err := n.Step(t.Context()); err != nil {
		t.Fatalf("Step: %v", err)
	}
	if _, _, err := n.DeliverDue(t.Context()); err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
}

// kinds are the kinds of the messages r got, from their keys.
func kinds(r *recorder) []string {
	calls, _ := r.got()
	var out []string
	for _, k := range calls {
		kind, _, _ := strings.Cut(k, ":")
		out = append(out, kind)
	}
	return out
}

// TestNotifierRestart: a restarted notifier does not tell again what it
// told before, however its router groups the old events now; what waited
// in a group when it stopped is told; what is new is told.
func TestNotifierRestart(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	clk := clock.NewManual(t0)
	hook := newRecorder("hook")
	before := newNotifier(t, s, clk, "    - {receiver: hook, groupBy: [stage], groupWait: 10m}\n", hook)
	put(t, s, stageEvent(t, aksupgrade.EventStageStarted, "dev", t0), stageEvent(t, aksupgrade.EventStageReached, "dev", t0))
	notifyOnce(t, before)
	clk.Advance(10 * time.Minute)
	notifyOnce(t, before) // the group of two is told
	put(t, s, stageEvent(t, aksupgrade.EventStageProven, "dev", clk.Now()))
	notifyOnce(t, before) // the proof waits in a group when the process stops
	if diff := cmp.Diff([]string{notify.KindGroup}, kinds(hook)); diff != "" {
		t.Fatalf("before the restart (-want +got):\n%s", diff)
	}

	clk.Advance(time.Hour)
	after := newNotifier(t, s, clk, "    - {receiver: hook, groupBy: [kind], groupWait: 0s}\n", hook)
	notifyOnce(t, after)
	put(t, s, stageEvent(t, aksupgrade.EventStageStarted, "prod", clk.Now()))
	notifyOnce(t, after)
	want := []string{notify.KindGroup, notify.KindStageProven, notify.KindStageStarted}
	if diff := cmp.Diff(want, kinds(hook)); diff != "" {
		t.Errorf("told (-want +got):\n%s", diff)
	}
}

// TestNotifierFlood: a message is told however many events arrive around
// it before the notifier looks (here 1,200 that tell nothing), across
// pages of the store's events.
func TestNotifierFlood(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	clk := clock.NewManual(t0)
	hook := newRecorder("hook")
	n := newNotifier(t, s, clk, "    - {receiver: hook}\n", hook)
	notifyOnce(t, n)
	for i := range 1200 {
		if i == 100 {
			put(t, s, stageEvent(t, aksupgrade.EventApprovalNeeded, "prod", t0))
		}
		put(t, s, store.Event{Key: store.EventKey{Source: "test", ID: fmt.Sprint(i)}, Type: aksupgrade.EventStepRunning, Time: t0, ReceivedAt: t0, Data: []byte(`{}`)})
	}
	notifyOnce(t, n)
	clk.Advance(15 * time.Minute) // past the group's wait
	notifyOnce(t, n)
	if diff := cmp.Diff([]string{notify.KindApprovalNeeded}, kinds(hook)); diff != "" {
		t.Errorf("told (-want +got):\n%s", diff)
	}
}

// TestNotifierStartStop: a started notifier steps at once and on Wake,
// its dispatcher delivers what it queues, and Stop, called again or
// before Start, returns.
func TestNotifierStartStop(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	hook := newHook()
	n := newNotifier(t, s, clock.NewManual(t0), "    - {receiver: hook, groupWait: 0s}\n", hook)
	n.Stop() // before Start: nothing to stop
	put(t, s, stageEvent(t, aksupgrade.EventStageStarted, "dev", t0))
	n.Start(t.Context())
	n.Start(t.Context()) // running: nothing more
	if k := <-hook.sent; !strings.HasPrefix(k, notify.KindRolloutStarted+":") {
		t.Errorf("first message %s", k)
	}
	put(t, s, stageEvent(t, aksupgrade.EventApprovalNeeded, "prod", t0))
	n.Wake()
	if k := <-hook.sent; !strings.HasPrefix(k, notify.KindApprovalNeeded+":") {
		t.Errorf("after Wake: %s", k)
	}
	n.Stop()
	n.Stop()
	if diff := cmp.Diff([]string{notify.KindRolloutStarted, notify.KindApprovalNeeded}, kinds(hook)); diff != "" {
		t.Errorf("told (-want +got):\n%s", diff)
	}
}

// TestNewChecksThePolicy: routes and templates the policy package took as
// written (parsed without notify.Vocabulary) are refused here.
func TestNewChecksThePolicy(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "aksupgrade.db"))
	for _, tt := range []struct{ name, extra, want string }{
		{"kind", "    - {receiver: hook, match: {kinds: [stageBroken]}}\n", `notification routes: route 1: route to hook: unknown kind "stageBroken"`},
		{"template", "    - {receiver: hook}\n  templates: {stageHalted: '{{.Nope}}'}\n", "notification templates: template for stageHalted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pol, err := policy.Parse("notifier.yaml", []byte(notifierPolicy+tt.extra))
			if err != nil {
				t.Fatal(err)
			}
			_, err = notify.New(notify.Options{Store: s, Policy: pol, Clock: clock.NewManual(t0)})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("New: %v, want %s...", err, tt.want)
			}
		})
	}
}

// BenchmarkNotifierCatchUp: the first step of a (re)started notifier over
// a store holding a busy fortnight: 20,000 events, one in ten told
// (support news, grouped per stage), the rest engine steps.
func BenchmarkNotifierCatchUp(b *testing.B) {
	s := openStore(b, filepath.Join(b.TempDir(), "state.db"))
	for i := range 20000 {
		at := t0.Add(time.Duration(i) * time.Minute / 2)
		e := store.Event{Key: store.EventKey{Source: "aksupgrade/engine", ID: fmt.Sprint(i)}, Type: aksupgrade.EventStepRunning, Time: at, ReceivedAt: at, Data: []byte(`{}`)}
		if i%10 == 0 {
			data, err := json.Marshal(aksupgrade.SupportNews{Cluster: fmt.Sprintf("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c%d", i),
				Name: fmt.Sprintf("c%d", i), Version: "1.31.4", Stage: "prod", Target: "1.32.3", Reason: "waiting"})
			if err != nil {
				b.Fatal(err)
			}
			e.Type, e.Data = aksupgrade.EventSupportEnding, data
		}
		put(b, s, e)
	}
	clk := clock.NewManual(t0.Add(10000 * time.Minute))
	hook := newRecorder("hook")
	b.ResetTimer()
	for range b.N {
		n := newNotifier(b, s, clk, "    - {receiver: hook, groupBy: [kind, stage], groupWait: 10m}\n", hook)
		if err := n.Step(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}
