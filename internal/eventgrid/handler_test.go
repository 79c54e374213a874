package eventgrid_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

const (
	nodePool = `{"nodePoolName":"np1"}`
	versions = `{"latestSupportedKubernetesVersion":"1.31.4","latestStableKubernetesVersion":"1.30.9","lowestMinorKubernetesVersion":"1.29.12","latestPreviewKubernetesVersion":"1.32.1"}`
)

func TestWebhookStoresBatch(t *testing.T) {
	f := newFixture(t, nil)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	body := batch(
		aksEvent("e1", aksupgrade.EventNewKubernetesVersion, 1, t0, versions),
		aksEvent("e2", aksupgrade.EventNodePoolRollingStarted, 2, t0.Add(time.Minute), nodePool),
		aksEvent("e3", aksupgrade.EventClusterSupportEnding, 3, t0.Add(2*time.Minute), `{"kubernetesVersion":"1.28.5"}`),
	)
	r := f.postSecret("application/json", body, "aeg-subscription-name", "AKS-FLEET", "aeg-delivery-count", "0")
	wantStatus(t, r, http.StatusOK)
	if want := `{"received":3,"stored":3,"duplicates":0}`; strings.TrimSpace(r.body) != want {
		t.Errorf("body %s, want %s", r.body, want)
	}

	events := f.events()
	if len(events) != 3 {
		t.Fatalf("stored %d events, want 3", len(events))
	}
	d, err := eventgrid.Decode("application/json", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for i, got := range events {
		e := d.Events[i]
		want := store.Event{
			Key:        store.EventKey{Source: aksupgrade.NormalizeID(e.Source), ID: e.ID},
			Type:       e.Type,
			Subject:    e.Subject,
			Time:       e.Time,
			Data:       e.Raw,
			ReceivedAt: start,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored event %d (-want +got):\n%s", i, diff)
		}
		if got.Key.Source != strings.ToLower(e.Source) {
			t.Errorf("source %q: want the topic lower-cased", got.Key.Source)
		}
		// What the store keeps reads back as the typed event.
		back, err := eventgrid.Parse(got.Data)
		if err != nil {
			t.Fatalf("Parse(stored): %v", err)
		}
		if diff := cmp.Diff(e, back); diff != "" {
			t.Errorf("Parse(stored) (-decoded +parsed):\n%s", diff)
		}
	}
	if b := f.storedBatches(); len(b) != 1 || len(b[0]) != 3 {
		t.Errorf("OnStored called with %v, want one batch of 3", b)
	}
	st := f.handler.Stats()
	if st.Deliveries != 1 || st.Received != 3 || st.Stored != 3 || st.Duplicates != 0 || st.Unknown != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestWebhookDuplicates: Event Grid delivers at least once; a redelivery
// is acknowledged and stores nothing, whatever the schema or the case of
// the source.
func TestWebhookDuplicates(t *testing.T) {
	f := newFixture(t, nil)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	body := batch(
		aksEvent("e1", aksupgrade.EventNodePoolRollingStarted, 1, t0, nodePool),
		aksEvent("e2", aksupgrade.EventNodePoolRollingSucceeded, 1, t0.Add(time.Hour), nodePool),
	)
	wantStatus(t, f.postSecret("application/json", body), http.StatusOK)
	f.clock.Advance(time.Minute)
	r := f.postSecret("application/json", body)
	wantStatus(t, r, http.StatusOK)
	if want := `{"received":2,"stored":0,"duplicates":2}`; strings.TrimSpace(r.body) != want {
		t.Errorf("second delivery answered %s, want %s", r.body, want)
	}
	// The same events again, as CloudEvents from a source in upper case.
	var ce []string
	for _, id := range []string{"e1", "e2"} {
		ce = append(ce, fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":%q,"type":%q,"data":%s}`, id,
			strings.ToUpper("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/aks-1"),
			aksupgrade.EventNodePoolRollingStarted, nodePool))
	}
	wantStatus(t, f.postSecret(eventgrid.ContentTypeCloudEventsBatch, batch(ce...)), http.StatusOK)

	events := f.events()
	if len(events) != 2 {
		t.Fatalf("stored %d events, want 2", len(events))
	}
	for _, e := range events {
		if !e.ReceivedAt.Equal(start) {
			t.Errorf("event %s received at %v: a duplicate changed it", e.Key.ID, e.ReceivedAt)
		}
	}
	if b := f.storedBatches(); len(b) != 1 {
		t.Errorf("OnStored called %d times, want once: duplicates wake nobody", len(b))
	}
	if st := f.handler.Stats(); st.Stored != 2 || st.Duplicates != 4 || st.Deliveries != 3 {
		t.Errorf("stats %+v", st)
	}
}

// TestWebhookReordering: Event Grid does not keep order. Whatever order
// events come in, each is stored once with its own event time, so the
// engine can order them.
func TestWebhookReordering(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	started := aksEvent("started", aksupgrade.EventNodePoolRollingStarted, 1, t0, nodePool)
	succeeded := aksEvent("succeeded", aksupgrade.EventNodePoolRollingSucceeded, 1, t0.Add(20*time.Minute), nodePool)
	versionsEv := aksEvent("versions", aksupgrade.EventNewKubernetesVersion, 1, t0.Add(-time.Hour), versions)

	for name, deliveries := range map[string][]string{
		"in order":         {batch(versionsEv), batch(started), batch(succeeded)},
		"reversed":         {batch(succeeded), batch(started), batch(versionsEv)},
		"reversed batch":   {batch(succeeded, started, versionsEv)},
		"with redelivery":  {batch(succeeded), batch(started, succeeded), batch(versionsEv, started)},
		"newest in middle": {batch(started), batch(succeeded, versionsEv)},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, nil)
			for _, body := range deliveries {
				wantStatus(t, f.postSecret("application/json", body), http.StatusOK)
				f.clock.Advance(time.Second)
			}
			got := map[string]time.Time{}
			for _, e := range f.events() {
				if _, dup := got[e.Key.ID]; dup {
					t.Errorf("event %s stored twice", e.Key.ID)
				}
				got[e.Key.ID] = e.Time
			}
			want := map[string]time.Time{"versions": t0.Add(-time.Hour), "started": t0, "succeeded": t0.Add(20 * time.Minute)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stored event times (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWebhookUnknownType: a type this package does not know is stored and
// counted; it never costs the rest of the batch.
func TestWebhookUnknownType(t *testing.T) {
	f := newFixture(t, nil)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	unknown := `{"topic":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st","subject":"/blobServices/default/containers/c/blobs/b",` +
		`"eventType":"Microsoft.Storage.BlobCreated","id":"blob-1","data":{"api":"PutBlob"},"dataVersion":"","metadataVersion":"1","eventTime":"2026-03-01T08:00:00Z"}`
	body := batch(aksEvent("e1", aksupgrade.EventNodePoolRollingStarted, 1, t0, nodePool), unknown, aksEvent("e2", aksupgrade.EventNodePoolRollingFailed, 1, t0, nodePool))
	r := f.postSecret("application/json; charset=utf-8", body)
	wantStatus(t, r, http.StatusOK)
	var ids []string
	for _, e := range f.events() {
		ids = append(ids, e.Key.ID+" "+string(e.Type))
	}
	want := []string{"e1 " + string(aksupgrade.EventNodePoolRollingStarted), "blob-1 Microsoft.Storage.BlobCreated", "e2 " + string(aksupgrade.EventNodePoolRollingFailed)}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	if st := f.handler.Stats(); st.Unknown != 1 || st.Stored != 3 {
		t.Errorf("stats %+v: want 1 unknown, 3 stored", st)
	}
}

// TestWebhookOversized: reading stops at MaxBody; nothing is stored.
func TestWebhookOversized(t *testing.T) {
	f := newFixture(t, nil)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	big := batch(aksEvent("big", aksupgrade.EventNodePoolRollingStarted, 1, t0,
		`{"nodePoolName":"np1","padding":"`+strings.Repeat("x", eventgrid.DefaultMaxBody)+`"}`))

	// With a Content-Length, refused before reading.
	r := f.postSecret("application/json", big)
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	// Chunked, refused once the limit is read.
	r = f.do(http.MethodPost, "?code="+testSecret, "application/json", io.MultiReader(strings.NewReader(big)))
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(r.errorText(), "larger than") {
		t.Errorf("error %q", r.errorText())
	}
	if n := len(f.events()); n != 0 {
		t.Errorf("stored %d events, want none", n)
	}
	if got := f.handler.Stats().Rejected[eventgrid.RejectTooLarge]; got != 2 {
		t.Errorf("rejected as too large: %d, want 2", got)
	}

	// Just under the limit is fine.
	small := newFixture(t, func(o *eventgrid.HandlerOptions) { o.MaxBody = 4096 })
	body := batch(aksEvent("ok", aksupgrade.EventNodePoolRollingStarted, 1, t0, nodePool))
	wantStatus(t, small.postSecret("application/json", body), http.StatusOK)
	wantStatus(t, small.postSecret("application/json", body+strings.Repeat(" ", 4096)), http.StatusRequestEntityTooLarge)
}

func TestWebhookAuthentication(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	body := batch(aksEvent("e1", aksupgrade.EventNodePoolRollingStarted, 1, t0, nodePool))
	tests := []struct {
		name    string
		options func(*eventgrid.HandlerOptions)
		query   string
		headers []string
		status  int
	}{
		{name: "no credentials", status: 401},
		{name: "wrong code", query: "?code=wrong", status: 401},
		{name: "code of another length", query: "?code=" + testSecret + "x", status: 401},
		{name: "wrong header", headers: []string{eventgrid.HeaderSecret, "wrong"}, status: 401},
		{name: "empty code", query: "?code=", status: 401},
		{name: "code", query: "?code=" + testSecret, status: 200},
		{name: "header", headers: []string{eventgrid.HeaderSecret, testSecret}, status: 200},
		{name: "wrong header, right code", query: "?code=" + testSecret, headers: []string{eventgrid.HeaderSecret, "wrong"}, status: 200},
		{name: "bearer token without Entra", headers: []string{"Authorization", "Bearer " + testSecret}, status: 401},
		{
			name:    "rotation: old secret",
			options: func(o *eventgrid.HandlerOptions) { o.Secrets = []string{"old-secret", " ", "new-secret"} },
			query:   "?code=old-secret", status: 200,
		},
		{
			name:    "rotation: new secret",
			options: func(o *eventgrid.HandlerOptions) { o.Secrets = []string{"old-secret", "", "new-secret"} },
			headers: []string{eventgrid.HeaderSecret, "new-secret"}, status: 200,
		},
		{
			name:    "rotation: retired secret",
			options: func(o *eventgrid.HandlerOptions) { o.Secrets = []string{"new-secret"} },
			query:   "?code=old-secret", status: 401,
		},
		{
			name:    "blank secret is no secret",
			options: func(o *eventgrid.HandlerOptions) { o.Secrets = []string{"new-secret", ""} },
			query:   "?code=", headers: []string{eventgrid.HeaderSecret, ""}, status: 401,
		},
		{
			name:    "subscription allowed, any case",
			options: func(o *eventgrid.HandlerOptions) { o.SubscriptionNames = []string{"aks-fleet"} },
			query:   "?code=" + testSecret, headers: []string{eventgrid.HeaderSubscriptionName, "AKS-FLEET"}, status: 200,
		},
		{
			name:    "subscription not allowed",
			options: func(o *eventgrid.HandlerOptions) { o.SubscriptionNames = []string{"aks-fleet"} },
			query:   "?code=" + testSecret, headers: []string{eventgrid.HeaderSubscriptionName, "OTHER"}, status: 403,
		},
		{
			name:    "subscription not named",
			options: func(o *eventgrid.HandlerOptions) { o.SubscriptionNames = []string{"aks-fleet"} },
			query:   "?code=" + testSecret, status: 403,
		},
		{
			name:    "credentials before subscription",
			options: func(o *eventgrid.HandlerOptions) { o.SubscriptionNames = []string{"aks-fleet"} },
			query:   "?code=wrong", headers: []string{eventgrid.HeaderSubscriptionName, "aks-fleet"}, status: 401,
		},
		{
			name:    "nothing configured",
			options: func(o *eventgrid.HandlerOptions) { o.Secrets = nil },
			query:   "?code=" + testSecret, status: 401,
		},
		{
			name:    "anonymous allowed",
			options: func(o *eventgrid.HandlerOptions) { o.Secrets, o.AllowAnonymous = nil, true },
			status:  200,
		},
		{
			name:    "anonymous allowed but secrets set",
			options: func(o *eventgrid.HandlerOptions) { o.AllowAnonymous = true },
			status:  401,
		},
		{
			name:    "no store: refuse everything",
			options: func(o *eventgrid.HandlerOptions) { o.Store = nil },
			query:   "?code=" + testSecret, status: 401,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.options)
			r := f.post(tt.query, "application/json", body, tt.headers...)
			wantStatus(t, r, tt.status)
			stored := len(f.events())
			if want := map[bool]int{true: 1}[tt.status == 200]; stored != want {
				t.Errorf("stored %d events, want %d", stored, want)
			}
			if tt.status != 200 {
				if r.errorText() == "" {
					t.Errorf("body %q has no error", r.body)
				}
				reason := map[int]string{401: eventgrid.RejectUnauthorized, 403: eventgrid.RejectForbidden}[tt.status]
				if got := f.handler.Stats().Rejected[reason]; got != 1 {
					t.Errorf("Rejected[%s] = %d, want 1", reason, got)
				}
			}
		})
	}
}

// TestWebhookStoreOutage: no acknowledgement before the batch is durable;
// Event Grid's retry after the outage stores everything exactly once.
func TestWebhookStoreOutage(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var evs []string
	for i := range 5 {
		evs = append(evs, aksEvent(fmt.Sprintf("e%d", i), aksupgrade.EventNodePoolRollingStarted, i, t0, nodePool))
	}
	body := batch(evs...)

	t.Run("closed", func(t *testing.T) {
		f := newFixture(t, nil)
		f.store.close()
		r := f.postSecret("application/json", body)
		wantStatus(t, r, http.StatusServiceUnavailable)
		if r.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		if b := f.storedBatches(); len(b) != 0 {
			t.Errorf("OnStored called during the outage: %v", b)
		}
		f.store.reopen()
		wantStatus(t, f.postSecret("application/json", body), http.StatusOK)
		if n := len(f.events()); n != 5 {
			t.Errorf("stored %d events, want 5", n)
		}
		if st := f.handler.Stats(); st.Rejected[eventgrid.RejectUnavailable] != 1 || st.Stored != 5 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("in the middle of a batch", func(t *testing.T) {
		// The batch is one transaction: the outage leaves none of it.
		f := newFixture(t, nil)
		f.store.closeAfter = 2
		wantStatus(t, f.postSecret("application/json", body), http.StatusServiceUnavailable)
		f.store.reopen()
		if n := len(f.events()); n != 0 {
			t.Fatalf("%d events stored before the outage, want none", n)
		}
		f.clock.Advance(30 * time.Second)
		r := f.postSecret("application/json", body)
		wantStatus(t, r, http.StatusOK)
		if want := `{"received":5,"stored":5,"duplicates":0}`; strings.TrimSpace(r.body) != want {
			t.Errorf("retry answered %s, want %s", r.body, want)
		}
		seen := map[string]int{}
		for _, e := range f.events() {
			seen[e.Key.ID]++
		}
		if len(seen) != 5 {
			t.Errorf("stored %v, want e0..e4", seen)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s stored %d times", id, n)
			}
		}
	})
}

func TestWebhookSubscriptionValidation(t *testing.T) {
	f := newFixture(t, nil)
	body, err := os.ReadFile("testdata/eventgrid/subscription_validation.json")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, f.post("", "application/json", string(body), "aeg-event-type", "SubscriptionValidation"), http.StatusUnauthorized)

	r := f.postSecret("application/json", string(body), "aeg-event-type", "SubscriptionValidation")
	wantStatus(t, r, http.StatusOK)
	var got map[string]string
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	if diff := cmp.Diff(map[string]string{"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if n := len(f.events()); n != 0 {
		t.Errorf("stored %d events: the handshake is no event", n)
	}
	if st := f.handler.Stats(); st.Validations != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestWebhookAbuseProtectionHandshake(t *testing.T) {
	f := newFixture(t, nil)
	r := f.do(http.MethodOptions, "", "", nil, "WebHook-Request-Origin", "eventgrid.azure.net")
	wantStatus(t, r, http.StatusOK)
	for name, want := range map[string]string{
		"WebHook-Allowed-Origin": "eventgrid.azure.net",
		"WebHook-Allowed-Rate":   "*",
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "POST") {
		t.Errorf("Allow: %q", allow)
	}
	// A plain OPTIONS grants nothing.
	r = f.do(http.MethodOptions, "", "", nil)
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get("WebHook-Allowed-Origin"); got != "" {
		t.Errorf("WebHook-Allowed-Origin %q without a request origin", got)
	}
	if st := f.handler.Stats(); st.Handshakes != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestWebhookRefusals(t *testing.T) {
	f := newFixture(t, nil)
	good := batch(aksEvent("e1", aksupgrade.EventNodePoolRollingStarted, 1, time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), nodePool))

	r := f.postSecret("text/plain", good)
	wantStatus(t, r, http.StatusUnsupportedMediaType)
	if !strings.Contains(r.errorText(), "text/plain") {
		t.Errorf("error %q", r.errorText())
	}

	r = f.do(http.MethodGet, "?code="+testSecret, "", nil)
	wantStatus(t, r, http.StatusMethodNotAllowed)
	if allow := r.header.Get("Allow"); allow != "POST, OPTIONS" {
		t.Errorf("Allow: %q", allow)
	}

	for body, reason := range map[string]string{
		"{not json":                        "not JSON",
		`[{"topic":"/t","eventType":"x"}]`: "has no id",
		`[{"id":"1","topic":"/t"}]`:        "has no type",
	} {
		r := f.postSecret("application/json", body)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(r.errorText(), reason) {
			t.Errorf("body %s: error %q does not say %q", body, r.errorText(), reason)
		}
	}
	if n := len(f.events()); n != 0 {
		t.Errorf("stored %d events, want none", n)
	}
	want := map[string]uint64{eventgrid.RejectMediaType: 1, eventgrid.RejectMethod: 1, eventgrid.RejectBadRequest: 3}
	if diff := cmp.Diff(want, f.handler.Stats().Rejected); diff != "" {
		t.Errorf("Rejected (-want +got):\n%s", diff)
	}
}

// TestWebhookKeepsSecrets: no secret, right or wrong, ever reaches the log
// or a response.
func TestWebhookKeepsSecrets(t *testing.T) {
	const oldSecret, wrongSecret = "0ld-s3cret-value", "wr0ng-guess-value"
	f := newFixture(t, func(o *eventgrid.HandlerOptions) {
		o.Secrets = []string{oldSecret, testSecret}
		o.SubscriptionNames = []string{"aks-fleet"}
	})
	good := batch(aksEvent("e1", aksupgrade.EventNodePoolRollingStarted, 1, time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), nodePool))
	var bodies []string
	for _, req := range []struct {
		query, contentType, body string
		headers                  []string
	}{
		{"?code=" + testSecret, "application/json", good, []string{eventgrid.HeaderSubscriptionName, "aks-fleet"}},
		{"?code=" + oldSecret, "application/json", good, []string{eventgrid.HeaderSubscriptionName, "other"}},
		{"?code=" + wrongSecret, "application/json", good, nil},
		{"", "application/json", good, []string{eventgrid.HeaderSecret, wrongSecret}},
		{"", "application/json", good, []string{"Authorization", "Bearer " + wrongSecret}},
		{"?code=" + testSecret, "text/plain", good, []string{eventgrid.HeaderSubscriptionName, "aks-fleet"}},
		{"?code=" + testSecret, "application/json", "{bad", []string{eventgrid.HeaderSubscriptionName, "aks-fleet"}},
		{"?code=" + testSecret + "&other=1", "application/json", good, []string{eventgrid.HeaderSubscriptionName, "aks-fleet"}},
	} {
		r := f.post(req.query, req.contentType, req.body, req.headers...)
		bodies = append(bodies, r.body)
		for _, v := range r.header {
			bodies = append(bodies, strings.Join(v, " "))
		}
	}
	f.store.close()
	r := f.postSecret("application/json", good, eventgrid.HeaderSubscriptionName, "aks-fleet")
	wantStatus(t, r, http.StatusServiceUnavailable)
	bodies = append(bodies, r.body)

	logs := f.logs.String()
	if !strings.Contains(logs, "refused") {
		t.Fatalf("nothing logged:\n%s", logs)
	}
	for _, secret := range []string{testSecret, oldSecret, wrongSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds secret %q:\n%s", secret, logs)
		}
		for _, b := range bodies {
			if strings.Contains(b, secret) {
				t.Errorf("a response holds secret %q: %s", secret, b)
			}
		}
	}
}
