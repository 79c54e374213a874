package backtest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

// scenarioFor is the simulated Azure a replay runs in: the snapshot's
// clusters in their subscriptions and regions, each region's catalogue
// as the snapshot has it at from, and the releases to come as the
// simulator's timeline.
func scenarioFor(snap *aksupgrade.Snapshot, from time.Time, releases []simulator.TimelineEntry) (*simulator.Scenario, error) {
	sc := &simulator.Scenario{Start: from, Timeline: releases}
	subs := map[string]*simulator.Subscription{}
	var order []string
	for _, c := range snap.Clusters {
		if c.SubscriptionID == "" || c.ResourceGroup == "" {
			return nil, fmt.Errorf("cluster %s: the replay needs its subscriptionId and resourceGroup", c.Name)
		}
		s, ok := subs[c.SubscriptionID]
		if !ok {
			s = &simulator.Subscription{ID: c.SubscriptionID}
			subs[c.SubscriptionID] = s
			order = append(order, c.SubscriptionID)
		}
		sc2 := simulator.Cluster{Name: c.Name, ResourceGroup: c.ResourceGroup, Location: c.Location, KubernetesVersion: c.KubernetesVersion,
			Tags: c.Tags, SupportPlan: c.SupportPlan, AutoUpgradeChannel: c.AutoUpgradeChannel, NodeOSUpgradeChannel: c.NodeOSUpgradeChannel}
		if c.SupportPlan == aksupgrade.SupportPlanLTS {
			sc2.Tier = "Premium" // AKS offers LTS on the Premium tier only
		}
		for _, p := range c.NodePools {
			sc2.NodePools = append(sc2.NodePools, simulator.NodePool{Name: p.Name, Mode: p.Mode, OSType: p.OSType, VMSize: p.VMSize,
				Count: p.Count, KubernetesVersion: p.KubernetesVersion, NodeImageVersion: p.NodeImageVersion})
		}
		s.Clusters = append(s.Clusters, sc2)
	}
	for _, id := range order {
		sc.Subscriptions = append(sc.Subscriptions, *subs[id])
	}
	regions := make([]string, 0, len(snap.Catalogs))
	for r := range snap.Catalogs {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		reg := simulator.Region{Name: r}
		for _, kv := range snap.Catalogs[r].Values {
			patches := make([]string, 0, len(kv.PatchVersions))
			for p := range kv.PatchVersions {
				patches = append(patches, p)
			}
			slices.SortFunc(patches, comparePatch)
			reg.KubernetesVersions = append(reg.KubernetesVersions, simulator.MinorVersion{Version: kv.Version, Patches: patches,
				IsPreview: kv.IsPreview, IsDefault: kv.IsDefault, SupportPlans: kv.Capabilities.SupportPlan})
		}
		for _, c := range snap.Clusters {
			for _, p := range c.NodePools {
				if strings.EqualFold(c.Location, r) && p.NodeImageVersion != "" && !slices.Contains(reg.NodeImages, p.NodeImageVersion) {
					reg.NodeImages = append(reg.NodeImages, p.NodeImageVersion)
				}
			}
		}
		sc.Regions = append(sc.Regions, reg)
	}
	return sc, nil
}

// comparePatch orders "1.31.10" after "1.31.9".
func comparePatch(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if len(pa[i]) != len(pb[i]) {
			return len(pa[i]) - len(pb[i])
		}
		if c := strings.Compare(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return len(pa) - len(pb)
}
