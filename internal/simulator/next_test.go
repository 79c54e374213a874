package simulator

import (
	"testing"
	"time"
)

// NextChange foresees the upgrades AKS starts on its own: the first
// hourly sweep inside the window that allows one, and a forced upgrade
// at the end of its grace period. The clock set there finds the
// operation started.
func TestNextChangeForeseesAKSUpgrades(t *testing.T) {
	t.Run("node OS channel in its window", func(t *testing.T) {
		e := aksWorld(t, nil) // 08:00; the pools' window opens 01:00
		at, ok := e.sim.NextChange()
		if want := time.Date(2025, 3, 4, 1, 0, 0, 0, time.UTC); !ok || !at.Equal(want) {
			t.Fatalf("next change %s (%v), want the window's first sweep %s", at, ok, want)
		}
		e.clock.Set(at)
		if ops := e.sim.State(true).Operations; len(ops) != 1 || ops[0].Kind != string(opNodeImage) || !ops[0].StartTime.Equal(at) {
			t.Errorf("operations %+v, want the system pool's reimage started at %s", ops, at)
		}
	})
	t.Run("forced after the grace period", func(t *testing.T) {
		e := aksWorld(t, func(c *Cluster) { c.KubernetesVersion, c.NodeOSUpgradeChannel = "1.29.14", "None" },
			TimelineEntry{After: Duration(24 * time.Hour), Region: "westeurope", Remove: "1.29"})
		removed := e.sim.Start().Add(24 * time.Hour)
		if at, ok := e.sim.NextChange(); !ok || !at.Equal(removed) {
			t.Fatalf("next change %s (%v), want 1.29 leaving at %s", at, ok, removed)
		}
		e.clock.Set(removed)
		at, ok := e.sim.NextChange()
		if want := removed.Add(forcedUpgradeAfter); !ok || !at.Equal(want) {
			t.Fatalf("next change %s (%v), want the forced upgrade at %s", at, ok, want)
		}
		e.clock.Set(at)
		if ops := e.sim.State(true).Operations; len(ops) != 1 || ops[0].Kind != string(opCluster) || ops[0].To != "1.30.10" {
			t.Errorf("operations %+v, want AKS's forced upgrade to 1.30.10", ops)
		}
	})
	t.Run("nothing to do", func(t *testing.T) {
		e := aksWorld(t, func(c *Cluster) { c.NodeOSUpgradeChannel = "None" })
		if at, ok := e.sim.NextChange(); ok {
			t.Errorf("next change %s for a world where AKS has nothing to do", at)
		}
	})
}
