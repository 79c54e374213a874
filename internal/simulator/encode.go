package simulator

import (
	"maps"
	"slices"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// The ARM API's answers are built with the SDK's own model types, so their
// JSON is what the SDK reads.

const tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"

func encodeSubscription(sub *subState) *armsubscriptions.Subscription {
	return &armsubscriptions.Subscription{
		ID:                  to.Ptr("/subscriptions/" + sub.id),
		SubscriptionID:      to.Ptr(sub.id),
		DisplayName:         to.Ptr(sub.name),
		State:               to.Ptr(armsubscriptions.SubscriptionStateEnabled),
		TenantID:            to.Ptr(tenantID),
		AuthorizationSource: to.Ptr("RoleBased"),
		SubscriptionPolicies: &armsubscriptions.SubscriptionPolicies{
			LocationPlacementID: to.Ptr("Public_2014-09-01"),
			QuotaID:             to.Ptr("EnterpriseAgreement_2014-09-01"),
			SpendingLimit:       to.Ptr(armsubscriptions.SpendingLimitOff),
		},
	}
}

func (s *Simulator) encodeCluster(c *clusterState) *armcontainerservice.ManagedCluster {
	tags := map[string]*string{}
	for k, v := range c.tags {
		tags[k] = to.Ptr(v)
	}
	profiles := make([]*armcontainerservice.ManagedClusterAgentPoolProfile, 0, len(c.pools))
	for _, p := range c.pools {
		pp := s.poolProperties(p)
		profiles = append(profiles, &armcontainerservice.ManagedClusterAgentPoolProfile{
			Name:                       to.Ptr(p.name),
			Count:                      pp.Count,
			Mode:                       pp.Mode,
			OSType:                     pp.OSType,
			OSSKU:                      pp.OSSKU,
			VMSize:                     pp.VMSize,
			Type:                       pp.Type,
			MaxPods:                    pp.MaxPods,
			OrchestratorVersion:        pp.OrchestratorVersion,
			CurrentOrchestratorVersion: pp.CurrentOrchestratorVersion,
			NodeImageVersion:           pp.NodeImageVersion,
			ProvisioningState:          pp.ProvisioningState,
			PowerState:                 pp.PowerState,
			UpgradeSettings:            pp.UpgradeSettings,
			ETag:                       pp.ETag,
		})
	}
	dns := c.name + "-dns"
	return &armcontainerservice.ManagedCluster{
		ID:       to.Ptr(c.id()),
		Name:     to.Ptr(c.name),
		Type:     to.Ptr("Microsoft.ContainerService/ManagedClusters"),
		Location: to.Ptr(c.location),
		Tags:     tags,
		ETag:     to.Ptr(c.etag),
		SKU: &armcontainerservice.ManagedClusterSKU{
			Name: to.Ptr(armcontainerservice.ManagedClusterSKUNameBase),
			Tier: to.Ptr(armcontainerservice.ManagedClusterSKUTier(c.tier)),
		},
		Properties: &armcontainerservice.ManagedClusterProperties{
			ProvisioningState:        to.Ptr(c.provisioning),
			PowerState:               &armcontainerservice.PowerState{Code: to.Ptr(armcontainerservice.Code(s.powerState(c)))},
			KubernetesVersion:        to.Ptr(c.target),
			CurrentKubernetesVersion: to.Ptr(c.version),
			SupportPlan:              to.Ptr(armcontainerservice.KubernetesSupportPlan(c.supportPlan)),
			AutoUpgradeProfile: &armcontainerservice.ManagedClusterAutoUpgradeProfile{
				UpgradeChannel:       to.Ptr(armcontainerservice.UpgradeChannel(c.autoUpgrade)),
				NodeOSUpgradeChannel: to.Ptr(armcontainerservice.NodeOSUpgradeChannel(c.nodeOSUpgrade)),
			},
			AgentPoolProfiles:    profiles,
			DNSPrefix:            to.Ptr(dns),
			Fqdn:                 to.Ptr(dns + "-" + shortHash(c.id()) + ".hcp." + c.location + ".azmk8s.io"),
			AzurePortalFQDN:      to.Ptr(dns + "-" + shortHash(c.id()) + ".portal.hcp." + c.location + ".azmk8s.io"),
			NodeResourceGroup:    to.Ptr("MC_" + c.rg + "_" + c.name + "_" + c.location),
			EnableRBAC:           to.Ptr(true),
			MaxAgentPools:        to.Ptr[int32](100),
			AADProfile:           encodeAAD(c.kube.aad),
			DisableLocalAccounts: to.Ptr(c.kube.noLocal),
			// A cluster with a managed identity reads back as clientId
			// "msi" (the API's servicePrincipalProfile description); the
			// secret is never returned.
			ServicePrincipalProfile: &armcontainerservice.ManagedClusterServicePrincipalProfile{ClientID: to.Ptr(c.clientID)},
			UpgradeSettings:         encodeOverride(c.force),
		},
	}
}

func encodeOverride(o *armcontainerservice.UpgradeOverrideSettings) *armcontainerservice.ClusterUpgradeSettings {
	if o == nil {
		return nil
	}
	c := *o
	return &armcontainerservice.ClusterUpgradeSettings{OverrideSettings: &c}
}

func encodeAAD(a *AADProfile) *armcontainerservice.ManagedClusterAADProfile {
	if a == nil {
		return nil
	}
	p := &armcontainerservice.ManagedClusterAADProfile{Managed: to.Ptr(a.Managed), EnableAzureRBAC: to.Ptr(a.EnableAzureRBAC),
		TenantID: to.Ptr(orDefault(a.TenantID, tenantID))}
	for _, g := range a.AdminGroupObjectIDs {
		p.AdminGroupObjectIDs = append(p.AdminGroupObjectIDs, to.Ptr(g))
	}
	return p
}

func (s *Simulator) poolProperties(p *poolState) *armcontainerservice.ManagedClusterAgentPoolProfileProperties {
	return &armcontainerservice.ManagedClusterAgentPoolProfileProperties{
		Count:                      to.Ptr(int32(p.count)),
		Mode:                       to.Ptr(armcontainerservice.AgentPoolMode(p.mode)),
		OSType:                     to.Ptr(armcontainerservice.OSType(p.osType)),
		OSSKU:                      to.Ptr(armcontainerservice.OSSKU(p.osSKU)),
		VMSize:                     to.Ptr(p.vmSize),
		Type:                       to.Ptr(armcontainerservice.AgentPoolTypeVirtualMachineScaleSets),
		MaxPods:                    to.Ptr[int32](110),
		OrchestratorVersion:        to.Ptr(p.target),
		CurrentOrchestratorVersion: to.Ptr(p.version),
		NodeImageVersion:           to.Ptr(p.image),
		ProvisioningState:          to.Ptr(p.provisioning),
		PowerState:                 &armcontainerservice.PowerState{Code: to.Ptr(armcontainerservice.Code(s.powerState(p.cluster)))},
		UpgradeSettings: &armcontainerservice.AgentPoolUpgradeSettings{
			MaxSurge:                  to.Ptr(p.maxSurge),
			DrainTimeoutInMinutes:     to.Ptr(int32(p.drainTimeout)),
			NodeSoakDurationInMinutes: to.Ptr(int32(p.soak)),
		},
		ETag: to.Ptr(p.etag),
	}
}

func (s *Simulator) encodePool(p *poolState) *armcontainerservice.AgentPool {
	return &armcontainerservice.AgentPool{
		ID:         to.Ptr(p.id()),
		Name:       to.Ptr(p.name),
		Type:       to.Ptr("Microsoft.ContainerService/managedClusters/agentPools"),
		Properties: s.poolProperties(p),
	}
}

func upgradeItems(vs []version.Version, r *regionState) []*armcontainerservice.ManagedClusterPoolUpgradeProfileUpgradesItem {
	out := []*armcontainerservice.ManagedClusterPoolUpgradeProfileUpgradesItem{}
	for _, v := range vs {
		item := &armcontainerservice.ManagedClusterPoolUpgradeProfileUpgradesItem{KubernetesVersion: to.Ptr(v.String())}
		if r.isPreview(v) {
			item.IsPreview = to.Ptr(true)
		}
		out = append(out, item)
	}
	return out
}

func (s *Simulator) encodeUpgradeProfile(c *clusterState) *armcontainerservice.ManagedClusterUpgradeProfile {
	r := s.region(c)
	props := &armcontainerservice.ManagedClusterUpgradeProfileProperties{
		ControlPlaneProfile: &armcontainerservice.ManagedClusterPoolUpgradeProfile{
			KubernetesVersion: to.Ptr(c.version),
			OSType:            to.Ptr(armcontainerservice.OSTypeLinux),
			Upgrades:          upgradeItems(s.clusterUpgrades(c), r),
		},
	}
	for _, p := range c.pools {
		props.AgentPoolProfiles = append(props.AgentPoolProfiles, &armcontainerservice.ManagedClusterPoolUpgradeProfile{
			Name:              to.Ptr(p.name),
			KubernetesVersion: to.Ptr(p.version),
			OSType:            to.Ptr(armcontainerservice.OSType(p.osType)),
			Upgrades:          upgradeItems(s.poolUpgrades(p), r),
		})
	}
	return &armcontainerservice.ManagedClusterUpgradeProfile{
		ID:         to.Ptr(c.id() + "/upgradeprofiles/default"),
		Name:       to.Ptr("default"),
		Type:       to.Ptr("Microsoft.ContainerService/managedClusters/upgradeprofiles"),
		Properties: props,
	}
}

func (s *Simulator) encodePoolUpgradeProfile(p *poolState) *armcontainerservice.AgentPoolUpgradeProfile {
	r := s.region(p.cluster)
	ups := []*armcontainerservice.AgentPoolUpgradeProfilePropertiesUpgradesItem{}
	for _, v := range s.poolUpgrades(p) {
		item := &armcontainerservice.AgentPoolUpgradeProfilePropertiesUpgradesItem{KubernetesVersion: to.Ptr(v.String())}
		if r.isPreview(v) {
			item.IsPreview = to.Ptr(true)
		}
		ups = append(ups, item)
	}
	return &armcontainerservice.AgentPoolUpgradeProfile{
		ID:   to.Ptr(p.id() + "/upgradeProfiles/default"),
		Name: to.Ptr("default"),
		Type: to.Ptr("Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles"),
		Properties: &armcontainerservice.AgentPoolUpgradeProfileProperties{
			KubernetesVersion:      to.Ptr(p.version),
			OSType:                 to.Ptr(armcontainerservice.OSType(p.osType)),
			LatestNodeImageVersion: to.Ptr(s.latestImage(p)),
			Upgrades:               ups,
		},
	}
}

func encodeVersions(r *regionState) *armcontainerservice.KubernetesVersionListResult {
	out := &armcontainerservice.KubernetesVersionListResult{Values: []*armcontainerservice.KubernetesVersion{}}
	for _, kv := range r.list().Values {
		v := &armcontainerservice.KubernetesVersion{
			Version:       to.Ptr(kv.Version),
			Capabilities:  &armcontainerservice.KubernetesVersionCapabilities{},
			PatchVersions: map[string]*armcontainerservice.KubernetesPatchVersion{},
		}
		if kv.IsDefault {
			v.IsDefault = to.Ptr(true)
		}
		if kv.IsPreview {
			v.IsPreview = to.Ptr(true)
		}
		for _, plan := range kv.Capabilities.SupportPlan {
			v.Capabilities.SupportPlan = append(v.Capabilities.SupportPlan, to.Ptr(armcontainerservice.KubernetesSupportPlan(plan)))
		}
		for patch, pv := range kv.PatchVersions {
			ups := []*string{}
			for _, u := range pv.Upgrades {
				ups = append(ups, to.Ptr(u))
			}
			v.PatchVersions[patch] = &armcontainerservice.KubernetesPatchVersion{Upgrades: ups}
		}
		out.Values = append(out.Values, v)
	}
	return out
}

func encodeMaintenance(c *clusterState, name string, w *aksupgrade.Window) *armcontainerservice.MaintenanceConfiguration {
	return &armcontainerservice.MaintenanceConfiguration{
		ID:   to.Ptr(c.id() + "/maintenanceConfigurations/" + name),
		Name: to.Ptr(name),
		Type: to.Ptr("Microsoft.ContainerService/managedClusters/maintenanceConfigurations"),
		Properties: &armcontainerservice.MaintenanceConfigurationProperties{
			MaintenanceWindow: encodeWindow(w),
		},
	}
}

func encodeWindow(w *aksupgrade.Window) *armcontainerservice.MaintenanceWindow {
	mw := &armcontainerservice.MaintenanceWindow{
		DurationHours: to.Ptr(int32(w.DurationHours)),
		StartTime:     to.Ptr(w.StartTime),
		Schedule:      &armcontainerservice.Schedule{},
	}
	if w.UTCOffset != "" {
		mw.UTCOffset = to.Ptr(w.UTCOffset)
	}
	if d, ok := parseDate(w.StartDate); ok {
		mw.StartDate = &d
	}
	for _, span := range w.NotAllowedDates {
		start, ok1 := parseDate(span.Start)
		end, ok2 := parseDate(span.End)
		if ok1 && ok2 {
			mw.NotAllowedDates = append(mw.NotAllowedDates, &armcontainerservice.DateSpan{Start: &start, End: &end})
		}
	}
	sc := w.Schedule
	switch {
	case sc.Daily != nil:
		mw.Schedule.Daily = &armcontainerservice.DailySchedule{IntervalDays: to.Ptr(int32(max(sc.Daily.IntervalDays, 1)))}
	case sc.Weekly != nil:
		mw.Schedule.Weekly = &armcontainerservice.WeeklySchedule{
			IntervalWeeks: to.Ptr(int32(max(sc.Weekly.IntervalWeeks, 1))),
			DayOfWeek:     to.Ptr(armcontainerservice.WeekDay(sc.Weekly.DayOfWeek)),
		}
	case sc.AbsoluteMonthly != nil:
		mw.Schedule.AbsoluteMonthly = &armcontainerservice.AbsoluteMonthlySchedule{
			IntervalMonths: to.Ptr(int32(max(sc.AbsoluteMonthly.IntervalMonths, 1))),
			DayOfMonth:     to.Ptr(int32(sc.AbsoluteMonthly.DayOfMonth)),
		}
	case sc.RelativeMonthly != nil:
		mw.Schedule.RelativeMonthly = &armcontainerservice.RelativeMonthlySchedule{
			IntervalMonths: to.Ptr(int32(max(sc.RelativeMonthly.IntervalMonths, 1))),
			WeekIndex:      to.Ptr(armcontainerservice.Type(sc.RelativeMonthly.WeekIndex)),
			DayOfWeek:      to.Ptr(armcontainerservice.WeekDay(sc.RelativeMonthly.DayOfWeek)),
		}
	}
	return mw
}

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// snapshot is the fleet in the domain's shape.
func (s *Simulator) snapshot(now time.Time) aksupgrade.Snapshot {
	snap := aksupgrade.Snapshot{Clusters: []aksupgrade.Cluster{}, Catalogs: map[string]aksupgrade.KubernetesVersionList{}}
	for _, sub := range s.subs {
		for _, c := range sub.clusters {
			dc := aksupgrade.Cluster{
				ID:                   c.id(),
				Name:                 c.name,
				SubscriptionID:       sub.id,
				ResourceGroup:        c.rg,
				Location:             c.location,
				KubernetesVersion:    c.version,
				Tags:                 maps.Clone(c.tags),
				ProvisioningState:    c.provisioning,
				PowerState:           s.powerState(c),
				SupportPlan:          c.supportPlan,
				AutoUpgradeChannel:   c.autoUpgrade,
				NodeOSUpgradeChannel: c.nodeOSUpgrade,
				NodePools:            []aksupgrade.NodePool{},
			}
			if c.supportPlan == aksupgrade.SupportPlanLTS {
				// What discovery reads from the cluster's upgrade profile.
				for _, v := range s.clusterUpgrades(c) {
					dc.Upgrades = append(dc.Upgrades, v.String())
				}
			}
			if w := c.windows[configAutoUpgrade]; w != nil {
				wc := *w
				wc.NotAllowedDates = slices.Clone(w.NotAllowedDates)
				dc.AutoUpgradeWindow = &wc
			}
			for _, p := range c.pools {
				dc.NodePools = append(dc.NodePools, aksupgrade.NodePool{
					Name:                   p.name,
					Mode:                   p.mode,
					OSType:                 p.osType,
					VMSize:                 p.vmSize,
					Count:                  p.count,
					KubernetesVersion:      p.version,
					NodeImageVersion:       p.image,
					LatestNodeImageVersion: s.latestImage(p),
					ProvisioningState:      p.provisioning,
					UpgradeSettings:        &aksupgrade.PoolUpgradeSettings{MaxSurge: p.maxSurge, DrainTimeoutInMinutes: p.drainTimeout, NodeSoakDurationInMinutes: p.soak},
				})
			}
			snap.Clusters = append(snap.Clusters, dc)
		}
	}
	for _, name := range s.regionOrder {
		snap.Catalogs[name] = s.regions[name].list()
	}
	return snap
}
