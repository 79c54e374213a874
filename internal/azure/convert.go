package azure

import (
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksupgrade/aksupgrade"
)

// autoUpgradeScheduleName is the maintenance configuration AKS uses for
// its own Kubernetes auto-upgrades.
const autoUpgradeScheduleName = "aksManagedAutoUpgradeSchedule"

// convertCluster converts a managed cluster of api-version 2025-02-01
// to the domain's Cluster. Maintenance windows are filled in separately.
func convertCluster(mc *armcontainerservice.ManagedCluster) (aksupgrade.Cluster, error) {
	if mc == nil || mc.ID == nil {
		return aksupgrade.Cluster{}, fmt.Errorf("managed cluster without id")
	}
	rid, err := arm.ParseResourceID(*mc.ID)
	if err != nil {
		return aksupgrade.Cluster{}, fmt.Errorf("managed cluster id %q: %w", *mc.ID, err)
	}
	c := aksupgrade.Cluster{
		ID:             *mc.ID,
		Name:           str(mc.Name),
		SubscriptionID: rid.SubscriptionID,
		ResourceGroup:  rid.ResourceGroupName,
		Location:       str(mc.Location),
		Tags:           tags(mc.Tags),
	}
	if c.Name == "" {
		c.Name = rid.Name
	}
	if p := mc.Properties; p != nil {
		c.KubernetesVersion = first(str(p.CurrentKubernetesVersion), str(p.KubernetesVersion))
		c.ProvisioningState = str(p.ProvisioningState)
		if p.PowerState != nil && p.PowerState.Code != nil {
			c.PowerState = string(*p.PowerState.Code)
		}
		if p.SupportPlan != nil {
			c.SupportPlan = string(*p.SupportPlan)
		}
		if a := p.AutoUpgradeProfile; a != nil {
			if a.UpgradeChannel != nil {
				c.AutoUpgradeChannel = string(*a.UpgradeChannel)
			}
			if a.NodeOSUpgradeChannel != nil {
				c.NodeOSUpgradeChannel = string(*a.NodeOSUpgradeChannel)
			}
		}
		for _, ap := range p.AgentPoolProfiles {
			if ap == nil {
				continue
			}
			c.NodePools = append(c.NodePools, aksupgrade.NodePool{
				Name:              str(ap.Name),
				Mode:              enum(ap.Mode),
				OSType:            enum(ap.OSType),
				VMSize:            str(ap.VMSize),
				Count:             int(num(ap.Count)),
				KubernetesVersion: first(str(ap.CurrentOrchestratorVersion), str(ap.OrchestratorVersion), c.KubernetesVersion),
				NodeImageVersion:  str(ap.NodeImageVersion),
				ProvisioningState: str(ap.ProvisioningState),
				UpgradeSettings:   convertUpgradeSettings(ap.UpgradeSettings),
			})
		}
	}
	return c, nil
}

// convertAgentPool converts an agent pool (the agentPools API) to a
// NodePool.
func convertAgentPool(ap *armcontainerservice.AgentPool) aksupgrade.NodePool {
	np := aksupgrade.NodePool{Name: str(ap.Name)}
	if p := ap.Properties; p != nil {
		np.Mode = enum(p.Mode)
		np.OSType = enum(p.OSType)
		np.VMSize = str(p.VMSize)
		np.Count = int(num(p.Count))
		np.KubernetesVersion = first(str(p.CurrentOrchestratorVersion), str(p.OrchestratorVersion))
		np.NodeImageVersion = str(p.NodeImageVersion)
		np.ProvisioningState = str(p.ProvisioningState)
		np.UpgradeSettings = convertUpgradeSettings(p.UpgradeSettings)
	}
	return np
}

// convertUpgradeSettings reads a pool's upgradeSettings; nil when AKS
// reports none.
func convertUpgradeSettings(u *armcontainerservice.AgentPoolUpgradeSettings) *aksupgrade.PoolUpgradeSettings {
	if u == nil {
		return nil
	}
	out := aksupgrade.PoolUpgradeSettings{MaxSurge: str(u.MaxSurge),
		DrainTimeoutInMinutes: int(num(u.DrainTimeoutInMinutes)), NodeSoakDurationInMinutes: int(num(u.NodeSoakDurationInMinutes))}
	if out == (aksupgrade.PoolUpgradeSettings{}) {
		return nil
	}
	return &out
}

// autoUpgradeWindow returns the aksManagedAutoUpgradeSchedule window
// among a cluster's maintenance configurations, nil when there is none.
func autoUpgradeWindow(configs []*armcontainerservice.MaintenanceConfiguration) *aksupgrade.Window {
	for _, mc := range configs {
		if mc == nil || !strings.EqualFold(str(mc.Name), autoUpgradeScheduleName) || mc.Properties == nil {
			continue
		}
		if w := convertWindow(mc.Properties.MaintenanceWindow); w != nil {
			return w
		}
	}
	return nil
}

// convertWindow converts an AKS maintenanceWindow to the domain's
// Window, which has the same shape.
func convertWindow(mw *armcontainerservice.MaintenanceWindow) *aksupgrade.Window {
	if mw == nil {
		return nil
	}
	w := &aksupgrade.Window{
		DurationHours: int(num(mw.DurationHours)),
		StartTime:     str(mw.StartTime),
		UTCOffset:     str(mw.UTCOffset),
		StartDate:     date(mw.StartDate),
	}
	if s := mw.Schedule; s != nil {
		if d := s.Daily; d != nil {
			w.Schedule.Daily = &aksupgrade.DailySchedule{IntervalDays: int(num(d.IntervalDays))}
		}
		if wk := s.Weekly; wk != nil {
			w.Schedule.Weekly = &aksupgrade.WeeklySchedule{IntervalWeeks: int(num(wk.IntervalWeeks)), DayOfWeek: enum(wk.DayOfWeek)}
		}
		if am := s.AbsoluteMonthly; am != nil {
			w.Schedule.AbsoluteMonthly = &aksupgrade.AbsoluteMonthlySchedule{IntervalMonths: int(num(am.IntervalMonths)), DayOfMonth: int(num(am.DayOfMonth))}
		}
		if rm := s.RelativeMonthly; rm != nil {
			w.Schedule.RelativeMonthly = &aksupgrade.RelativeMonthlySchedule{
				IntervalMonths: int(num(rm.IntervalMonths)),
				WeekIndex:      enum(rm.WeekIndex),
				DayOfWeek:      enum(rm.DayOfWeek),
			}
		}
	}
	for _, d := range mw.NotAllowedDates {
		if d == nil {
			continue
		}
		w.NotAllowedDates = append(w.NotAllowedDates, aksupgrade.DateSpan{Start: date(d.Start), End: date(d.End)})
	}
	return w
}

// convertCatalog converts ListKubernetesVersions' answer.
func convertCatalog(r armcontainerservice.KubernetesVersionListResult) aksupgrade.KubernetesVersionList {
	out := aksupgrade.KubernetesVersionList{Values: []aksupgrade.KubernetesVersion{}}
	for _, v := range r.Values {
		if v == nil {
			continue
		}
		kv := aksupgrade.KubernetesVersion{
			Version:       str(v.Version),
			IsDefault:     boolean(v.IsDefault),
			IsPreview:     boolean(v.IsPreview),
			PatchVersions: map[string]aksupgrade.PatchVersion{},
			Capabilities:  aksupgrade.KubernetesCapabilities{SupportPlan: []string{}},
		}
		if v.Capabilities != nil {
			for _, sp := range v.Capabilities.SupportPlan {
				if sp != nil {
					kv.Capabilities.SupportPlan = append(kv.Capabilities.SupportPlan, string(*sp))
				}
			}
		}
		for patch, pv := range v.PatchVersions {
			up := aksupgrade.PatchVersion{Upgrades: []string{}}
			if pv != nil {
				for _, u := range pv.Upgrades {
					if u != nil {
						up.Upgrades = append(up.Upgrades, *u)
					}
				}
			}
			kv.PatchVersions[patch] = up
		}
		out.Values = append(out.Values, kv)
	}
	// ARM's order is kept: consumers must not assume it sorted.
	return out
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func boolean(p *bool) bool { return p != nil && *p }

// enum returns the string of an SDK enum pointer.
func enum[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func date(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func tags(m map[string]*string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = str(v)
	}
	return out
}
