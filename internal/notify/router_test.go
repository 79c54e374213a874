package notify

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// out is what a test checks of an outbox entry.
type out struct {
	Receiver, Key, Kind, Summary string
	Severity                     Severity
	Due                          time.Duration // after t0
	Details                      int
}

func outs(t *testing.T, r *Router, now time.Time) []out {
	t.Helper()
	var got []out
	for _, o := range r.Flush(now) {
		m, err := DecodeMessage(o)
		if err != nil {
			t.Fatal(err)
		}
		if o.Key != m.Key || !o.CreatedAt.Equal(now) {
			t.Errorf("entry key %q for message key %q, created %v at %v", o.Key, m.Key, o.CreatedAt, now)
		}
		got = append(got, out{o.Receiver, o.Key, m.Kind, m.Summary, m.Severity, o.DueAt.Sub(t0), len(m.Details)})
	}
	return got
}

func msg(kind, stage, key string) Message {
	sev := SeverityInfo
	switch kind {
	case KindStageHalted:
		sev = SeverityCritical
	case KindApprovalNeeded:
		sev = SeverityWarning
	}
	return Message{Key: key, Kind: kind, Severity: sev, Stage: stage, Target: "1.31.4", Summary: kind + " " + stage, Details: []string{"d"}, Time: t0}
}

// step is one call of a router test: Add the messages at At, then Flush
// at At and expect Want.
type step struct {
	At   time.Duration
	Add  []Message
	Want []out
}

func TestRouter(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	const min, hour = time.Minute, time.Hour
	for _, tc := range []struct {
		name   string
		routes []Route
		steps  []step
	}{
		{
			name: "first match wins, Continue goes on",
			routes: []Route{
				{Receiver: "pager", Match: Match{Severities: []Severity{SeverityCritical}}, Continue: true, GroupBy: []string{GroupByNothing}},
				{Receiver: "slack", Match: Match{Stages: []string{"prod"}}, GroupBy: []string{GroupByNothing}},
				{Receiver: "email", GroupBy: []string{GroupByNothing}},
			},
			steps: []step{{At: 0, Add: []Message{msg(KindStageHalted, "prod", "h"), msg(KindStageProven, "dev", "p")}, Want: []out{
				{"pager", "h", KindStageHalted, "stageHalted prod", SeverityCritical, 0, 1},
				{"slack", "h", KindStageHalted, "stageHalted prod", SeverityCritical, 0, 1},
				{"email", "p", KindStageProven, "stageProven dev", SeverityInfo, 0, 1},
			}}},
		},
		{
			name:   "a group within GroupWait is one message",
			routes: []Route{{Receiver: "slack", GroupBy: []string{LabelStage}, GroupWait: 30 * time.Second}},
			steps: []step{
				{At: 0, Add: []Message{msg(KindStageStarted, "test", "a")}},
				{At: 10 * time.Second, Add: []Message{msg(KindStageReached, "test", "b"), msg(KindStageStarted, "prod", "x")}},
				{At: 20 * time.Second, Add: []Message{msg(KindStageHalted, "test", "c")}},
				{At: 30 * time.Second, Want: []out{{"slack", "group:ea7fb08b7a2dc4619ffb7c7b", KindGroup,
					"3 updates for stage test, 1.31.4: stageStarted test; stageReached test; stageHalted test", SeverityCritical, 30 * time.Second, 6}}},
				{At: 40 * time.Second, Want: []out{{"slack", "x", KindStageStarted, "stageStarted prod", SeverityInfo, 40 * time.Second, 1}}},
				{At: time.Hour},
			},
		},
		{
			name:   "a key reaches a receiver once",
			routes: []Route{{Receiver: "slack", Continue: true}, {Receiver: "slack", Continue: true}, {Receiver: "email"}},
			steps: []step{
				{At: 0, Add: []Message{msg(KindStageProven, "dev", "k"), msg(KindStageProven, "dev", "k")}, Want: []out{
					{"slack", "k", KindStageProven, "stageProven dev", SeverityInfo, 0, 1},
					{"email", "k", KindStageProven, "stageProven dev", SeverityInfo, 0, 1},
				}},
				{At: time.Hour, Add: []Message{msg(KindStageProven, "dev", "k")}},
			},
		},
		{
			name: "mute times delay, never drop",
			routes: []Route{{Receiver: "slack", GroupBy: []string{GroupByNothing}, MuteTimes: []MuteTime{
				{Start: "22:00", End: "07:00", Location: berlin}, // t0 is 10:30 in Berlin
				{Weekdays: []time.Weekday{time.Saturday, time.Sunday}, Location: berlin},
			}}},
			steps: []step{
				{At: 0, Add: []Message{msg(KindStageProven, "dev", "a")}, Want: []out{{"slack", "a", KindStageProven, "stageProven dev", SeverityInfo, 0, 1}}},
				// Monday 23:30 in Berlin: due Tuesday 07:00 (06:00 UTC).
				{At: 13 * hour, Add: []Message{msg(KindStageProven, "test", "b")}, Want: []out{{"slack", "b", KindStageProven, "stageProven test", SeverityInfo, 20*hour + 30*min, 1}}},
				// Friday 23:30: the night runs into the weekend, due Monday 07:00.
				{At: 4*24*hour + 13*hour, Add: []Message{msg(KindStageProven, "prod", "c")}, Want: []out{{"slack", "c", KindStageProven, "stageProven prod", SeverityInfo, 6*24*hour + 20*hour + 30*min, 1}}},
			},
		},
		{
			name:   "reminders until resolved",
			routes: []Route{{Receiver: "slack", GroupBy: []string{GroupByNothing}, RepeatInterval: 4 * hour}},
			steps: []step{
				{At: 0, Add: []Message{msg(KindStageHalted, "test", "h"), msg(KindApprovalNeeded, "prod", "ap"), msg(KindStageProven, "dev", "p")}, Want: []out{
					{"slack", "ap", KindApprovalNeeded, "approvalNeeded prod", SeverityWarning, 0, 1},
					{"slack", "h", KindStageHalted, "stageHalted test", SeverityCritical, 0, 1},
					{"slack", "p", KindStageProven, "stageProven dev", SeverityInfo, 0, 1},
				}},
				{At: 3 * hour},
				{At: 4 * hour, Want: []out{
					{"slack", "ap/reminder/1", KindApprovalNeeded, "Reminder: approvalNeeded prod", SeverityWarning, 4 * hour, 2},
					{"slack", "h/reminder/1", KindStageHalted, "Reminder: stageHalted test", SeverityCritical, 4 * hour, 2},
				}},
				{At: 5 * hour, Add: []Message{{Key: "ok", Kind: KindApproved, Stage: "prod", Target: "1.31.4", Summary: "approved"}}, Want: []out{
					{"slack", "ok", KindApproved, "approved", "", 5 * hour, 0},
				}},
				{At: 8 * hour, Want: []out{{"slack", "h/reminder/2", KindStageHalted, "Reminder: stageHalted test", SeverityCritical, 8 * hour, 2}}},
				// A retry of another stage resolves nothing; of test, the halt.
				{At: 9 * hour, Add: []Message{{Key: "r1", Kind: KindRetried, Stage: "dev", Summary: "retried dev"}}, Want: []out{
					{"slack", "r1", KindRetried, "retried dev", "", 9 * hour, 0}}},
				{At: 10 * hour, Add: []Message{{Key: "r2", Kind: KindRetried, Stage: "test", Summary: "retried test"}}, Want: []out{
					{"slack", "r2", KindRetried, "retried test", "", 10 * hour, 0}}},
				{At: 100 * hour},
			},
		},
		{
			name: "resolved while in its group: no reminder",
			routes: []Route{
				{Receiver: "slack", Match: Match{Kinds: []string{KindStageHalted}}, GroupWait: hour, RepeatInterval: hour},
			},
			steps: []step{
				{At: 0, Add: []Message{msg(KindStageHalted, "test", "h")}},
				{At: 30 * min, Add: []Message{msg(KindStageProven, "test", "p")}}, // not routed, still resolves
				{At: hour, Want: []out{{"slack", "h", KindStageHalted, "stageHalted test", SeverityCritical, hour, 1}}},
				{At: 10 * hour},
			},
		},
		{
			name:   "reminders respect mute times",
			routes: []Route{{Receiver: "slack", RepeatInterval: 4 * hour, MuteTimes: []MuteTime{{Start: "12:00", End: "14:00"}}}},
			steps: []step{
				{At: 0, Add: []Message{msg(KindStageHalted, "test", "h")}, Want: []out{{"slack", "h", KindStageHalted, "stageHalted test", SeverityCritical, 0, 1}}},
				// 13:30 UTC is muted until 14:00; the next reminder is 4h after that.
				{At: 4 * hour, Want: []out{{"slack", "h/reminder/1", KindStageHalted, "Reminder: stageHalted test", SeverityCritical, 4*hour + 30*min, 2}}},
				{At: 8 * hour},
				{At: 8*hour + 30*min, Want: []out{{"slack", "h/reminder/2", KindStageHalted, "Reminder: stageHalted test", SeverityCritical, 8*hour + 30*min, 2}}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRouter(tc.routes)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.steps {
				now := t0.Add(s.At)
				for _, m := range s.Add {
					r.Add(now, m)
				}
				if diff := cmp.Diff(s.Want, outs(t, r, now)); diff != "" {
					t.Errorf("at +%v (-want +got):\n%s", s.At, diff)
				}
			}
		})
	}
}

func TestRouterNext(t *testing.T) {
	r, err := NewRouter([]Route{{Receiver: "slack", GroupWait: time.Minute, RepeatInterval: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Next(); ok || !r.Idle() {
		t.Errorf("empty router: Next ok, or not Idle")
	}
	r.Add(t0, msg(KindStageHalted, "test", "h"))
	if next, ok := r.Next(); !ok || !next.Equal(t0.Add(time.Minute)) || r.Idle() {
		t.Errorf("Next = %v, %v; Idle %v", next, ok, r.Idle())
	}
	r.Flush(t0.Add(time.Minute))
	if next, ok := r.Next(); !ok || !next.Equal(t0.Add(time.Minute+time.Hour)) || !r.Idle() {
		t.Errorf("after flush: Next = %v, %v; Idle %v", next, ok, r.Idle())
	}
}

func TestRouteValidate(t *testing.T) {
	for _, bad := range []Route{
		{},
		{Receiver: "r", GroupBy: []string{"region"}},
		{Receiver: "r", GroupWait: -1},
		{Receiver: "r", Match: Match{Kinds: []string{"nope"}}},
		{Receiver: "r", Match: Match{Severities: []Severity{"loud"}}},
		{Receiver: "r", MuteTimes: []MuteTime{{Start: "7:00"}}},
		{Receiver: "r", MuteTimes: []MuteTime{{Start: "24:00"}}},
		{Receiver: "r", MuteTimes: []MuteTime{{End: "12:60"}}},
	} {
		if _, err := NewRouter([]Route{bad}); err == nil {
			t.Errorf("NewRouter(%+v) = nil error", bad)
		}
	}
}

func TestMatchClusters(t *testing.T) {
	m := Message{Cluster: prodID}
	for _, c := range []string{"aks-prod-01", "AKS-PROD-01", prodID + "/", "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/aks-prod-01"} {
		if !(Match{Clusters: []string{c}}).Matches(m) {
			t.Errorf("%q does not match %s", c, prodID)
		}
	}
	if (Match{Clusters: []string{"aks-prod"}}).Matches(m) || (Match{Clusters: []string{"aks-prod-01"}}).Matches(Message{}) {
		t.Errorf("a name matches by substring, or a message without cluster")
	}
}

// TestRouterRestore: a router restored from the outbox after a restart
// drops what was told, however it groups now, and reminds on from the
// last reminder sent.
func TestRouterRestore(t *testing.T) {
	const hour = time.Hour
	routes := []Route{{Receiver: "ops", GroupBy: []string{"stage"}, GroupWait: 5 * time.Minute, RepeatInterval: 4 * hour}}
	approval := msg(KindApprovalNeeded, "prod", "a")
	p1, p2 := msg(KindStageProven, "dev", "p1"), msg(KindStageProven, "dev", "p2")

	before, err := NewRouter(routes)
	if err != nil {
		t.Fatal(err)
	}
	before.Add(t0, approval)
	before.Add(t0, p1)
	outbox := before.Flush(t0.Add(5 * time.Minute)) // approval; p1 alone
	before.Add(t0.Add(hour), p2)
	outbox = append(outbox, before.Flush(t0.Add(hour+5*time.Minute))...)   // p2 alone
	outbox = append(outbox, before.Flush(t0.Add(4*hour+5*time.Minute))...) // approval, reminder 1
	if len(outbox) != 4 {
		t.Fatalf("before the restart: %d entries, want 4", len(outbox))
	}

	after, err := NewRouter(routes)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outbox {
		m, err := DecodeMessage(o)
		if err != nil {
			t.Fatal(err)
		}
		after.Restore(o.Receiver, m, o.DueAt)
	}
	// The events are read again: p1 and p2 now fall in one group, which
	// was never sent as such; nothing of it is told again.
	now := t0.Add(5 * hour)
	for _, m := range []Message{approval, p1, p2} {
		after.Add(now, m)
	}
	if got := outs(t, after, now.Add(10*time.Minute)); len(got) != 0 {
		t.Errorf("told again after the restart: %+v", got)
	}
	// The approval still waits: reminder 2, 4h after reminder 1.
	if got := outs(t, after, t0.Add(8*hour)); len(got) != 0 {
		t.Errorf("reminded early: %+v", got)
	}
	got := outs(t, after, t0.Add(8*hour+5*time.Minute))
	if len(got) != 1 || got[0].Key != "a/reminder/2" {
		t.Errorf("after the restart, reminders %+v, want a/reminder/2", got)
	}
	// Approved: no more reminders.
	after.Add(t0.Add(9*hour), Message{Key: "ok", Kind: KindApproved, Stage: "prod", Target: "1.31.4", Summary: "approved", Time: t0})
	for _, o := range outs(t, after, t0.Add(20*hour)) {
		if o.Kind == KindApprovalNeeded {
			t.Errorf("reminded after the approval: %+v", o)
		}
	}
}
