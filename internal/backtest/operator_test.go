package backtest

import (
	"context"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// weekdayRun replays the tiny fleet from Monday 2025-03-03 for 3 days: a
// patch comes at 02:00; dev's day is Monday, prod's Tuesday, at 10:00.
func weekdayRun(t *testing.T, scheme string, faults ...simulator.Fault) *Result {
	t.Helper()
	pol, err := policy.Parse("anytime", []byte(anytime))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	res, err := Replay(context.Background(), Input{Policy: pol, Fleet: tinyFleet(), From: from, To: from.Add(3 * 24 * time.Hour), Builtin: scheme, Faults: faults,
		Releases: []simulator.TimelineEntry{{After: simulator.Duration(2 * time.Hour), Region: "westeurope", AddPatch: "1.31.5"}}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestWeekday: dev takes the patch Monday at 10:00, prod Tuesday at
// 10:00, once dev had run it for its soak: prod's upgrade is proven.
func TestWeekday(t *testing.T) {
	for _, scheme := range []string{"weekday", "weekday-as-built"} {
		t.Run(scheme, func(t *testing.T) {
			res := weekdayRun(t, scheme)
			if len(res.Releases) != 1 {
				t.Fatalf("releases: %+v", res.Releases)
			}
			st := res.Releases[0].Stages
			monday10 := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
			if st[0].Reached == nil || st[0].Reached.Before(monday10) || !st[0].Reached.Before(monday10.Add(time.Hour)) {
				t.Errorf("dev reached 1.31.5 at %v, want within the hour after Monday 10:00", st[0].Reached)
			}
			tuesday10 := monday10.AddDate(0, 0, 1)
			if st[1].Reached == nil || st[1].Reached.Before(tuesday10) || !st[1].Reached.Before(tuesday10.Add(time.Hour)) {
				t.Errorf("prod reached 1.31.5 at %v, want within the hour after Tuesday 10:00", st[1].Reached)
			}
			if res.Upgrades != 2 || res.UpgradesStarted != 2 || res.UnprovenProdUpgrades != 0 {
				t.Errorf("upgrades %d, started %d, unproven %d; want 2, 2, 0", res.Upgrades, res.UpgradesStarted, res.UnprovenProdUpgrades)
			}
		})
	}
}

// TestWeekdayAsBuilt: dev's upgrade fails. The scheme as intended keeps
// prod where it is; as built, the record was written when dev's upgrade
// was sent, and prod takes a version no stage ran.
func TestWeekdayAsBuilt(t *testing.T) {
	fail := simulator.Fault{Kind: simulator.FaultDrainFailure, Cluster: "dev-1", Count: 1}
	intended := weekdayRun(t, "weekday", fail)
	if intended.UpgradesFailed != 1 || intended.Upgrades != 0 || intended.UnprovenProdUpgrades != 0 {
		t.Errorf("weekday: failed %d, upgrades %d, unproven %d; want 1, 0, 0", intended.UpgradesFailed, intended.Upgrades, intended.UnprovenProdUpgrades)
	}
	built := weekdayRun(t, "weekday-as-built", fail)
	if built.UpgradesFailed != 1 || built.UnprovenProdUpgrades != 1 {
		t.Errorf("weekday-as-built: failed %d, unproven %d (%+v); want 1, 1", built.UpgradesFailed, built.UnprovenProdUpgrades, built.Unproven)
	}
}

// TestWeekdayRetries: the scheme as intended sends dev's failed upgrade
// again on dev's next day, and prod follows the day after.
func TestWeekdayRetries(t *testing.T) {
	pol, err := policy.Parse("anytime", []byte(anytime))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	res, err := Replay(context.Background(), Input{Policy: pol, Fleet: tinyFleet(), From: from, To: from.AddDate(0, 0, 10), Builtin: "weekday",
		Faults:   []simulator.Fault{{Kind: simulator.FaultDrainFailure, Cluster: "dev-1", Count: 1}},
		Releases: []simulator.TimelineEntry{{After: simulator.Duration(2 * time.Hour), Region: "westeurope", AddPatch: "1.31.5"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.UpgradesStarted != 3 || res.UpgradesFailed != 1 || res.UpgradesRetried != 1 || res.Upgrades != 2 || res.UnprovenProdUpgrades != 0 {
		t.Errorf("started %d, failed %d, retried %d, upgrades %d, unproven %d; want 3, 1, 1, 2, 0",
			res.UpgradesStarted, res.UpgradesFailed, res.UpgradesRetried, res.Upgrades, res.UnprovenProdUpgrades)
	}
	st := res.Releases[0].Stages
	if next := time.Date(2025, 3, 11, 10, 0, 0, 0, time.UTC); st[1].Reached == nil || st[1].Reached.Before(next) {
		t.Errorf("prod reached 1.31.5 at %v, want after the second Tuesday 10:00", st[1].Reached)
	}
}

// TestFleetManager: the run for the patch upgrades dev at once (its
// window is always open), waits three days after dev, then upgrades
// prod; a failure in dev stops the run, and nothing retries it.
func TestFleetManager(t *testing.T) {
	pol, err := policy.Parse("anytime", []byte(anytime))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	run := func(faults ...simulator.Fault) *Result {
		res, err := Replay(context.Background(), Input{Policy: pol, Fleet: tinyFleet(), From: from, To: from.AddDate(0, 0, 6), Builtin: "fleet-manager", Faults: faults,
			Releases: []simulator.TimelineEntry{{After: simulator.Duration(2 * time.Hour), Region: "westeurope", AddPatch: "1.31.5"}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run()
	st := res.Releases[0].Stages
	if at := from.Add(2 * time.Hour); st[0].Reached == nil || !st[0].Reached.After(at) || !st[0].Reached.Before(at.Add(time.Hour)) {
		t.Errorf("dev reached 1.31.5 at %v, want within the hour after %v", st[0].Reached, at)
	}
	if st[1].Reached == nil || st[0].Reached == nil || st[1].Reached.Sub(*st[0].Reached) < fleetManagerWait {
		t.Errorf("prod reached 1.31.5 at %v, want three days or more after dev (%v)", st[1].Reached, st[0].Reached)
	}
	if res.Upgrades != 2 || res.UnprovenProdUpgrades != 0 {
		t.Errorf("upgrades %d, unproven %d; want 2, 0", res.Upgrades, res.UnprovenProdUpgrades)
	}
	failed := run(simulator.Fault{Kind: simulator.FaultDrainFailure, Cluster: "dev-1", Count: 1})
	if failed.UpgradesStarted != 1 || failed.UpgradesFailed != 1 || failed.Upgrades != 0 {
		t.Errorf("with dev failing: started %d, failed %d, upgrades %d; want 1, 1, 0 (the run stops)", failed.UpgradesStarted, failed.UpgradesFailed, failed.Upgrades)
	}
}
