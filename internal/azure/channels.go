package azure

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksupgrade/aksupgrade"
)

// SetChannels sets the cluster's autoUpgradeProfile channels: a
// read-modify-write of the managed cluster, PUT with If-Match and the
// body az aks update sends (asTheCLISends). It returns once AKS accepted
// the PUT; the short update that follows is not awaited (the next
// discovery reads the channels back).
func (p *Provider) SetChannels(ctx context.Context, clusterID string, ch aksupgrade.Channels) error {
	ctx, ref, f, err := p.forCluster(ctx, clusterID)
	if err != nil {
		return err
	}
	mcs := f.NewManagedClustersClient()
	got, err := mcs.Get(ctx, ref.resourceGroup, ref.name, nil)
	if err != nil {
		return p.classify(err)
	}
	mc := got.ManagedCluster
	c, err := convertCluster(&mc)
	if err != nil {
		return errorf(aksupgrade.ErrInternal, err.Error())
	}
	if !c.Idle() {
		return errorf(aksupgrade.ErrBusy, fmt.Sprintf("cluster is %s", busyState(c)))
	}
	if mc.Properties == nil {
		return errorf(aksupgrade.ErrInternal, "managed cluster without properties")
	}
	prof := mc.Properties.AutoUpgradeProfile
	if prof == nil {
		prof = &armcontainerservice.ManagedClusterAutoUpgradeProfile{}
		mc.Properties.AutoUpgradeProfile = prof
	}
	if ch.AutoUpgrade != "" {
		prof.UpgradeChannel = to(armcontainerservice.UpgradeChannel(ch.AutoUpgrade))
	}
	if ch.NodeOS != "" {
		prof.NodeOSUpgradeChannel = to(armcontainerservice.NodeOSUpgradeChannel(ch.NodeOS))
	}
	p.asTheCLISends(ctx, ref, mc.Properties)
	if _, err := mcs.BeginCreateOrUpdate(ctx, ref.resourceGroup, ref.name, mc,
		&armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: mc.ETag}); err != nil {
		return p.classify(err)
	}
	p.log.InfoContext(ctx, "channels set", "cluster", ref.id, "autoUpgrade", ch.AutoUpgrade, "nodeOS", ch.NodeOS)
	return nil
}

func to[T any](v T) *T { return &v }
