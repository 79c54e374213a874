package azure

import (
	"context"
	"testing"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

func TestSimulatorSetChannels(t *testing.T) {
	e := newSimEnv(t, scenarioWith(t, func(c *simulator.Cluster) {
		c.AutoUpgradeChannel, c.NodeOSUpgradeChannel, c.ServicePrincipal = "patch", "NodeImage", "5d1c3b4e-0000-4000-8000-000000000001"
	}))
	ctx := context.Background()
	if err := e.p.SetChannels(ctx, testID, aksupgrade.Channels{AutoUpgrade: "none", NodeOS: "None"}); err != nil {
		t.Fatal(err)
	}
	c := e.cluster(testID)
	if c.AutoUpgradeChannel != "none" || c.NodeOSUpgradeChannel != "None" {
		t.Errorf("channels %q, %q; want none and None", c.AutoUpgradeChannel, c.NodeOSUpgradeChannel)
	}
	// Only what is asked changes.
	if err := e.p.SetChannels(ctx, testID, aksupgrade.Channels{NodeOS: "Unmanaged"}); err != nil {
		t.Fatal(err)
	}
	if c := e.cluster(testID); c.AutoUpgradeChannel != "none" || c.NodeOSUpgradeChannel != "Unmanaged" {
		t.Errorf("channels %q, %q; want none and Unmanaged", c.AutoUpgradeChannel, c.NodeOSUpgradeChannel)
	}
	if _, err := e.p.Start(ctx, aksupgrade.Step{Kind: aksupgrade.StepControlPlane, ClusterID: testID, Version: "1.31.4"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.p.SetChannels(ctx, testID, aksupgrade.Channels{NodeOS: "None"}), aksupgrade.ErrBusy)
}
