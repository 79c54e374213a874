package backtest

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// The days out of support and near its end count from the calendar's
// dates, not from when the fleet happened to be looked at: a cluster that
// stays on 1.30 from 60 days before its end of support to 20 days after
// is 30 days near the end and 20 out, sampled twice or every day.
func TestSupportDaysDoNotDependOnSampling(t *testing.T) {
	pol, err := policy.Parse("anytime", []byte(anytime))
	if err != nil {
		t.Fatal(err)
	}
	cal := version.DefaultCalendar()
	e, ok := cal.Entry(version.Version{Major: 1, Minor: 30})
	if !ok {
		t.Fatal("no 1.30 in the calendar")
	}
	end := e.EndOfLife.AddDate(0, 0, 1) // the first day without community support
	from, to := end.AddDate(0, 0, -60).Add(7*time.Hour), end.AddDate(0, 0, 20)
	fleet := tinyFleet().Clusters[:1]
	fleet[0].KubernetesVersion = "1.30.10"
	for _, every := range []time.Duration{to.Sub(from), 24 * time.Hour, 5 * time.Hour} {
		w := newWatch(pol, cal)
		for at := from; at.Before(to); at = at.Add(every) {
			w.sample(at, fleet)
		}
		w.sample(to, fleet)
		res, err := w.result(Input{Policy: pol, From: from, To: to}, aksupgrade.History{})
		if err != nil {
			t.Fatal(err)
		}
		if res.ClusterDaysNearEndOfSupport != 30 || res.ClusterDaysOutOfSupport != 20 {
			t.Errorf("sampled every %s: %.3f days near the end, %.3f out; want 30 and 20",
				every, res.ClusterDaysNearEndOfSupport, res.ClusterDaysOutOfSupport)
		}
	}
}
