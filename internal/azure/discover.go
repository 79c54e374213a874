package azure

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksupgrade/aksupgrade"
)

// maintenanceListers is how many clusters' maintenance configurations are
// listed at once during discovery.
const maintenanceListers = 8

// Subscriptions lists the IDs of the subscriptions the identity can read,
// with the subscriptions list pager.
func (p *Provider) Subscriptions(ctx context.Context) ([]string, error) {
	var ids []string
	pager := p.subs.NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", p.classify(err))
		}
		for _, s := range page.Value {
			if s != nil && s.SubscriptionID != nil {
				ids = append(ids, *s.SubscriptionID)
			}
		}
	}
	return ids, nil
}

// Clusters lists the managed clusters of the subscriptions: one list
// pager per subscription, never a GET per cluster. Their maintenance
// windows are read apart (MaintenanceWindows), as they rarely change.
func (p *Provider) Clusters(ctx context.Context, subscriptions []string) ([]aksupgrade.Cluster, error) {
	var out []aksupgrade.Cluster
	for _, sub := range subscriptions {
		cs, err := p.listClusters(withSubscription(ctx, sub), sub)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// Cluster reads one managed cluster.
func (p *Provider) Cluster(ctx context.Context, id string) (aksupgrade.Cluster, error) {
	ctx, ref, f, err := p.forCluster(ctx, id)
	if err != nil {
		return aksupgrade.Cluster{}, err
	}
	resp, err := f.NewManagedClustersClient().Get(ctx, ref.resourceGroup, ref.name, nil)
	if err != nil {
		return aksupgrade.Cluster{}, fmt.Errorf("read cluster %s: %w", id, p.classify(err))
	}
	c, err := convertCluster(&resp.ManagedCluster)
	if err == nil {
		p.lim.learnRegion(c.ID, c.Location)
	}
	return c, err
}

// MaintenanceWindows sets AutoUpgradeWindow of each cluster from its
// aksManagedAutoUpgradeSchedule, one list of maintenance configurations
// per cluster, a few clusters at a time.
func (p *Provider) MaintenanceWindows(ctx context.Context, cs []aksupgrade.Cluster) error {
	return p.fillWindows(ctx, cs)
}

func (p *Provider) listClusters(ctx context.Context, sub string) ([]aksupgrade.Cluster, error) {
	f, err := p.factory(sub)
	if err != nil {
		return nil, err
	}
	var out []aksupgrade.Cluster
	pager := f.NewManagedClustersClient().NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list managed clusters of subscription %s: %w", sub, p.classify(err))
		}
		for _, mc := range page.Value {
			c, err := convertCluster(mc)
			if err != nil {
				return nil, fmt.Errorf("subscription %s: %w", sub, err)
			}
			p.lim.learnRegion(c.ID, c.Location)
			out = append(out, c)
		}
	}
	return out, nil
}

// fillWindows sets AutoUpgradeWindow of each cluster, listing their
// maintenance configurations a few clusters at a time.
func (p *Provider) fillWindows(ctx context.Context, cs []aksupgrade.Cluster) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
		next    = make(chan int)
	)
	for range min(maintenanceListers, len(cs)) {
		wg.Go(func() {
			for i := range next {
				w, err := p.autoUpgradeWindow(ctx, &cs[i])
				if err != nil {
					errOnce.Do(func() { first = err; cancel() })
					continue
				}
				cs[i].AutoUpgradeWindow = w
			}
		})
	}
feed:
	for i := range cs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func (p *Provider) autoUpgradeWindow(ctx context.Context, c *aksupgrade.Cluster) (*aksupgrade.Window, error) {
	f, err := p.factory(c.SubscriptionID)
	if err != nil {
		return nil, err
	}
	ctx = withSubscription(ctx, c.SubscriptionID)
	var configs []*armcontainerservice.MaintenanceConfiguration
	pager := f.NewMaintenanceConfigurationsClient().NewListByManagedClusterPager(c.ResourceGroup, c.Name, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list maintenance configurations of %s: %w", c.ID, p.classify(err))
		}
		configs = append(configs, page.Value...)
	}
	return autoUpgradeWindow(configs), nil
}

// NodeImages fills in LatestNodeImageVersion of each pool of c from the
// pools' upgrade profiles, and, on the LTS plan, Upgrades from the
// cluster's own upgrade profile.
func (p *Provider) NodeImages(ctx context.Context, c *aksupgrade.Cluster) error {
	ctx, ref, f, err := p.forCluster(ctx, c.ID)
	if err != nil {
		return err
	}
	if strings.EqualFold(c.SupportPlan, aksupgrade.SupportPlanLTS) {
		prof, err := f.NewManagedClustersClient().GetUpgradeProfile(ctx, ref.resourceGroup, ref.name, nil)
		if err != nil {
			return fmt.Errorf("upgrade profile of %s: %w", c.ID, p.classify(err))
		}
		c.Upgrades = nil
		if pp := prof.Properties; pp != nil && pp.ControlPlaneProfile != nil {
			for _, u := range pp.ControlPlaneProfile.Upgrades {
				if u != nil && u.KubernetesVersion != nil {
					c.Upgrades = append(c.Upgrades, *u.KubernetesVersion)
				}
			}
		}
	}
	pools := f.NewAgentPoolsClient()
	for i := range c.NodePools {
		np := &c.NodePools[i]
		prof, err := pools.GetUpgradeProfile(ctx, ref.resourceGroup, ref.name, np.Name, nil)
		if err != nil {
			return fmt.Errorf("upgrade profile of pool %s of %s: %w", np.Name, c.ID, p.classify(err))
		}
		np.LatestNodeImageVersion = latestNodeImage(&prof.AgentPoolUpgradeProfile)
	}
	return nil
}

func latestNodeImage(p *armcontainerservice.AgentPoolUpgradeProfile) string {
	if p == nil || p.Properties == nil {
		return ""
	}
	return str(p.Properties.LatestNodeImageVersion)
}

// Catalog returns the version catalogue of a region as seen from a
// subscription (ListKubernetesVersions).
func (p *Provider) Catalog(ctx context.Context, subscription, location string) (aksupgrade.KubernetesVersionList, error) {
	f, err := p.factory(subscription)
	if err != nil {
		return aksupgrade.KubernetesVersionList{}, err
	}
	ctx = withSubscription(ctx, subscription)
	r, err := f.NewManagedClustersClient().ListKubernetesVersions(ctx, location, nil)
	if err != nil {
		return aksupgrade.KubernetesVersionList{}, fmt.Errorf("kubernetes versions of %s: %w", location, p.classify(err))
	}
	return convertCatalog(r.KubernetesVersionListResult), nil
}
