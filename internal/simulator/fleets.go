package simulator

// Azure Kubernetes Fleet Manager, as far as aksupgrade must see it: fleets
// whose members AKS upgrades through the fleet's update runs and
// auto-upgrade profiles, competing with aksupgrade's stages. The shapes
// follow the Microsoft.ContainerService/fleets REST API, api-version
// 2025-03-01 (learn.microsoft.com/rest/api/kubernetesfleet): fleets listed
// per subscription, then each fleet's members (properties.clusterResourceId),
// autoUpgradeProfiles (properties.channel, properties.disabled) and
// updateRuns (properties.status.status.state, and the members of each
// stage's groups). The fleet's own operations (creating runs, running
// them) are not simulated: runs and profiles are as the scenario says.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/aksupgrade/aksupgrade"
)

// fleetAPIVersion is the Microsoft.ContainerService/fleets API version
// served.
const fleetAPIVersion = "2025-03-01"

// Fleet is an Azure Kubernetes Fleet Manager fleet in a subscription.
type Fleet struct {
	Name          string `yaml:"name" json:"name"`
	ResourceGroup string `yaml:"resourceGroup" json:"resourceGroup"`
	Location      string `yaml:"location" json:"location"`
	// Members are clusters of the scenario (names or resource IDs); each
	// member is named after its cluster.
	Members             []string                  `yaml:"members,omitempty" json:"members,omitempty"`
	AutoUpgradeProfiles []FleetAutoUpgradeProfile `yaml:"autoUpgradeProfiles,omitempty" json:"autoUpgradeProfiles,omitempty"`
	UpdateRuns          []FleetUpdateRun          `yaml:"updateRuns,omitempty" json:"updateRuns,omitempty"`
}

// FleetAutoUpgradeProfile makes the fleet upgrade its members by itself.
type FleetAutoUpgradeProfile struct {
	Name string `yaml:"name" json:"name"`
	// Channel is Stable, Rapid, NodeImage or TargetKubernetesVersion.
	Channel  string `yaml:"channel" json:"channel"`
	Disabled bool   `yaml:"disabled,omitempty" json:"disabled,omitempty"`
}

// FleetUpdateRun is an update run of the fleet.
type FleetUpdateRun struct {
	Name string `yaml:"name" json:"name"`
	// State is NotStarted, Running, Stopping, Stopped, Skipped, Failed,
	// Pending or Completed.
	State string `yaml:"state" json:"state"`
	// KubernetesVersion is the version the run upgrades to.
	KubernetesVersion string `yaml:"kubernetesVersion,omitempty" json:"kubernetesVersion,omitempty"`
	// Members are the members the run upgrades (default: every member).
	Members []string `yaml:"members,omitempty" json:"members,omitempty"`
}

var (
	fleetChannels  = []string{"Stable", "Rapid", "NodeImage", "TargetKubernetesVersion"}
	updateRunState = []string{"NotStarted", "Running", "Stopping", "Stopped", "Skipped", "Failed", "Pending", "Completed"}
)

// check returns the problems of a fleet of subscription sub.
func (f *Fleet) check(field string, sc *Scenario) []problem {
	var ps []problem
	add := func(sub, format string, args ...any) {
		ps = append(ps, problem{field + sub, fmt.Sprintf(format, args...)})
	}
	if f.Name == "" || f.ResourceGroup == "" || f.Location == "" {
		add("", "a fleet needs a name, a resourceGroup and a location")
	}
	known := func(ref string) bool { return sc.clusterRef(ref) }
	for i, m := range f.Members {
		if !known(m) {
			add(fmt.Sprintf(".members[%d]", i), "found %q, want a cluster of the scenario", m)
		}
	}
	for i, p := range f.AutoUpgradeProfiles {
		if !slices.Contains(fleetChannels, p.Channel) {
			add(fmt.Sprintf(".autoUpgradeProfiles[%d].channel", i), "found %q, want one of %s", p.Channel, strings.Join(fleetChannels, ", "))
		}
	}
	for i, r := range f.UpdateRuns {
		if !slices.Contains(updateRunState, r.State) {
			add(fmt.Sprintf(".updateRuns[%d].state", i), "found %q, want one of %s", r.State, strings.Join(updateRunState, ", "))
		}
		for j, m := range r.Members {
			if !slices.ContainsFunc(f.Members, func(x string) bool { return strings.EqualFold(x, m) }) {
				add(fmt.Sprintf(".updateRuns[%d].members[%d]", i, j), "found %q, want one of the fleet's members", m)
			}
		}
	}
	return ps
}

// clusterRef reports whether ref names a cluster of the scenario.
func (sc *Scenario) clusterRef(ref string) bool {
	for _, s := range sc.Subscriptions {
		for _, c := range s.Clusters {
			if strings.EqualFold(c.Name, ref) || aksupgrade.SameID(clusterID(s.ID, c.ResourceGroup, c.Name), ref) {
				return true
			}
		}
	}
	return false
}

// fleetID is a fleet's resource ID.
func fleetID(sub string, f *Fleet) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + f.ResourceGroup + "/providers/Microsoft.ContainerService/fleets/" + f.Name
}

// fleetOf finds the fleet a request names.
func (s *Simulator) fleetOf(c *call) *Fleet {
	for i := range c.sub.fleets {
		f := &c.sub.fleets[i]
		if strings.EqualFold(f.ResourceGroup, c.param("rg")) && strings.EqualFold(f.Name, c.param("fleet")) {
			return f
		}
	}
	c.fail(errResourceNotFound("Microsoft.ContainerService/fleets", c.param("fleet"), c.param("rg")))
	return nil
}

// The fleets API's resources, as it encodes them.
type (
	fleetResource[P any] struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Type       string `json:"type"`
		Location   string `json:"location,omitempty"`
		Properties P      `json:"properties"`
	}
	fleetList[P any] struct {
		Value []fleetResource[P] `json:"value"`
	}
	fleetProps struct {
		ProvisioningState string `json:"provisioningState"`
	}
	memberProps struct {
		ClusterResourceID string `json:"clusterResourceId"`
		ProvisioningState string `json:"provisioningState"`
	}
	profileProps struct {
		Channel           string `json:"channel"`
		Disabled          bool   `json:"disabled"`
		ProvisioningState string `json:"provisioningState"`
	}
	runState struct {
		State string `json:"state"`
	}
	runMember struct {
		Name              string   `json:"name"`
		ClusterResourceID string   `json:"clusterResourceId"`
		Status            runState `json:"status"`
	}
	runGroup struct {
		Name    string      `json:"name"`
		Status  runState    `json:"status"`
		Members []runMember `json:"members"`
	}
	runStage struct {
		Name   string     `json:"name"`
		Status runState   `json:"status"`
		Groups []runGroup `json:"groups"`
	}
	runProps struct {
		ProvisioningState    string `json:"provisioningState"`
		ManagedClusterUpdate struct {
			Upgrade struct {
				Type              string `json:"type"`
				KubernetesVersion string `json:"kubernetesVersion,omitempty"`
			} `json:"upgrade"`
		} `json:"managedClusterUpdate"`
		Status struct {
			Status runState   `json:"status"`
			Stages []runStage `json:"stages"`
		} `json:"status"`
	}
)

func (s *Simulator) listFleets(c *call) {
	out := fleetList[fleetProps]{Value: []fleetResource[fleetProps]{}}
	for i := range c.sub.fleets {
		f := &c.sub.fleets[i]
		out.Value = append(out.Value, fleetResource[fleetProps]{ID: fleetID(c.sub.id, f), Name: f.Name, Type: "Microsoft.ContainerService/fleets",
			Location: f.Location, Properties: fleetProps{ProvisioningState: stateSucceeded}})
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Simulator) listFleetMembers(c *call) {
	f := s.fleetOf(c)
	if f == nil {
		return
	}
	out := fleetList[memberProps]{Value: []fleetResource[memberProps]{}}
	for _, m := range f.Members {
		cl := s.findCluster(m)
		if cl == nil {
			continue // checked when the scenario loads
		}
		out.Value = append(out.Value, fleetResource[memberProps]{ID: fleetID(c.sub.id, f) + "/members/" + cl.name, Name: cl.name,
			Type: "Microsoft.ContainerService/fleets/members", Properties: memberProps{ClusterResourceID: cl.id(), ProvisioningState: stateSucceeded}})
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Simulator) listFleetAutoUpgradeProfiles(c *call) {
	f := s.fleetOf(c)
	if f == nil {
		return
	}
	out := fleetList[profileProps]{Value: []fleetResource[profileProps]{}}
	for _, p := range f.AutoUpgradeProfiles {
		out.Value = append(out.Value, fleetResource[profileProps]{ID: fleetID(c.sub.id, f) + "/autoUpgradeProfiles/" + p.Name, Name: p.Name,
			Type: "Microsoft.ContainerService/fleets/autoUpgradeProfiles", Properties: profileProps{Channel: p.Channel, Disabled: p.Disabled, ProvisioningState: stateSucceeded}})
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Simulator) listFleetUpdateRuns(c *call) {
	f := s.fleetOf(c)
	if f == nil {
		return
	}
	out := fleetList[runProps]{Value: []fleetResource[runProps]{}}
	for _, r := range f.UpdateRuns {
		members := r.Members
		if len(members) == 0 {
			members = f.Members
		}
		g := runGroup{Name: "group1", Status: runState{r.State}, Members: []runMember{}}
		for _, m := range members {
			if cl := s.findCluster(m); cl != nil {
				g.Members = append(g.Members, runMember{Name: cl.name, ClusterResourceID: cl.id(), Status: runState{r.State}})
			}
		}
		var p runProps
		p.ProvisioningState = stateSucceeded
		p.ManagedClusterUpdate.Upgrade.Type, p.ManagedClusterUpdate.Upgrade.KubernetesVersion = "Full", r.KubernetesVersion
		p.Status.Status = runState{r.State}
		p.Status.Stages = []runStage{{Name: "stage1", Status: runState{r.State}, Groups: []runGroup{g}}}
		out.Value = append(out.Value, fleetResource[runProps]{ID: fleetID(c.sub.id, f) + "/updateRuns/" + r.Name, Name: r.Name,
			Type: "Microsoft.ContainerService/fleets/updateRuns", Properties: p})
	}
	writeJSON(c.w, http.StatusOK, out)
}
