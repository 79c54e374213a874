package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/app"
	"github.com/aksupgrade/aksupgrade/internal/apptest"
	"github.com/aksupgrade/aksupgrade/internal/demo"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// TestNotifyRestart: a restarted service does not tell again what it
// told before (however its router groups the old events now), and goes
// on telling what is new.
func TestNotifyRestart(t *testing.T) {
	rec := &recorder{}
	env := apptest.Start(t, func(o *app.Options) { o.Receivers = map[string]notify.Receiver{"terminal": rec} })
	ctx := context.Background()
	hours := func(a *app.App, n int) {
		for range n {
			env.Run(t, time.Hour)
			if _, err := a.Notify(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	hours(env.App, 30)
	before := len(rec.got)
	if before == 0 {
		t.Fatal("nothing told in 30 hours")
	}
	if err := env.App.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	pol, err := policy.Parse("demo", demo.Policy())
	if err != nil {
		t.Fatal(err)
	}
	again := &recorder{}
	a, err := app.New(ctx, app.Options{Policy: pol, DBPath: env.DB, ARMEndpoint: env.ARM.URL, Clock: env.Clock,
		Receivers: map[string]notify.Receiver{"terminal": again}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	env.App = a
	for range 2 { // past every group's wait
		if _, err := a.Notify(ctx); err != nil {
			t.Fatal(err)
		}
		env.Clock.Set(env.Clock.Now().Add(15 * time.Minute))
	}
	for _, m := range again.got {
		t.Errorf("told again after the restart: %s (%s)", m.Summary, m.Kind)
	}
}

// TestNotifyFlood: a message is told however many events arrive around
// it before the notifier looks (here 1,200 that tell nothing).
func TestNotifyFlood(t *testing.T) {
	rec := &recorder{}
	env := apptest.Start(t, func(o *app.Options) { o.Receivers = map[string]notify.Receiver{"terminal": rec} })
	ctx := context.Background()
	if _, err := env.App.Notify(ctx); err != nil {
		t.Fatal(err)
	}
	now := env.Clock.Now()
	put := func(id, typ string, data string) {
		t.Helper()
		e := store.Event{Key: store.EventKey{Source: "test", ID: id}, Type: typ, Time: now, ReceivedAt: now, Data: []byte(data)}
		if _, err := env.App.Store.PutEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1200 {
		if i == 100 {
			put("approval", aksupgrade.EventApprovalNeeded, `{"stage":"prod","target":"1.32.3","reason":"minor upgrades need approval in prod"}`)
		}
		put(fmt.Sprint(i), "aksupgrade.step.running", `{}`)
	}
	for range 2 { // past the group's wait
		if _, err := env.App.Notify(ctx); err != nil {
			t.Fatal(err)
		}
		env.Clock.Set(env.Clock.Now().Add(15 * time.Minute))
	}
	if len(rec.got) != 1 || rec.got[0].Kind != notify.KindApprovalNeeded {
		t.Errorf("told %+v, want the approval", rec.got)
	}
}
