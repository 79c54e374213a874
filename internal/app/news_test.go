package app_test

import (
	"context"
	"encoding/json"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// TestNewsSaysWhatItMeans: Azure's news, from Event Grid and from the
// poller alike, is told once per fact, after the engine planned with it:
// a new version says for each stage when it would get there, in the
// stage window's zone; support ending names the upgrade that fixes it.
func TestNewsSaysWhatItMeans(t *testing.T) {
	rec := &recorder{}
	env := apptest.Start(t, func(o *app.Options) {
		// Event Grid tells first; the poller finds the same at +24h.
		o.ObserveInterval = 24 * time.Hour
		o.WebhookSecrets = []string{"s3cret"}
		o.Receivers = map[string]notify.Receiver{"terminal": rec}
	})
	// The demo's failing probe in dev would halt the projections this
	// test reads: dev-weu-01's application stays healthy here.
	env.Sim.ClearFault("app-dev-weu-01")
	ctx := context.Background()
	if _, err := env.Sim.SubscribeContext(ctx, simulator.EventSubscription{Name: "aks", Endpoint: env.API.URL + "/webhooks/eventgrid",
		MaxEventsPerBatch: 10, Headers: map[string]string{"X-Aksupgrade-Secret": "s3cret"}}); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	hours := func(n int) {
		for range n {
			env.Sim.DeliverDue(ctx)
			env.Run(t, time.Hour)
			if _, err := env.App.Notify(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	hours(10) // 1.31.5 reaches westeurope at +2h, northeurope at +8h

	news := stored[aksupgrade.VersionNews](t, env, aksupgrade.EventVersionAvailable)
	if len(news) != 2 {
		t.Fatalf("%d version news, want one per region: %+v", len(news), news)
	}
	weu, neu := news[0], news[1]
	for i, region := range []string{"westeurope", "northeurope"} {
		if n := news[i]; n.Region != region || len(n.New) != 1 || n.New[0] != (aksupgrade.NewVersion{Version: "1.31.5"}) {
			t.Errorf("news %d: region %s, new %+v; want 1.31.5 in %s", i, n.Region, n.New, region)
		}
	}
	if want := []string{"dev-weu-01", "dev-weu-02", "prod-weu-01", "prod-weu-02", "prod-weu-03", "sbx-weu-01", "sbx-weu-02", "test-weu-01"}; !slices.Equal(weu.Clusters, want) {
		t.Errorf("announced for %v, want %v", weu.Clusters, want)
	}
	// In westeurope first: sandbox's one cluster there gets it; dev's
	// two westeurope clusters are projected, its northeurope one waits,
	// and so do the later stages.
	if st := weu.Stages[0]; st.Stage != "sandbox" || st.Version != "1.31.5" || st.ProvenAt == nil {
		t.Errorf("westeurope, sandbox: %+v", st)
	}
	if st := weu.Stages[1]; st.Stage != "dev" || st.Clusters != 3 || st.Projected != 2 || st.Finish == nil || !strings.Contains(st.Note, "not yet available in northeurope") {
		t.Errorf("westeurope, dev: %+v", st)
	}
	if st := weu.Stages[3]; st.Stage != "prod" || st.Version != "1.31.5" || st.ProvenAt != nil || !strings.Contains(st.Note, "not yet available in northeurope") {
		t.Errorf("westeurope, prod: %+v", st)
	}
	// Once in northeurope too, sandbox's last cluster gets it (the stage
	// reached it already: its out-of-support cluster first recovered into
	// 1.30) and every later stage is projected, in order.
	if st := neu.Stages[0]; st.Version != "1.31.5" || (st.State != "proven" && st.State != "soaking") || st.Clusters != 1 || st.Projected != 1 || st.Finish == nil {
		t.Errorf("northeurope, sandbox: %+v", st)
	}
	var last time.Time
	for i, st := range neu.Stages[1:] {
		if st.Stage != []string{"dev", "test", "prod"}[i] || st.Version != "1.31.5" || st.ProvenAt == nil || st.ReachedAt == nil {
			t.Errorf("northeurope, stage %d: %+v, want 1.31.5 with projections", i, st)
			continue
		}
		if !st.ProvenAt.After(last) {
			t.Errorf("%s proven %v, not after the stage before (%v)", st.Stage, st.ProvenAt, last)
		}
		last = *st.ProvenAt
	}
	if z := neu.Stages[3].Zone; z != "Europe/Oslo" {
		t.Errorf("prod's zone %q", z)
	}

	var msg *notify.Message
	for i, m := range rec.got {
		if m.Kind == notify.KindNewVersion && strings.HasSuffix(m.Summary, "in northeurope") {
			msg = &rec.got[i]
		}
	}
	if msg == nil {
		t.Fatalf("no new-version message for northeurope among %d", len(rec.got))
	}
	if msg.Summary != "Kubernetes 1.31.5 is available in northeurope" {
		t.Errorf("summary %q", msg.Summary)
	}
	prod := ""
	for _, d := range msg.Details {
		if strings.HasPrefix(d, "prod: ") {
			prod = d
		}
	}
	if !strings.HasPrefix(prod, "prod: 1.31.5 on every cluster by ") || !strings.HasSuffix(prod, "CEST") {
		t.Errorf("prod's line %q, want when, in Oslo's summer time; details:\n%s", prod, strings.Join(msg.Details, "\n"))
	}

	// The events API says the news as people are told it.
	if code, body := call(t, "GET", env.API.URL+"/api/v1/events?limit=1000", ""); code != 200 || !strings.Contains(body, `"summary": "Kubernetes 1.31.5 is available in westeurope"`) {
		t.Errorf("events API %d: no summary of the westeurope news in %.300s…", code, body)
	}

	hours(22) // 1.33 is GA at +24h (stable moves to 1.32); 1.31's support ends at +30h
	news = stored[aksupgrade.VersionNews](t, env, aksupgrade.EventVersionAvailable)
	if len(news) != 4 {
		t.Fatalf("%d version news, want 4: 1.31.5 and 1.33's GA, in each region", len(news))
	}
	for _, n := range news[2:] {
		if len(n.New) != 1 || n.New[0] != (aksupgrade.NewVersion{Version: "1.33.0", WasPreview: true}) || n.Stages[0].Version != "1.32.3" {
			t.Errorf("1.33 GA news in %s: new %+v, sandbox %+v; want 1.33.0, sandbox taking 1.32.3 on the stable channel", n.Region, n.New, n.Stages[0])
		}
	}
	support := stored[aksupgrade.SupportNews](t, env, aksupgrade.EventSupportEnding)
	// One per cluster Azure (or the poller) said it of, whichever told it
	// first.
	told := map[string]bool{}
	evs, err := env.App.Store.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Type == "Microsoft.ContainerService.ClusterSupportEnding" {
			told[path.Base(e.Subject)] = true
		}
	}
	names := map[string]aksupgrade.SupportNews{}
	for _, n := range support {
		if _, dup := names[n.Name]; dup {
			t.Errorf("support news for %s twice", n.Name)
		}
		names[n.Name] = n
	}
	if len(told) < 2 || len(names) != len(told) {
		t.Errorf("support news for %d clusters, Azure told of %d (%v)", len(names), len(told), told)
	}
	// prod takes the patch first; the minor that fixes it comes after.
	p := names["prod-weu-01"]
	if p.Stage != "prod" || p.Zone != "Europe/Oslo" || p.Target != "1.31.5" || p.Goal == "" || p.Start == nil {
		t.Errorf("prod-weu-01's support news: %+v", p)
	}
	var fix string
	for _, m := range rec.got {
		for _, d := range m.Details {
			if strings.Contains(d, "Planned fix: "+p.Goal+" in stage prod, after 1.31.5 first (expected ") {
				fix = d
			}
		}
	}
	if !strings.Contains(fix, "CEST") {
		var all []string
		for _, m := range rec.got {
			all = append(all, m.Summary+"\n  "+strings.Join(m.Details, "\n  "))
		}
		t.Errorf("no support message names prod's planned fix in Oslo's time; messages:\n%s", strings.Join(all, "\n"))
	}
}

// stored decodes the data of the stored events of type typ, oldest first.
func stored[T any](t *testing.T, env *apptest.Env, typ aksupgrade.EventType) []T {
	t.Helper()
	evs, err := env.App.Store.Events(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(evs)
	var out []T
	for _, e := range evs {
		if e.Type != typ {
			continue
		}
		var v T
		if err := json.Unmarshal(e.Data, &v); err != nil {
			t.Fatalf("%s %s: %v", typ, e.Key.ID, err)
		}
		out = append(out, v)
	}
	return out
}
