package dashboard

import (
	"net/http"
	"sort"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/eventlog"
	"github.com/aksupgrade/aksupgrade/internal/notify"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// eventsView is what arrived and what was told to whom.
type eventsView struct {
	Events        []eventRow
	Receivers     []receiverRow
	Notifications []notificationRow
	Failures      int
}

type eventRow struct {
	At, Type, Subject, Summary string
	Processed                  bool
}

type receiverRow struct {
	Name                  string
	Sent, Failed, Retried int64
}

type notificationRow struct {
	At, Receiver, Kind, Summary, Error, Link string
	State                                    chip
	Attempts                                 int
}

// shown is how many events and notifications the page lists, newest
// first.
const shown = 60

func (d *Dashboard) events(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := d.o.Clock.Now()
	evs, err := d.o.Store.Events(ctx, shown)
	if err != nil {
		d.Fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	v := &eventsView{}
	for _, e := range evs {
		ev, _ := eventlog.Decode(e) // on error ev has no payload: Describe names its type
		v.Events = append(v.Events, eventRow{At: when(e.ReceivedAt, now, time.UTC), Type: string(e.Type), Subject: aksupgrade.ClusterName(e.Subject),
			Summary: aksupgrade.Printable(ev.Describe()), Processed: e.ProcessedAt != nil})
	}
	if d.o.NotifyStats != nil {
		for name, st := range d.o.NotifyStats() {
			v.Receivers = append(v.Receivers, receiverRow{Name: name, Sent: st.Sent, Failed: st.Failed, Retried: st.Retried})
		}
		sort.Slice(v.Receivers, func(i, j int) bool { return v.Receivers[i].Name < v.Receivers[j].Name })
	}
	outs, err := d.o.Store.Notifications(ctx, shown)
	if err != nil {
		d.Fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	for _, o := range outs {
		row := notificationRow{At: when(o.CreatedAt, now, time.UTC), Receiver: o.Receiver, Attempts: o.Attempts, Error: aksupgrade.Printable(o.LastError)}
		if m, err := notify.DecodeMessage(o); err == nil {
			row.Kind, row.Summary, row.Link = m.Kind, aksupgrade.Printable(m.Summary), localPath(m.Link)
		} else {
			row.Summary = "(a message this version cannot read: " + err.Error() + ")"
		}
		switch o.State {
		case store.OutgoingSent:
			row.State = chip{Class: "ok", Text: "sent"}
		case store.OutgoingFailed:
			row.State = chip{Class: "bad", Text: "gave up"}
			v.Failures++
		default:
			row.State = chip{Class: "wait", Text: "pending"}
			if o.Attempts > 0 {
				row.State = chip{Class: "bad", Text: "retrying"}
				v.Failures++
			}
		}
		v.Notifications = append(v.Notifications, row)
	}
	d.render(w, r, http.StatusOK, "events", v)
}
