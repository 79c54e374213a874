package simulator

import (
	"context"
	"testing"
	"time"
)

func TestTimelineVersionReachesRegionsOnDifferentDays(t *testing.T) {
	e := newEnv(t, "small.yaml")
	offers := func(region, v string) bool {
		t.Helper()
		resp, err := e.clusters().ListKubernetesVersions(context.Background(), region, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range resp.Values {
			if _, ok := kv.PatchVersions[v]; ok {
				return true
			}
		}
		return false
	}
	day := 24 * time.Hour
	steps := []struct {
		at                 time.Duration
		eastus, westeurope bool
	}{
		{0, false, false},
		{day, false, false},
		{2*day - time.Second, false, false},
		{2 * day, true, false},
		{3 * day, true, false},
		{4 * day, true, true},
	}
	for _, s := range steps {
		e.clock.Set(e.sim.Start().Add(s.at))
		if got := offers("eastus", "1.31.5"); got != s.eastus {
			t.Errorf("at +%v eastus offers 1.31.5 = %v, want %v", s.at, got, s.eastus)
		}
		if got := offers("westeurope", "1.31.5"); got != s.westeurope {
			t.Errorf("at +%v westeurope offers 1.31.5 = %v, want %v", s.at, got, s.westeurope)
		}
	}
	// The new patch is an upgrade of the older one, and the fleet shows it.
	cat := e.sim.Fleet().Catalogs["westeurope"]
	for _, kv := range cat.Values {
		if kv.Version == "1.31" {
			if ups := kv.PatchVersions["1.31.4"].Upgrades; len(ups) == 0 || ups[0] != "1.31.5" {
				t.Errorf("1.31.4 upgrades = %v, want 1.31.5 first", ups)
			}
		}
	}
	// Upgrading to it works once it is there.
	if _, err := e.upgradeControlPlane("rg-a", "aks-b", "1.31.5"); err != nil {
		t.Error(err)
	}
}

func TestTimelineNodeImage(t *testing.T) {
	e := newEnv(t, "small.yaml")
	latest := func() string {
		t.Helper()
		resp, err := e.pools().GetUpgradeProfile(context.Background(), "rg-a", "aks-a", "system", nil)
		if err != nil {
			t.Fatal(err)
		}
		return deref(resp.Properties.LatestNodeImageVersion)
	}
	if got := latest(); got != "AKSUbuntu-2204gen2containerd-202502.03.0" {
		t.Errorf("latest at start = %s", got)
	}
	e.clock.Advance(7 * 24 * time.Hour)
	if got := latest(); got != "AKSUbuntu-2204gen2containerd-202502.10.0" {
		t.Errorf("latest after a week = %s", got)
	}
	for _, c := range e.sim.Fleet().Clusters {
		if c.Name == "aks-a" && c.NodePools[0].LatestNodeImageVersion != "AKSUbuntu-2204gen2containerd-202502.10.0" {
			t.Errorf("fleet latest image = %s", c.NodePools[0].LatestNodeImageVersion)
		}
	}
}
