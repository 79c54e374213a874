package simulator

import (
	"fmt"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksupgrade/aksupgrade/internal/window"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Provisioning states.
const (
	stateSucceeded          = "Succeeded"
	stateFailed             = "Failed"
	stateUpgrading          = "Upgrading"
	stateUpgradingNodeImage = "UpgradingNodeImageVersion"
)

// Maintenance configuration names.
const (
	configDefault     = "default"
	configAutoUpgrade = "aksManagedAutoUpgradeSchedule"
	configNodeOS      = "aksManagedNodeOSUpgradeSchedule"
)

var configNames = []string{configDefault, configAutoUpgrade, configNodeOS}

type subState struct {
	id, name string
	clusters []*clusterState
	fleets   []Fleet
}

// clusterState is a managed cluster. version is currentKubernetesVersion,
// target is kubernetesVersion (they differ while an upgrade runs or after
// one failed).
type clusterState struct {
	sub                        *subState
	name, rg, location         string
	tags                       map[string]string
	tier, supportPlan          string
	autoUpgrade, nodeOSUpgrade string
	power                      string
	version, target            string
	provisioning               string
	etag                       string
	windows                    map[string]*aksupgrade.Window // by configuration name
	pools                      []*poolState
	// op is the operation running on the cluster or one of its pools.
	op *operation
	// kube is what the cluster's own Kubernetes API holds.
	kube *kubeState
	// force is the cluster's upgradeSettings.overrideSettings, as the
	// scenario or the last PUT left it.
	force *armcontainerservice.UpgradeOverrideSettings
	// clientID is servicePrincipalProfile.clientId: "msi" for a managed
	// identity.
	clientID string
	// schedules are the compiled windows, by configuration name.
	schedules map[string]*window.Schedule
}

// poolState is an agent pool. version is currentOrchestratorVersion, target
// is orchestratorVersion.
type poolState struct {
	cluster                   *clusterState
	name, mode, osType, osSKU string
	vmSize                    string
	count                     int
	version, target           string
	image                     string
	maxSurge                  string
	drainTimeout, soak        int // minutes
	provisioning              string
	etag                      string
}

func lower(s string) string { return strings.ToLower(s) }

func clusterID(sub, rg, name string) string {
	return "/subscriptions/" + sub + "/resourcegroups/" + rg + "/providers/Microsoft.ContainerService/managedClusters/" + name
}

func (c *clusterState) id() string { return clusterID(c.sub.id, c.rg, c.name) }

func (p *poolState) id() string { return p.cluster.id() + "/agentPools/" + p.name }

func (s *Simulator) newSubscription(sc Subscription) *subState {
	sub := &subState{id: sc.ID, name: sc.Name, fleets: slices.Clone(sc.Fleets)}
	if sub.name == "" {
		sub.name = sc.ID
	}
	for _, c := range sc.Clusters {
		sub.clusters = append(sub.clusters, s.newCluster(sub, c))
	}
	return sub
}

func (s *Simulator) newCluster(sub *subState, c Cluster) *clusterState {
	cs := &clusterState{
		sub:           sub,
		name:          c.Name,
		rg:            c.ResourceGroup,
		location:      lower(c.Location),
		tags:          maps.Clone(c.Tags),
		tier:          orDefault(c.Tier, tiers[0]),
		supportPlan:   orDefault(c.SupportPlan, supportPlans[0]),
		autoUpgrade:   orDefault(c.AutoUpgradeChannel, upgradeChannels[0]),
		nodeOSUpgrade: orDefault(c.NodeOSUpgradeChannel, nodeOSNodeImage),
		power:         orDefault(c.PowerState, powerStates[0]),
		version:       c.KubernetesVersion,
		target:        c.KubernetesVersion,
		provisioning:  stateSucceeded,
		windows:       map[string]*aksupgrade.Window{},
		etag:          s.newGUID(),
		clientID:      orDefault(c.ServicePrincipal, "msi"),
	}
	if c.ForceUpgrade {
		until := s.start.Add(14 * 24 * time.Hour)
		cs.force = &armcontainerservice.UpgradeOverrideSettings{ForceUpgrade: to.Ptr(true), Until: &until}
	}
	if m := c.Maintenance; m != nil {
		for name, w := range map[string]*aksupgrade.Window{configDefault: m.Default, configAutoUpgrade: m.AutoUpgradeSchedule, configNodeOS: m.NodeOSUpgradeSchedule} {
			if w != nil {
				wc := *w
				cs.windows[name] = &wc
			}
		}
	}
	region := s.regions[cs.location]
	for i, p := range c.NodePools {
		ps := &poolState{
			cluster:      cs,
			name:         p.Name,
			mode:         poolMode(p, i),
			osType:       orDefault(p.OSType, osTypes[0]),
			vmSize:       orDefault(p.VMSize, "Standard_D4s_v5"),
			count:        p.Count,
			version:      orDefault(p.KubernetesVersion, c.KubernetesVersion),
			image:        p.NodeImageVersion,
			maxSurge:     "10%",
			drainTimeout: 30,
			provisioning: stateSucceeded,
			etag:         s.newGUID(),
		}
		ps.osSKU = p.OSSKU
		if ps.osSKU == "" {
			ps.osSKU = linuxSKUs[0]
			if ps.osType == "Windows" {
				ps.osSKU = windowsSKUs[0]
			}
		}
		ps.target = ps.version
		if ps.image == "" {
			ps.image = region.latestImage(defaultImageFamily(ps.osType, ps.osSKU, mustVersion(ps.version)))
		}
		if u := p.UpgradeSettings; u != nil {
			ps.maxSurge = orDefault(u.MaxSurge, ps.maxSurge)
			if u.DrainTimeoutInMinutes > 0 {
				ps.drainTimeout = u.DrainTimeoutInMinutes
			}
			ps.soak = u.NodeSoakDurationInMinutes
		}
		cs.pools = append(cs.pools, ps)
	}
	cs.kube = newKubeState(c, cs.pools, s.start)
	return cs
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// newGUID returns a new GUID-shaped ID, deterministic for a scenario.
func (s *Simulator) newGUID() string {
	s.seq++
	a, b := splitmix(s.seq), splitmix(s.seq^0xa5a5a5a5a5a5a5a5)
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// touch gives the cluster (and the pool, if any) a new ETag.
func (s *Simulator) touch(c *clusterState, p *poolState) {
	c.etag = s.newGUID()
	if p != nil {
		p.etag = s.newGUID()
	}
}

func (s *Simulator) subscription(id string) *subState {
	for _, sub := range s.subs {
		if strings.EqualFold(sub.id, id) {
			return sub
		}
	}
	return nil
}

func (sub *subState) cluster(rg, name string) *clusterState {
	for _, c := range sub.clusters {
		if strings.EqualFold(c.rg, rg) && strings.EqualFold(c.name, name) {
			return c
		}
	}
	return nil
}

func (c *clusterState) pool(name string) *poolState {
	for _, p := range c.pools {
		if strings.EqualFold(p.name, name) {
			return p
		}
	}
	return nil
}

// findCluster finds a cluster by name or resource ID, as faults name them.
func (s *Simulator) findCluster(ref string) *clusterState {
	for _, sub := range s.subs {
		for _, c := range sub.clusters {
			if strings.EqualFold(c.name, ref) || aksupgrade.SameID(c.id(), ref) {
				return c
			}
		}
	}
	return nil
}

// powerState is the cluster's power state, stopped faults included.
func (s *Simulator) powerState(c *clusterState) string {
	if s.stoppedByFault(c, s.clock.Now()) {
		return "Stopped"
	}
	return c.power
}

// region returns the cluster's region.
func (s *Simulator) region(c *clusterState) *regionState { return s.regions[c.location] }

// latestImage is the newest node image the pool's region offers its
// family; the pool's own when the region offers none.
func (s *Simulator) latestImage(p *poolState) string {
	fam, ok := imageFamily(p.image)
	if !ok {
		return p.image
	}
	if img := s.region(p.cluster).latestImage(fam); img != "" {
		return img
	}
	return p.image
}

// imageFor is the node image a Kubernetes upgrade of p to version to gives
// it: the newest of the family its OS SKU has at to, which may be another
// OS than it runs now; the pool's own family's newest when the region
// publishes none of that family.
func (s *Simulator) imageFor(p *poolState, to string) string {
	if img := s.region(p.cluster).latestImage(defaultImageFamily(p.osType, p.osSKU, mustVersion(to))); img != "" {
		return img
	}
	return s.latestImage(p)
}

// surgeNodes is how many nodes a batch of the pool upgrades at once.
func (p *poolState) surgeNodes() int {
	n := 1
	if pct, ok := strings.CutSuffix(p.maxSurge, "%"); ok {
		v, _ := strconv.Atoi(pct)
		n = (p.count*v + 99) / 100
	} else if v, err := strconv.Atoi(p.maxSurge); err == nil {
		n = v
	}
	return max(n, 1)
}

// batches is how many batches an upgrade of the pool takes.
func (p *poolState) batches() int {
	return max((p.count+p.surgeNodes()-1)/p.surgeNodes(), 1)
}

func mustVersion(s string) version.Version {
	v, err := version.Parse(s)
	if err != nil {
		return version.Version{}
	}
	return v
}
