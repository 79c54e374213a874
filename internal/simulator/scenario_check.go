package simulator

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
	"github.com/aksupgrade/aksupgrade/internal/window"
)

// problem is one thing wrong with a scenario, at a field path such as
// "subscriptions[0].clusters[2].location".
type problem struct {
	field string
	msg   string
}

var (
	guidPattern        = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	clusterNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,61}[a-zA-Z0-9]$|^[a-zA-Z0-9]$`)
	poolNamePattern    = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	surgePattern       = regexp.MustCompile(`^[1-9][0-9]*%?$`)
)

// Allowed values, first is the default.
var (
	tiers             = []string{"Free", "Standard", "Premium"}
	supportPlans      = []string{aksupgrade.SupportPlanOfficial, aksupgrade.SupportPlanLTS}
	upgradeChannels   = []string{"none", "patch", "stable", "rapid", "node-image"}
	nodeOSChannels    = []string{"None", "Unmanaged", "SecurityPatch", "NodeImage"}
	powerStates       = []string{"Running", "Stopped"}
	poolModes         = []string{"User", "System"}
	osTypes           = []string{"Linux", "Windows"}
	linuxSKUs         = []string{"Ubuntu", "AzureLinux", "Ubuntu2204", "Ubuntu2404"}
	windowsSKUs       = []string{"Windows2022", "Windows2019"}
	maintenanceFields = []string{"default", "autoUpgradeSchedule", "nodeOSUpgradeSchedule"}
)

// check returns every problem of the scenario.
func (sc *Scenario) check() []problem {
	var ps []problem
	add := func(field, format string, args ...any) {
		ps = append(ps, problem{field, fmt.Sprintf(format, args...)})
	}
	if sc.PageSize < 0 || sc.PageSize > 1000 {
		add("pageSize", "found %d, want 1 to 1000 (0: the default, 20)", sc.PageSize)
	}

	regions := map[string]*regionState{}
	for i, r := range sc.Regions {
		field := fmt.Sprintf("regions[%d]", i)
		name := strings.ToLower(r.Name)
		switch {
		case name == "":
			add(field+".name", "a region needs a name, such as westeurope")
			continue
		case regions[name] != nil:
			add(field+".name", "region %s is listed twice", r.Name)
			continue
		}
		if r.VCPUQuota < 0 {
			add(field+".vcpuQuota", "found %d, want a vCPU count (0: the default, 10000)", r.VCPUQuota)
		}
		rs, rps := newRegion(r)
		for _, p := range rps {
			add(field+"."+p.field, "%s", p.msg)
		}
		regions[name] = rs
	}
	if len(sc.Regions) == 0 {
		add("regions", "the scenario needs at least one region")
	}

	// Play the timeline on copies, in time order, so each entry is
	// checked against the catalogue it will meet. The start state of a
	// region includes the entries due at offset 0.
	atStart := map[string]*regionState{}
	played := map[string]*regionState{}
	for name, r := range regions {
		played[name] = r.clone()
	}
	for _, i := range timelineOrder(sc.Timeline) {
		e := sc.Timeline[i]
		field := fmt.Sprintf("timeline[%d]", i)
		if n := e.changes(); n != 1 {
			add(field, "an entry makes exactly one change (addPatch, addMinor, remove, ga, setDefault, nodeImage or supportEnding), found %d", n)
			continue
		}
		r := played[strings.ToLower(e.Region)]
		if r == nil {
			add(field+".region", "found %q, want one of the scenario's regions", e.Region)
			continue
		}
		if e.After > 0 {
			for name, r := range played {
				if atStart[name] == nil {
					atStart[name] = r.clone()
				}
			}
		}
		for _, p := range r.apply(e) {
			add(field+"."+p.field, "%s", p.msg)
		}
	}
	for name, r := range played {
		if atStart[name] == nil {
			atStart[name] = r
		}
	}

	subs := map[string]bool{}
	for i, s := range sc.Subscriptions {
		field := fmt.Sprintf("subscriptions[%d]", i)
		switch {
		case !guidPattern.MatchString(s.ID):
			add(field+".id", "found %q, want a subscription GUID such as 6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f", s.ID)
		case subs[strings.ToLower(s.ID)]:
			add(field+".id", "subscription %s is listed twice", s.ID)
		default:
			subs[strings.ToLower(s.ID)] = true
		}
		seen := map[string]bool{}
		for j, c := range s.Clusters {
			cf := fmt.Sprintf("%s.clusters[%d]", field, j)
			key := strings.ToLower(c.ResourceGroup + "/" + c.Name)
			if seen[key] {
				add(cf+".name", "cluster %s is listed twice in resource group %s", c.Name, c.ResourceGroup)
			}
			seen[key] = true
			ps = append(ps, checkCluster(cf, c, atStart)...)
		}
		for j := range s.Fleets {
			ps = append(ps, s.Fleets[j].check(fmt.Sprintf("%s.fleets[%d]", field, j), sc)...)
		}
	}
	if len(sc.Subscriptions) == 0 {
		add("subscriptions", "the scenario needs at least one subscription")
	}

	for i, f := range sc.Faults {
		field := fmt.Sprintf("faults[%d]", i)
		ps = append(ps, f.check(field)...)
		ps = append(ps, sc.checkFaultTarget(field, &f)...)
		ps = append(ps, sc.checkWorkloadTarget(field, &f)...)
	}
	for i, m := range sc.Maintenance {
		ps = append(ps, sc.checkMaintenance(fmt.Sprintf("maintenance[%d]", i), m)...)
	}
	names := map[string]bool{}
	for i, es := range sc.EventSubscriptions {
		field := fmt.Sprintf("eventSubscriptions[%d]", i)
		ps = append(ps, es.check(field)...)
		if name := strings.ToLower(es.Name); name != "" {
			if names[name] {
				add(field+".name", "event subscription %s is listed twice", es.Name)
			}
			names[name] = true
		}
	}
	return ps
}

// checkMaintenance checks a planned maintenance entry.
func (sc *Scenario) checkMaintenance(field string, m MaintenanceEvent) []problem {
	var ps []problem
	add := func(sub, format string, args ...any) {
		ps = append(ps, problem{field + sub, fmt.Sprintf(format, args...)})
	}
	matches := 0
	for _, s := range sc.Subscriptions {
		for _, c := range s.Clusters {
			if m.Cluster != "" && (strings.EqualFold(m.Cluster, c.Name) || aksupgrade.SameID(m.Cluster, clusterID(s.ID, c.ResourceGroup, c.Name))) {
				matches++
			}
		}
	}
	switch {
	case m.Cluster == "":
		add(".cluster", "maintenance needs the cluster it is for (a name or resource ID)")
	case matches == 0:
		add(".cluster", "found %q, want a cluster of the scenario", m.Cluster)
	case matches > 1:
		add(".cluster", "%q names %d clusters; use the resource ID", m.Cluster, matches)
	}
	if m.Duration <= 0 && !m.Canceled {
		add(".duration", "maintenance needs a duration, such as 4h")
	}
	if strings.TrimSpace(m.Description) == "" {
		add(".description", "maintenance needs a description (the event's eventDetails)")
	}
	return ps
}

func checkCluster(field string, c Cluster, regions map[string]*regionState) []problem {
	var ps []problem
	add := func(sub, format string, args ...any) {
		ps = append(ps, problem{field + sub, fmt.Sprintf(format, args...)})
	}
	if !clusterNamePattern.MatchString(c.Name) {
		add(".name", "found %q, want 1 to 63 letters, digits, '-' or '_', starting and ending with a letter or digit", c.Name)
	}
	if c.ResourceGroup == "" {
		add(".resourceGroup", "a cluster needs its resource group")
	}
	region := regions[strings.ToLower(c.Location)]
	if region == nil {
		add(".location", "found %q, want one of the scenario's regions", c.Location)
	}
	cp, err := version.Parse(c.KubernetesVersion)
	if err != nil {
		add(".kubernetesVersion", "%v", err)
	}
	oneOf := func(sub, v string, allowed []string) {
		if v != "" && !slices.Contains(allowed, v) {
			add(sub, "found %q, want one of %s", v, strings.Join(allowed, ", "))
		}
	}
	oneOf(".tier", c.Tier, tiers)
	oneOf(".supportPlan", c.SupportPlan, supportPlans)
	if c.SupportPlan == aksupgrade.SupportPlanLTS && c.Tier != "Premium" {
		// "LTS is only available in the Premium tier"
		// (learn.microsoft.com/azure/aks/long-term-support).
		add(".supportPlan", "found %s on tier %q, want tier Premium: AKS offers long-term support only on the Premium tier", c.SupportPlan, orDefault(c.Tier, tiers[0]))
	}
	oneOf(".autoUpgradeChannel", c.AutoUpgradeChannel, upgradeChannels)
	oneOf(".nodeOSUpgradeChannel", c.NodeOSUpgradeChannel, nodeOSChannels)
	oneOf(".powerState", c.PowerState, powerStates)
	if m := c.Maintenance; m != nil {
		for i, w := range []*aksupgrade.Window{m.Default, m.AutoUpgradeSchedule, m.NodeOSUpgradeSchedule} {
			if w == nil {
				continue
			}
			wf := ".maintenance." + maintenanceFields[i]
			if w.TimeZone != "" {
				add(wf+".timeZone", "an AKS maintenanceWindow has no timeZone; use utcOffset")
			}
			if _, err := window.Compile(*w); err != nil {
				for _, fe := range window.FieldErrors(err) {
					add(wf+"."+fe.Field, "found %s, allowed %s", fe.Found, fe.Allowed)
				}
			}
		}
	}

	if len(c.NodePools) == 0 {
		add(".nodePools", "a cluster needs at least one node pool")
	}
	names := map[string]bool{}
	system := false
	for i, p := range c.NodePools {
		pf := fmt.Sprintf(".nodePools[%d]", i)
		if !poolNamePattern.MatchString(p.Name) {
			add(pf+".name", "found %q, want 1 to 12 lowercase letters and digits, starting with a letter", p.Name)
		}
		if names[p.Name] {
			add(pf+".name", "pool %s is listed twice", p.Name)
		}
		names[p.Name] = true
		mode := poolMode(p, i)
		oneOf(pf+".mode", p.Mode, poolModes)
		system = system || mode == "System"
		oneOf(pf+".osType", p.OSType, osTypes)
		if p.OSSKU != "" {
			if strings.EqualFold(p.OSType, "Windows") {
				oneOf(pf+".osSKU", p.OSSKU, windowsSKUs)
			} else {
				oneOf(pf+".osSKU", p.OSSKU, linuxSKUs)
			}
		}
		switch {
		case p.Count < 0 || p.Count > 1000:
			add(pf+".count", "found %d, want 0 to 1000", p.Count)
		case p.Count == 0 && mode == "System":
			add(pf+".count", "a System pool needs at least one node")
		}
		if p.KubernetesVersion != "" && err == nil {
			pv, perr := version.Parse(p.KubernetesVersion)
			switch {
			case perr != nil:
				add(pf+".kubernetesVersion", "%v", perr)
			case cp.Less(pv):
				add(pf+".kubernetesVersion", "pool version %s is newer than the control plane's %s", pv, cp)
			case pv.MinorsBehind(cp) > 3:
				add(pf+".kubernetesVersion", "pool version %s is more than 3 minors behind the control plane's %s", pv, cp)
			}
		}
		if p.NodeImageVersion != "" {
			if _, ok := imageFamily(p.NodeImageVersion); !ok {
				add(pf+".nodeImageVersion", "found %q, want FAMILY-RELEASE, such as AKSUbuntu-2204gen2containerd-202501.12.0", p.NodeImageVersion)
			}
		} else if region != nil {
			if fam := defaultImageFamily(p.OSType, p.OSSKU, poolVersion(c, p)); region.latestImage(fam) == "" {
				add(pf+".nodeImageVersion", "region %s publishes no %s image at the start; set nodeImageVersion or add one to its nodeImages", region.name, fam)
			}
		}
		if u := p.UpgradeSettings; u != nil {
			if u.MaxSurge != "" && !validSurge(u.MaxSurge) {
				add(pf+".upgradeSettings.maxSurge", "found %q, want a node count (3) or a percentage from 1%% to 100%% (33%%)", u.MaxSurge)
			}
			if u.DrainTimeoutInMinutes < 0 || u.DrainTimeoutInMinutes > 1440 {
				add(pf+".upgradeSettings.drainTimeoutInMinutes", "found %d, want 1 to 1440 (0: the default, 30)", u.DrainTimeoutInMinutes)
			}
			if u.NodeSoakDurationInMinutes < 0 || u.NodeSoakDurationInMinutes > 30 {
				add(pf+".upgradeSettings.nodeSoakDurationInMinutes", "found %d, want 0 to 30", u.NodeSoakDurationInMinutes)
			}
		}
	}
	if len(c.NodePools) > 0 && !system {
		add(".nodePools", "a cluster needs at least one System pool")
	}
	return append(ps, checkClusterAPI(field, c)...)
}

// poolMode is the pool's mode, defaulted: the first pool is System.
func poolMode(p NodePool, i int) string {
	switch {
	case p.Mode != "":
		return p.Mode
	case i == 0:
		return "System"
	}
	return "User"
}

func validSurge(s string) bool {
	if !surgePattern.MatchString(s) {
		return false
	}
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		n, err := strconv.Atoi(pct)
		return err == nil && n <= 100
	}
	return true
}

// checkFaultTarget checks that a scripted fault's target exists.
func (sc *Scenario) checkFaultTarget(field string, f *Fault) []problem {
	if f.Subscription == "" && f.ResourceGroup == "" && f.Cluster == "" && f.Pool == "" {
		return nil
	}
	clusters, pools := 0, 0
	subFound := f.Subscription == ""
	for _, s := range sc.Subscriptions {
		if f.Subscription != "" && !strings.EqualFold(f.Subscription, s.ID) {
			continue
		}
		subFound = true
		for _, c := range s.Clusters {
			if f.ResourceGroup != "" && !strings.EqualFold(f.ResourceGroup, c.ResourceGroup) {
				continue
			}
			id := clusterID(s.ID, c.ResourceGroup, c.Name)
			if f.Cluster != "" && !strings.EqualFold(f.Cluster, c.Name) && !aksupgrade.SameID(f.Cluster, id) {
				continue
			}
			clusters++
			for _, p := range c.NodePools {
				if f.Pool == "" || strings.EqualFold(f.Pool, p.Name) {
					pools++
				}
			}
		}
	}
	switch {
	case !subFound:
		return []problem{{field + ".subscription", fmt.Sprintf("no subscription %s in the scenario", f.Subscription)}}
	case clusters == 0:
		return []problem{{field + ".cluster", "no cluster of the scenario matches the fault's target"}}
	case pools == 0:
		return []problem{{field + ".pool", fmt.Sprintf("no cluster the fault targets has a pool %s", f.Pool)}}
	}
	return nil
}

// timelineOrder returns the indexes of the entries in time order, stable.
func timelineOrder(es []TimelineEntry) []int {
	idx := make([]int, len(es))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(es[a].After, es[b].After) })
	return idx
}

func problemsError(ps []problem) error {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "scenario: %s: %s", p.field, p.msg)
	}
	return fmt.Errorf("%s", b.String())
}

// poolVersion is the pool's Kubernetes version as written, defaulting to
// the cluster's; the zero version when neither parses (reported apart).
func poolVersion(c Cluster, p NodePool) version.Version {
	v, err := version.Parse(orDefault(p.KubernetesVersion, c.KubernetesVersion))
	if err != nil {
		return version.Version{}
	}
	return v
}
