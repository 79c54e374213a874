package eventgrid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/eventgrid"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"

	"github.com/aksupgrade/aksupgrade"
)

// webhookPath is where the server mounts the handler.
const webhookPath = "/webhooks/eventgrid"

// testSecret is the shared secret of the fixtures.
const testSecret = "s3cret-rotation-A"

var start = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// fixture is a webhook served over loopback HTTP, storing in SQLite.
type fixture struct {
	t       *testing.T
	srv     *httptest.Server
	handler *eventgrid.Handler
	store   *reopenable
	clock   *clock.Manual
	logs    *syncBuffer

	mu       sync.Mutex
	onStored [][]eventgrid.Event
}

// newFixture serves a handler with testSecret, a manual clock, a SQLite
// store and a debug logger, after change edits its options.
func newFixture(t *testing.T, change func(*eventgrid.HandlerOptions)) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: clock.NewManual(start), logs: &syncBuffer{}}
	f.store = openReopenable(t)
	o := eventgrid.HandlerOptions{
		Store:   f.store,
		Secrets: []string{testSecret},
		Clock:   f.clock,
		Logger:  slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnStored: func(events []eventgrid.Event) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.onStored = append(f.onStored, events)
		},
	}
	if change != nil {
		change(&o)
	}
	f.handler = eventgrid.NewHandler(o)
	mux := http.NewServeMux()
	mux.Handle(webhookPath, f.handler)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// response is what the webhook answered.
type response struct {
	status int
	header http.Header
	body   string
}

// errorText returns the error the body holds, "" when none.
func (r response) errorText() string {
	var b struct{ Error string }
	_ = json.Unmarshal([]byte(r.body), &b)
	return b.Error
}

// post delivers body with the headers given as name, value pairs;
// "?code=..." in query goes on the URL.
func (f *fixture) post(query, contentType, body string, headers ...string) response {
	f.t.Helper()
	return f.do(http.MethodPost, query, contentType, strings.NewReader(body), headers...)
}

// postSecret delivers with the fixture's secret in the query.
func (f *fixture) postSecret(contentType, body string, headers ...string) response {
	f.t.Helper()
	return f.post("?code="+testSecret, contentType, body, headers...)
}

func (f *fixture) do(method, query, contentType string, body io.Reader, headers ...string) response {
	f.t.Helper()
	req, err := http.NewRequestWithContext(f.t.Context(), method, f.srv.URL+webhookPath+query, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// events returns every stored event, oldest first.
func (f *fixture) events() []store.Event {
	f.t.Helper()
	events, err := f.store.current().PendingEvents(f.t.Context(), 0)
	if err != nil {
		f.t.Fatalf("PendingEvents: %v", err)
	}
	return events
}

func (f *fixture) storedBatches() [][]eventgrid.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]eventgrid.Event(nil), f.onStored...)
}

func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d (%s), want %d", r.status, strings.TrimSpace(r.body), want)
	}
}

// reopenable is a SQLite store that a test can close and open again, as
// a database that goes away and comes back. Only PutEvent and PutEvents
// are the handler's; the other methods are the embedded nil interface's.
type reopenable struct {
	store.Store
	t    testing.TB
	path string

	mu  sync.Mutex
	cur *sqlite.Store
	// closeAfter, when > 0, closes the store once that many more events
	// are stored: an outage in the middle of a batch. A PutEvents call
	// whose events go past it fails as its transaction would, storing
	// none of them.
	closeAfter int
}

func openReopenable(t testing.TB) *reopenable {
	t.Helper()
	r := &reopenable{t: t, path: filepath.Join(t.TempDir(), "events.db")}
	r.reopen()
	t.Cleanup(func() { r.current().Close() })
	return r
}

func (r *reopenable) current() *sqlite.Store {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

func (r *reopenable) PutEvent(ctx context.Context, e store.Event) (bool, error) {
	r.mu.Lock()
	s := r.cur
	r.mu.Unlock()
	inserted, err := s.PutEvent(ctx, e)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil && r.closeAfter > 0 {
		if r.closeAfter--; r.closeAfter == 0 {
			r.cur.Close()
		}
	}
	return inserted, err
}

func (r *reopenable) PutEvents(ctx context.Context, es []store.Event) ([]bool, error) {
	r.mu.Lock()
	s := r.cur
	if r.closeAfter > 0 && r.closeAfter < len(es) {
		// The database goes away before the transaction commits. (A
		// close error would only say it is gone already.)
		r.closeAfter = 0
		_ = r.cur.Close()
	}
	r.mu.Unlock()
	inserted, err := s.PutEvents(ctx, es)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil && r.closeAfter > 0 {
		if r.closeAfter -= len(es); r.closeAfter == 0 {
			_ = r.cur.Close() // as above
		}
	}
	return inserted, err
}

// close closes the database: the store answers ErrUnavailable.
func (r *reopenable) close() {
	if err := r.current().Close(); err != nil {
		r.t.Fatal(err)
	}
}

// reopen opens the database file again.
func (r *reopenable) reopen() {
	s, err := sqlite.Open(context.Background(), r.path)
	if err != nil {
		r.t.Fatalf("open %s: %v", r.path, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != nil {
		r.cur.Close()
	}
	r.cur = s
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// aksEvent is an Event Grid schema event about cluster aks-<n>.
func aksEvent(id string, typ aksupgrade.EventType, n int, at time.Time, data string) string {
	cluster := fmt.Sprintf("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-fleet/providers/Microsoft.ContainerService/managedClusters/aks-%d", n)
	return fmt.Sprintf(`{"topic":%q,"subject":"aks-%d","eventType":%q,"id":%q,"data":%s,"dataVersion":"1","metadataVersion":"1","eventTime":%q}`,
		cluster, n, typ, id, data, at.Format(time.RFC3339Nano))
}

func batch(events ...string) string { return "[" + strings.Join(events, ",") + "]" }
