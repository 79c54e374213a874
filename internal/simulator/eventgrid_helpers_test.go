package simulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// received is one request a test receiver got.
type received struct {
	method string
	header http.Header
	body   []byte
}

// receiver is a webhook written for the tests: it answers each request
// with answer (nil: a well-behaved Event Grid receiver) and hands every
// request to the test.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(r received, n int) (int, http.Header, []byte)

	mu   sync.Mutex
	reqs []received
	got  chan received
}

func newReceiver(t *testing.T, answer func(r received, n int) (int, http.Header, []byte)) *receiver {
	t.Helper()
	rc := &receiver{t: t, answer: answer, got: make(chan received, 1000)}
	if rc.answer == nil {
		rc.answer = func(r received, _ int) (int, http.Header, []byte) { return acceptAll(r) }
	}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := received{method: r.Method, header: r.Header.Clone(), body: body}
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, req)
		n := len(rc.reqs)
		rc.mu.Unlock()
		status, h, out := rc.answer(req, n)
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		// A sender that hung up sees that itself; the test looks at the
		// sender.
		_, _ = w.Write(out)
		rc.got <- req
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) url() string { return rc.srv.URL + "/webhooks/eventgrid" }

// requests returns what the receiver got so far.
func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

// notifications returns the event deliveries the receiver got (not the
// handshakes).
func (rc *receiver) notifications() []received {
	var out []received
	for _, r := range rc.requests() {
		if r.header.Get("aeg-event-type") == "Notification" {
			out = append(out, r)
		}
	}
	return out
}

// wait returns the next request, failing the test if none comes: a guard
// for requests a background loop sends, never a way to let time pass.
func (rc *receiver) wait() received {
	rc.t.Helper()
	select {
	case r := <-rc.got:
		return r
	case <-time.After(10 * time.Second):
		rc.t.Fatal("the receiver got no request")
		return received{}
	}
}

// acceptAll answers as a correct receiver: it echoes the validation code,
// allows the CloudEvents origin and takes every delivery.
func acceptAll(r received) (int, http.Header, []byte) {
	if r.method == http.MethodOptions {
		return http.StatusOK, http.Header{"Webhook-Allowed-Origin": {r.header.Get("WebHook-Request-Origin")}, "Allow": {"POST"}}, nil
	}
	if r.header.Get("aeg-event-type") == "SubscriptionValidation" {
		return http.StatusOK, nil, validationAnswer(r)
	}
	return http.StatusOK, nil, nil
}

// validationAnswer echoes a SubscriptionValidationEvent's code.
func validationAnswer(r received) []byte {
	var evs []struct {
		Data struct {
			ValidationCode string `json:"validationCode"`
		} `json:"data"`
	}
	if json.Unmarshal(r.body, &evs) != nil || len(evs) != 1 {
		return nil
	}
	out, _ := json.Marshal(map[string]string{"validationResponse": evs[0].Data.ValidationCode})
	return out
}

// answerNotifications answers handshakes as acceptAll does and deliveries
// with the statuses in turn (the last one repeats).
func answerNotifications(statuses ...int) func(received, int) (int, http.Header, []byte) {
	var mu sync.Mutex
	n := 0
	return func(r received, _ int) (int, http.Header, []byte) {
		if r.method == http.MethodOptions || r.header.Get("aeg-event-type") == "SubscriptionValidation" {
			return acceptAll(r)
		}
		mu.Lock()
		defer mu.Unlock()
		st := statuses[min(n, len(statuses)-1)]
		n++
		return st, nil, nil
	}
}

// eventsIn decodes a delivery's body into generic events, whatever the
// schema and batching.
func eventsIn(t *testing.T, r received) []map[string]any {
	t.Helper()
	var many []map[string]any
	if err := json.Unmarshal(r.body, &many); err == nil {
		return many
	}
	var one map[string]any
	if err := json.Unmarshal(r.body, &one); err != nil {
		t.Fatalf("delivery body is not JSON: %s", r.body)
	}
	return []map[string]any{one}
}

// subscribe subscribes rc with the simulator, failing the test on error.
func subscribe(t *testing.T, e *env, sub EventSubscription) string {
	t.Helper()
	id, err := e.sim.SubscribeContext(t.Context(), sub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// armPoolPath is the ARM path of a pool of subscription one.
func armPoolPath(rg, cluster, pool string) string {
	return "/subscriptions/" + subOne + "/resourceGroups/" + rg + "/providers/Microsoft.ContainerService/managedClusters/" + cluster + "/agentPools/" + pool
}

// upgradeImage starts a node image upgrade over the ARM API.
func (e *env) upgradeImage(rg, cluster, pool string) {
	e.t.Helper()
	if resp, body := e.raw("POST", armPoolPath(rg, cluster, pool)+"/upgradeNodeImageVersion", nil); resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("upgradeNodeImageVersion %s/%s: %d %s", cluster, pool, resp.StatusCode, body)
	}
}
