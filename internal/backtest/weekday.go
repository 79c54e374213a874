package backtest

import (
	"context"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// weekday is the scheme of a team that upgrades one environment a
// weekday with a timer-triggered function (the seed article on Durable
// Functions): the policy's first stage on Monday at 10:00 UTC, the next
// on Tuesday, and so on. The first stage takes the newest stable version
// AKS offers each cluster and records it; the others take the recorded
// one, so prod only gets what ran before it, and every stage converges.
//
// Modelled as intended (asBuilt false): a stage records a version once
// every cluster of it that took it has it; the next stage takes the
// newest version the stage before recorded that AKS offers it directly.
//
// Modelled as the article's code does it (asBuilt true):
//   - the first stage writes the one shared record when it sends the
//     upgrade, before AKS has run it, and whether or not it then fails;
//   - it takes the last (newest) version the upgrade profile lists, and
//     does nothing when that one is in preview, even if a stable one is
//     offered;
//   - the other stages send the recorded version whenever it differs
//     from theirs, unless the newest version offered to them is in
//     preview; AKS refuses a record more than a minor ahead, every week
//     again.
type weekday struct {
	pol     *policy.Policy
	asBuilt bool
	due     time.Time // the next 10:00 UTC
	// recorded: per stage, the versions it completed (intended).
	recorded []map[version.Version]bool
	// started: per stage, the versions it sent and not yet recorded.
	started []map[version.Version]bool
	// record is the shared record (as built).
	record version.Version
}

// weekdayHour is when the function's timer fires (the article's cron,
// 0 0 10 * * 1-4).
const weekdayHour = 10

func newWeekday(pol *policy.Policy, asBuilt bool) *weekday {
	w := &weekday{pol: pol, asBuilt: asBuilt}
	for range pol.Stages {
		w.recorded = append(w.recorded, map[version.Version]bool{})
		w.started = append(w.started, map[version.Version]bool{})
	}
	return w
}

func (w *weekday) act(ctx context.Context, now time.Time, az *arm) (time.Time, error) {
	if w.due.IsZero() {
		w.due = time.Date(now.Year(), now.Month(), now.Day(), weekdayHour, 0, 0, 0, time.UTC)
		if w.due.Before(now) {
			w.due = w.due.AddDate(0, 0, 1)
		}
	}
	clusters, err := az.clusters(ctx)
	if err != nil {
		return time.Time{}, err
	}
	byStage := make([][]aksupgrade.Cluster, len(w.pol.Stages))
	for _, c := range clusters {
		if i := stageIndex(w.pol, &c); i >= 0 {
			byStage[i] = append(byStage[i], c)
		}
	}
	if !w.asBuilt {
		w.settle(byStage)
	}
	if now.Before(w.due) {
		return w.due, nil
	}
	// The stage of today, counting Monday as the first.
	i := (int(w.due.Weekday()) + 6) % 7
	w.due = w.due.AddDate(0, 0, 1)
	if i >= len(w.pol.Stages) {
		return w.due, nil
	}
	for _, c := range byStage[i] {
		if err := w.upgrade(ctx, az, i, c); err != nil {
			return time.Time{}, err
		}
	}
	return w.due, nil
}

// upgrade sends stage i's cluster c where the scheme wants it.
func (w *weekday) upgrade(ctx context.Context, az *arm, i int, c aksupgrade.Cluster) error {
	offers, err := az.upgrades(ctx, c)
	if err != nil || len(offers) == 0 {
		return err // nothing offered: the cluster is where it can be
	}
	newest := offers[len(offers)-1]
	var to version.Version
	switch {
	case w.asBuilt && newest.preview:
		return nil
	case w.asBuilt && i == 0:
		to = newest.v
	case w.asBuilt:
		if w.record.IsZero() || w.record.String() == c.KubernetesVersion {
			return nil
		}
		to = w.record
	case i == 0:
		for _, o := range offers {
			if !o.preview {
				to = o.v
			}
		}
	default:
		for _, o := range offers {
			if w.recorded[i-1][o.v] {
				to = o.v
			}
		}
	}
	if to.IsZero() {
		return nil
	}
	ok, err := az.upgrade(ctx, c, to)
	if ok {
		w.started[i][to] = true
		if w.asBuilt && i == 0 {
			w.record = to
		}
	}
	return err
}

// settle records, per stage, each version it sent that every one of its
// clusters sent there now runs, idle; a version a cluster failed on is
// dropped, to be sent again on the stage's next day.
func (w *weekday) settle(byStage [][]aksupgrade.Cluster) {
	for i, cs := range byStage {
		for v := range w.started[i] {
			done, failed := true, false
			for _, c := range cs {
				switch {
				case c.ProvisioningState == "Failed":
					failed = true
				case !c.Idle():
					done = false
				}
			}
			if failed {
				delete(w.started[i], v)
				continue
			}
			if !done {
				continue
			}
			ran := false
			for _, c := range cs {
				if cv, err := version.Parse(c.KubernetesVersion); err == nil && cv == v {
					ran = true
				}
			}
			if ran {
				w.recorded[i][v] = true
			}
			delete(w.started[i], v)
		}
	}
}
