package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade/internal/clock"
)

func TestHandshakeEventGridSchema(t *testing.T) {
	e := newEnv(t, "small.yaml")
	rc := newReceiver(t, nil)
	id := subscribe(t, e, EventSubscription{Name: "aksupgrade", Endpoint: rc.url(), Headers: map[string]string{"X-Aksupgrade-Secret": "s3cret"}})
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want the handshake only", len(reqs))
	}
	r := reqs[0]
	for k, want := range map[string]string{
		"aeg-event-type":        "SubscriptionValidation",
		"aeg-subscription-name": "AKSUPGRADE",
		"aeg-delivery-count":    "0",
		"Content-Type":          "application/json; charset=utf-8",
		"X-Aksupgrade-Secret":   "s3cret",
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var evs []map[string]any
	if err := json.Unmarshal(r.body, &evs); err != nil || len(evs) != 1 || r.method != http.MethodPost {
		t.Fatalf("%s %s", r.method, r.body)
	}
	ev := evs[0]
	data, _ := ev["data"].(map[string]any)
	if ev["eventType"] != "Microsoft.EventGrid.SubscriptionValidationEvent" || ev["subject"] != "" || ev["topic"] != "/subscriptions/"+subOne ||
		ev["metadataVersion"] != "1" || ev["dataVersion"] != "1" || data["validationCode"] == "" ||
		!strings.HasPrefix(data["validationUrl"].(string), "https://rp-westeurope.eventgrid.azure.net:553/eventsubscriptions/aksupgrade/validate?id=") {
		t.Errorf("validation event = %s", r.body)
	}
	st := e.sim.EventSubscriptions()
	if len(st) != 1 || st[0].ID != id || st[0].ProvisioningState != "Succeeded" || st[0].Schema != SchemaEventGrid || st[0].MaxEventsPerBatch != 1 {
		t.Errorf("subscriptions = %+v", st)
	}
	if d := e.sim.Deliveries(); len(d) != 1 || d[0].Kind != "validation" || d[0].Outcome != "validated" || d[0].Status != 200 {
		t.Errorf("deliveries = %+v", d)
	}
}

func TestHandshakeCloudEvents(t *testing.T) {
	e := newEnv(t, "small.yaml")
	rc := newReceiver(t, nil)
	subscribe(t, e, EventSubscription{Endpoint: rc.url(), Schema: SchemaCloudEvents, Headers: map[string]string{"X-Aksupgrade-Secret": "s3cret"}})
	reqs := rc.requests()
	if len(reqs) != 1 || reqs[0].method != http.MethodOptions || reqs[0].header.Get("WebHook-Request-Origin") != "eventgrid.azure.net" ||
		reqs[0].header.Get("X-Aksupgrade-Secret") != "s3cret" || len(reqs[0].body) != 0 {
		t.Fatalf("handshake = %+v", reqs)
	}
	// A wildcard origin is consent too.
	star := newReceiver(t, func(r received, _ int) (int, http.Header, []byte) {
		return http.StatusOK, http.Header{"Webhook-Allowed-Origin": {"*"}}, nil
	})
	subscribe(t, e, EventSubscription{Endpoint: star.url(), Schema: SchemaCloudEvents})
}

func TestHandshakeRefused(t *testing.T) {
	cases := []struct {
		name   string
		schema string
		answer func(r received, _ int) (int, http.Header, []byte)
		reason string
	}{
		{"wrong code", SchemaEventGrid, func(received, int) (int, http.Header, []byte) {
			return 200, nil, []byte(`{"validationResponse":"not-the-code"}`)
		}, "validationResponse is \"not-the-code\""},
		{"202 is not 200", SchemaEventGrid, func(r received, _ int) (int, http.Header, []byte) {
			return 202, nil, validationAnswer(r)
		}, "response code 202"},
		{"key in the wrong case", SchemaEventGrid, func(r received, _ int) (int, http.Header, []byte) {
			return 200, nil, bytes.Replace(validationAnswer(r), []byte("validationResponse"), []byte("ValidationResponse"), 1)
		}, "no JSON validationResponse"},
		{"no OPTIONS", SchemaCloudEvents, func(received, int) (int, http.Header, []byte) {
			return 405, nil, nil
		}, "OPTIONS answered 405"},
		{"no allowed origin", SchemaCloudEvents, func(received, int) (int, http.Header, []byte) {
			return 200, http.Header{"Webhook-Allowed-Origin": {"example.com"}}, nil
		}, `WebHook-Allowed-Origin "example.com"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "small.yaml")
			rc := newReceiver(t, c.answer)
			_, err := e.sim.SubscribeContext(t.Context(), EventSubscription{Endpoint: rc.url(), Schema: c.schema})
			var he *HandshakeError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), c.reason) || !strings.Contains(err.Error(), rc.url()) {
				t.Fatalf("err = %v, want a HandshakeError about %s", err, c.reason)
			}
			if st := e.sim.EventSubscriptions(); len(st) != 0 {
				t.Errorf("subscriptions = %+v", st)
			}
			if d := e.sim.Deliveries(); len(d) != 1 || d[0].Outcome != "failed" || !strings.Contains(d[0].Error, c.reason) {
				t.Errorf("deliveries = %+v", d)
			}
		})
	}
}

// TestRetriesOnSchedule: the receiver answers 503 three times, then 200.
// 503 waits at least 30s, so the attempts come at +0, +30s, +60s (the 30s
// step) and +2m (the 1m step).
// TestHandshakeCanceled: a handshake the endpoint does not answer ends
// with the caller's context, and subscribes nothing.
func TestHandshakeCanceled(t *testing.T) {
	e := newEnv(t, "small.yaml")
	ctx, cancel := context.WithCancel(t.Context())
	release := make(chan struct{})
	rc := newReceiver(t, func(received, int) (int, http.Header, []byte) {
		cancel() // the caller gives up while the endpoint thinks
		<-release
		return http.StatusOK, nil, nil
	})
	t.Cleanup(func() { close(release) }) // before the receiver closes
	_, err := e.sim.SubscribeContext(ctx, EventSubscription{Endpoint: rc.url()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if st := e.sim.EventSubscriptions(); len(st) != 0 {
		t.Errorf("subscriptions = %+v", st)
	}
}

func TestRetriesOnSchedule(t *testing.T) {
	e := newEnv(t, "small.yaml")
	rc := newReceiver(t, answerNotifications(503, 503, 503, 200))
	id := subscribe(t, e, EventSubscription{Name: "retries", Endpoint: rc.url(), Types: []string{EventNodePoolRollingStarted}})
	start := e.sim.Start()
	e.upgradeImage("rg-a", "aks-a", "system")

	deliverAt := func(d time.Duration) int {
		e.clock.Set(start.Add(d))
		return e.sim.DeliverDue(context.Background())
	}
	for _, step := range []struct {
		at   time.Duration
		sent int
	}{
		{0, 1}, {29 * time.Second, 0}, {30 * time.Second, 1}, {59 * time.Second, 0},
		{60 * time.Second, 1}, {119 * time.Second, 0}, {2 * time.Minute, 1}, {time.Hour, 0},
	} {
		if got := deliverAt(step.at); got != step.sent {
			t.Errorf("at +%v sent %d, want %d", step.at, got, step.sent)
		}
	}
	var got []Delivery
	for _, d := range e.sim.Deliveries() {
		if d.Kind == "notification" {
			d.EventIDs = nil
			got = append(got, d)
		}
	}
	at := func(d time.Duration) time.Time { return start.Add(d) }
	base := Delivery{SubscriptionID: id, SubscriptionName: "retries", Kind: "notification"}
	want := []Delivery{
		with(base, func(d *Delivery) {
			d.Time, d.Attempt, d.Status, d.Outcome, d.NextAttempt = at(0), 1, 503, "retry", at(30*time.Second)
		}),
		with(base, func(d *Delivery) {
			d.Time, d.Attempt, d.Status, d.Outcome, d.NextAttempt = at(30*time.Second), 2, 503, "retry", at(60*time.Second)
		}),
		with(base, func(d *Delivery) {
			d.Time, d.Attempt, d.Status, d.Outcome, d.NextAttempt = at(60*time.Second), 3, 503, "retry", at(2*time.Minute)
		}),
		with(base, func(d *Delivery) { d.Time, d.Attempt, d.Status, d.Outcome = at(2*time.Minute), 4, 200, "delivered" }),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
	// The same event every time, with the delivery count going up.
	ns := rc.notifications()
	var ids, counts []string
	for _, r := range ns {
		ids = append(ids, eventsIn(t, r)[0]["id"].(string))
		counts = append(counts, r.header.Get("aeg-delivery-count"))
	}
	if len(ids) != 4 || ids[0] != ids[1] || ids[1] != ids[2] || ids[2] != ids[3] {
		t.Errorf("event ids = %v", ids)
	}
	if !cmp.Equal(counts, []string{"0", "1", "2", "3"}) {
		t.Errorf("aeg-delivery-count = %v", counts)
	}
	if st := e.sim.EventSubscriptions(); st[0].Pending != 0 {
		t.Errorf("pending = %d", st[0].Pending)
	}
}

func with(d Delivery, f func(*Delivery)) Delivery {
	f(&d)
	return d
}

// TestRetryScheduleUntilTimeToLive: a receiver that always answers 500 is
// tried on Event Grid's whole schedule, then the event is dropped when the
// next retry would fall after its 24-hour time to live.
func TestRetryScheduleUntilTimeToLive(t *testing.T) {
	e := newEnv(t, "small.yaml")
	rc := newReceiver(t, answerNotifications(500))
	subscribe(t, e, EventSubscription{Endpoint: rc.url(), Types: []string{EventNodePoolRollingStarted}})
	start := e.sim.Start()
	e.upgradeImage("rg-a", "aks-a", "system")
	e.sim.DeliverDue(context.Background())
	for {
		ds := e.sim.Deliveries()
		last := ds[len(ds)-1]
		if last.Outcome != "retry" {
			break
		}
		e.clock.Set(last.NextAttempt)
		if e.sim.DeliverDue(context.Background()) != 1 {
			t.Fatalf("nothing sent at %v", last.NextAttempt)
		}
	}
	var offsets []time.Duration
	var last Delivery
	for _, d := range e.sim.Deliveries() {
		if d.Kind == "notification" {
			offsets = append(offsets, d.Time.Sub(start))
			last = d
		}
	}
	want := []time.Duration{0}
	for _, step := range []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute,
		30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour} {
		want = append(want, want[len(want)-1]+step)
	}
	if diff := cmp.Diff(want, offsets); diff != "" {
		t.Errorf("attempt times (-want +got):\n%s", diff)
	}
	if last.Outcome != "dropped" || last.Reason != "TimeToLiveExceeded" || last.Attempt != 11 {
		t.Errorf("last attempt = %+v", last)
	}
	e.clock.Advance(2 * day)
	if n := e.sim.DeliverDue(context.Background()); n != 0 {
		t.Errorf("%d more attempts after the drop", n)
	}
}

func TestNoRetryAfter400(t *testing.T) {
	for _, status := range []int{400, 401, 403, 413} {
		e := newEnv(t, "small.yaml")
		rc := newReceiver(t, answerNotifications(status))
		subscribe(t, e, EventSubscription{Endpoint: rc.url(), Types: []string{EventNodePoolRollingStarted}})
		e.upgradeImage("rg-a", "aks-a", "system")
		e.sim.DeliverDue(context.Background())
		for _, d := range []time.Duration{10 * time.Second, time.Minute, time.Hour, 25 * time.Hour} {
			e.clock.Advance(d)
			e.sim.DeliverDue(context.Background())
		}
		if n := len(rc.notifications()); n != 1 {
			t.Errorf("%d: %d attempts, want 1", status, n)
		}
		ds := e.sim.Deliveries()
		if last := ds[len(ds)-1]; last.Outcome != "dropped" || last.Reason != "NotRetried" || last.Status != status {
			t.Errorf("%d: last delivery = %+v", status, last)
		}
	}
}

// eightVersionEvents adds a patch and makes a minor GA in westeurope at
// +1h: NewKubernetesVersionAvailable twice for each of its 4 clusters.
func eightVersionEvents(sc *Scenario) {
	sc.Timeline = append(sc.Timeline,
		TimelineEntry{After: Duration(time.Hour), Region: "westeurope", AddPatch: "1.32.1"},
		TimelineEntry{After: Duration(time.Hour), Region: "westeurope", GA: "1.33"},
	)
}

func TestBatching(t *testing.T) {
	for _, c := range []struct {
		schema, ctype string
	}{
		{SchemaEventGrid, "application/json; charset=utf-8"},
		{SchemaCloudEvents, "application/cloudevents-batch+json; charset=utf-8"},
	} {
		t.Run(c.schema, func(t *testing.T) {
			e := newEnv(t, "small.yaml", eightVersionEvents)
			rc := newReceiver(t, nil)
			subscribe(t, e, EventSubscription{Endpoint: rc.url(), Schema: c.schema, MaxEventsPerBatch: 3})
			e.clock.Advance(time.Hour)
			if n := e.sim.DeliverDue(context.Background()); n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
			var sizes []int
			for _, r := range rc.notifications() {
				if !bytes.HasPrefix(r.body, []byte("[")) || r.header.Get("Content-Type") != c.ctype {
					t.Errorf("batch %s: %s", r.header.Get("Content-Type"), r.body)
				}
				if r.header.Get("aeg-output-event-id") != "" {
					t.Errorf("a batch names one event: %s", r.header.Get("aeg-output-event-id"))
				}
				sizes = append(sizes, len(eventsIn(t, r)))
			}
			if !cmp.Equal(sizes, []int{3, 3, 2}) {
				t.Errorf("batch sizes = %v, want [3 3 2]", sizes)
			}
		})
	}
}

// TestFailedBatchIsRetriedWhole: a batch is all or nothing.
func TestFailedBatchIsRetriedWhole(t *testing.T) {
	e := newEnv(t, "small.yaml", eightVersionEvents)
	rc := newReceiver(t, answerNotifications(500, 200))
	subscribe(t, e, EventSubscription{Endpoint: rc.url(), MaxEventsPerBatch: 10})
	e.clock.Advance(time.Hour)
	e.sim.DeliverDue(context.Background())
	e.clock.Advance(10 * time.Second)
	e.sim.DeliverDue(context.Background())
	ns := rc.notifications()
	if len(ns) != 2 || !bytes.Equal(ns[0].body, ns[1].body) || len(eventsIn(t, ns[1])) != 8 {
		t.Errorf("%d deliveries", len(ns))
	}
}

func TestTypeFilter(t *testing.T) {
	e := newEnv(t, "small.yaml", withEvents)
	all := newReceiver(t, nil)
	failed := newReceiver(t, nil)
	subscribe(t, e, EventSubscription{Endpoint: all.url()})
	// includedEventTypes match without regard to case.
	subscribe(t, e, EventSubscription{Endpoint: failed.url(), Types: []string{strings.ToLower(EventNodePoolRollingFailed)}})
	e.upgradeImage("rg-a", "aks-a", "system")
	e.upgradeImage("rg-a", "aks-b", "apps")
	e.clock.Advance(day)
	e.sim.DeliverDue(context.Background())
	types := func(rc *receiver) []string {
		var out []string
		for _, r := range rc.notifications() {
			out = append(out, shortType(eventType(eventsIn(t, r)[0])))
		}
		return out
	}
	if got := types(failed); !cmp.Equal(got, []string{"NodePoolRollingFailed"}) {
		t.Errorf("filtered subscription got %v", got)
	}
	if got := types(all); len(got) < 6 {
		t.Errorf("unfiltered subscription got %v", got)
	}
}

// TestScenarioSubscriptionHandshakeRetries: a subscription from the
// scenario exists from the start; its handshake runs with the first
// delivery and is retried while the endpoint is not ready. Events wait.
func TestScenarioSubscriptionHandshakeRetries(t *testing.T) {
	validations := 0
	rc := newReceiver(t, func(r received, _ int) (int, http.Header, []byte) {
		if r.header.Get("aeg-event-type") == "SubscriptionValidation" {
			validations++
			if validations == 1 {
				return http.StatusServiceUnavailable, nil, nil
			}
		}
		return acceptAll(r)
	})
	e := newEnv(t, "small.yaml", func(sc *Scenario) {
		sc.EventSubscriptions = []EventSubscription{{Name: "from-scenario", Endpoint: rc.url(), Types: []string{EventNodePoolRollingStarted}}}
	})
	if st := e.sim.EventSubscriptions(); len(st) != 1 || st[0].ProvisioningState != "Creating" {
		t.Fatalf("subscriptions = %+v", st)
	}
	e.upgradeImage("rg-a", "aks-a", "system")
	e.sim.DeliverDue(context.Background())
	if st := e.sim.EventSubscriptions(); st[0].ProvisioningState != "Creating" || st[0].Pending != 1 {
		t.Fatalf("after a refused handshake: %+v", st)
	}
	ds := e.sim.Deliveries()
	if len(ds) != 1 || ds[0].Outcome != "retry" || !ds[0].NextAttempt.Equal(e.sim.Start().Add(30*time.Second)) {
		t.Fatalf("deliveries = %+v", ds)
	}
	e.clock.Advance(30 * time.Second)
	if n := e.sim.DeliverDue(context.Background()); n != 2 {
		t.Errorf("sent %d, want the handshake and the waiting event", n)
	}
	if len(rc.notifications()) != 1 || e.sim.EventSubscriptions()[0].ProvisioningState != "Succeeded" {
		t.Errorf("notifications %d, state %s", len(rc.notifications()), e.sim.EventSubscriptions()[0].ProvisioningState)
	}
}

func TestUnsubscribe(t *testing.T) {
	e := newEnv(t, "small.yaml")
	rc := newReceiver(t, nil)
	id := subscribe(t, e, EventSubscription{Endpoint: rc.url()})
	if !e.sim.Unsubscribe(id) || e.sim.Unsubscribe(id) {
		t.Fatal("Unsubscribe")
	}
	e.upgradeImage("rg-a", "aks-a", "system")
	if n := e.sim.DeliverDue(context.Background()); n != 0 || len(rc.notifications()) != 0 {
		t.Errorf("delivered %d after Unsubscribe", n)
	}
}

// TestStartDelivery runs the background loop on a manual clock: it
// delivers what is published at once, then sleeps on the clock until the
// operation ends, and stops with its context.
func TestStartDelivery(t *testing.T) {
	e := newEnv(t, "small.yaml")
	rc := newReceiver(t, nil)
	subscribe(t, e, EventSubscription{Endpoint: rc.url(), Types: []string{EventNodePoolRollingStarted, EventNodePoolRollingSucceeded}})
	rc.wait() // the handshake
	ctx, cancel := context.WithCancel(context.Background())
	done := e.sim.StartDelivery(ctx)

	e.upgradeImage("rg-a", "aks-a", "system") // 3 batches of 8m
	if typ := eventType(eventsIn(t, rc.wait())[0]); typ != EventNodePoolRollingStarted {
		t.Fatalf("first delivery %s", typ)
	}
	end := e.sim.Start().Add(24 * time.Minute)
	waitForWaiter(t, e.clock, end)
	e.clock.Set(end)
	if typ := eventType(eventsIn(t, rc.wait())[0]); typ != EventNodePoolRollingSucceeded {
		t.Fatalf("second delivery %s", typ)
	}

	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery loop did not stop")
	}
	// Stopped: new events stay pending. (What the loop was sending when it
	// stopped may be pending again, to be sent once more: at least once.)
	pending, sent := e.sim.EventSubscriptions()[0].Pending, len(rc.notifications())
	e.upgradeImage("rg-a", "aks-b", "apps")
	e.clock.Advance(time.Hour)
	if st := e.sim.EventSubscriptions(); st[0].Pending != pending+2 {
		t.Errorf("pending = %d, want %d (started, succeeded)", st[0].Pending, pending+2)
	}
	if n := len(rc.notifications()); n != sent {
		t.Errorf("%d notifications after the loop stopped, want %d", n, sent)
	}
}

// waitForWaiter waits until something waits on clk for due.
func waitForWaiter(t *testing.T, clk *clock.Manual, due time.Time) {
	t.Helper()
	for {
		if next, ok := clk.NextDue(); ok && next.Equal(due) {
			return
		}
		select {
		case <-clk.Waited():
		case <-time.After(10 * time.Second):
			t.Fatalf("nothing waits for %v", due)
		}
	}
}

func TestEventEndpoints(t *testing.T) {
	e := newEnv(t, "small.yaml")
	rc := newReceiver(t, nil)
	post := func(body any) (int, []byte) {
		resp, out := e.rawHeaders("POST", "/simulator/v1/eventSubscriptions?x=1", body, http.Header{"Content-Type": {"application/json"}})
		return resp.StatusCode, out
	}
	status, out := post(EventSubscription{Name: "over-http", Endpoint: rc.url(), Schema: SchemaCloudEvents})
	var created struct{ ID string }
	if status != http.StatusCreated || json.Unmarshal(out, &created) != nil || created.ID == "" {
		t.Fatalf("POST = %d %s", status, out)
	}
	if status, out := post(EventSubscription{Name: "bad", Endpoint: "ftp://x"}); status != 400 || armCode(t, out) != "InvalidParameter" {
		t.Errorf("invalid POST = %d %s", status, out)
	}
	refusing := newReceiver(t, func(received, int) (int, http.Header, []byte) { return 404, nil, nil })
	if status, out := post(EventSubscription{Endpoint: refusing.url()}); status != 400 || armCode(t, out) != "Url validation" {
		t.Errorf("refused POST = %d %s", status, out)
	}

	e.upgradeImage("rg-a", "aks-a", "system")
	e.sim.DeliverDue(context.Background())
	var subs []EventSubscriptionStatus
	getJSON(t, e.srv.URL+"/simulator/v1/eventSubscriptions", &subs)
	if len(subs) != 1 || subs[0].ID != created.ID || subs[0].Name != "over-http" {
		t.Errorf("GET eventSubscriptions = %+v", subs)
	}
	var ds []Delivery
	getJSON(t, e.srv.URL+"/simulator/v1/deliveries", &ds)
	if diff := cmp.Diff(e.sim.Deliveries(), ds, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" || len(ds) != 3 {
		t.Errorf("GET deliveries (-go +http):\n%s", diff)
	}
	var evs []Event
	getJSON(t, e.srv.URL+"/simulator/v1/events", &evs)
	if len(evs) != 1 || evs[0].Type != EventNodePoolRollingStarted {
		t.Errorf("GET events = %+v", evs)
	}
	if resp, _ := e.rawHeaders("DELETE", "/simulator/v1/eventSubscriptions/"+created.ID+"?x=1", nil, http.Header{}); resp.StatusCode != http.StatusNoContent {
		t.Errorf("DELETE = %d", resp.StatusCode)
	}
	if resp, _ := e.rawHeaders("DELETE", "/simulator/v1/eventSubscriptions/"+created.ID+"?x=1", nil, http.Header{}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("second DELETE = %d", resp.StatusCode)
	}
}
