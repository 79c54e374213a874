package dashboard

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/store"
)

// live streams server-sent events: a "change" event whenever what the
// pages show may have changed (a first one at once), a comment now and
// then to keep proxies from closing the stream. The page's script then
// fetches the page again and swaps in its content; without the script,
// the pages are whole and a reload shows the same.
func (d *Dashboard) live(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	ctx := r.Context()
	tick := time.NewTicker(d.o.LiveEvery)
	defer tick.Stop()
	last, quiet := "", 0
	for {
		fp, err := d.fingerprint(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			// The next look may succeed; the page keeps what it shows.
			d.log.Warn("dashboard: cannot tell whether anything changed", "err", err)
		case fp != last:
			last, quiet = fp, 0
			if send(rc, w, "event: change\ndata: "+fp+"\n\n") != nil {
				return
			}
		default:
			if quiet++; quiet*int(d.o.LiveEvery) >= int(15*time.Second) {
				quiet = 0
				if send(rc, w, ": still here\n\n") != nil {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// send writes one event and flushes it, with a write deadline of its own
// (the server's WriteTimeout would otherwise end the stream).
func send(rc *http.ResponseController, w http.ResponseWriter, s string) error {
	// Servers without deadlines (httptest's recorder) answer
	// ErrNotSupported: then the write has none.
	if err := rc.SetWriteDeadline(time.Now().Add(30 * time.Second)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := fmt.Fprint(w, s); err != nil {
		return err // the page went away
	}
	return rc.Flush()
}

// fingerprint sums up what the pages show: the newest audit entry (every
// state change has one), the fleet's observation, the newest event and
// notification, the engine's plan and last error.
func (d *Dashboard) fingerprint(ctx context.Context) (string, error) {
	var h strings.Builder
	audit, err := d.o.Store.Audit(ctx, store.AuditQuery{Limit: 1})
	if err != nil {
		return "", err
	}
	for _, a := range audit {
		fmt.Fprint(&h, "a", a.ID)
	}
	switch f, err := d.o.Store.Fleet(ctx); {
	case err == nil:
		fmt.Fprint(&h, "f", f.At.UnixNano())
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	evs, err := d.o.Store.Events(ctx, 1)
	if err != nil {
		return "", err
	}
	for _, e := range evs {
		fmt.Fprint(&h, "e", e.Key.Source, e.Key.ID, e.ProcessedAt != nil)
	}
	outs, err := d.o.Store.Notifications(ctx, 1)
	if err != nil {
		return "", err
	}
	for _, o := range outs {
		fmt.Fprint(&h, "n", o.ID, o.State, o.Attempts)
	}
	if res, err := d.o.Engine.LastPlan(); err == nil && res != nil {
		fmt.Fprint(&h, "p", len(res.Actions), len(res.Stages))
		for _, sp := range res.Stages {
			fmt.Fprint(&h, sp.Halted)
			for _, tp := range sp.Targets {
				fmt.Fprint(&h, tp.Target.String(), tp.State, tp.Done)
			}
		}
	}
	if at, err := d.o.Engine.LastError(); err != nil {
		fmt.Fprint(&h, "x", at.UnixNano())
	}
	sum := fnv.New64a()
	_, _ = sum.Write([]byte(h.String())) // a hash takes every write
	return fmt.Sprintf("%016x", sum.Sum64()), nil
}
