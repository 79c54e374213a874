package simulator

// A managed cluster PUT, read as AKS reads it:
//
//   - ARM wants the location, and the same one: LocationRequired and
//     InvalidResourceLocation (learn.microsoft.com/azure/azure-resource-manager/
//     troubleshooting/error-invalid-resource-location).
//   - The agent pools' orchestratorVersion are all given or none; when all
//     are given, each is as it was or the control plane's version, else
//     400 NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged, with
//     AKS's wording (learn.microsoft.com/azure/aks/auto-upgrade-cluster
//     quotes the code; the message is as AKS answered it in
//     github.com/hashicorp/terraform-provider-azurerm/issues/23436).
//   - A PUT that gives no pool versions upgrades the control plane alone
//     ("An empty or partial PUT ... without any agent pool specified will
//     no longer upgrade all the agent pools": github.com/Azure/AKS/pull/2889).
//     One that moves pools to the control plane's version upgrades them
//     too, in one operation (az aks upgrade without --control-plane-only).
//   - From a minor the region no longer lists, the control plane cannot
//     move alone: the whole cluster goes, into the oldest supported minor.
//     The refusal's code and wording are unverified.
//   - autoUpgradeProfile: the channels must be ones the API knows; a PUT
//     that changes them applies at once here, where AKS says "allow up
//     to 24 hours for the changes to take effect" and a node OS channel
//     change "triggers a reimage" (learn.microsoft.com/azure/aks/
//     auto-upgrade-node-os-image): neither delay nor reimage is modelled.
//   - servicePrincipalProfile: a GET never returns the secret, so sending
//     back a service principal's clientId without it is refused; the az
//     CLI drops the profile from its upgrade PUT for that reason. The code
//     and wording are unverified.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksupgrade/aksupgrade/internal/version"
)

func (s *Simulator) putCluster(c *call) {
	cl := c.sub.cluster(c.param("rg"), c.param("cluster"))
	if cl == nil {
		c.fail(errInvalidParameter("The simulator does not create managed clusters; %s is not in the scenario.", c.param("cluster")))
		return
	}
	if e := preconditions(c.r, cl.etag); e != nil {
		c.fail(e)
		return
	}
	var body armcontainerservice.ManagedCluster
	if err := json.Unmarshal(c.body, &body); err != nil {
		c.fail(errInvalidBody(err))
		return
	}
	props := body.Properties
	if props == nil {
		props = &armcontainerservice.ManagedClusterProperties{}
	}
	if e := checkClusterBody(cl, &body, props); e != nil {
		c.fail(e)
		return
	}
	if !s.writeGate(c, cl, nil) {
		return
	}
	from := mustVersion(cl.version)
	to := from
	if props.KubernetesVersion != nil && *props.KubernetesVersion != "" {
		v, e := s.resolveVersion(cl, *props.KubernetesVersion)
		if e != nil {
			c.fail(e)
			return
		}
		to = v
	}
	moving, e := poolVersions(cl, props, to)
	if e != nil {
		c.fail(e)
		return
	}
	if to == from && len(moving) == 0 {
		s.keep(cl, props)
		cl.target = cl.version
		s.reconcile(cl, nil)
		s.writeCluster(c, cl, nil)
		return
	}
	if s.powerState(cl) == "Stopped" {
		c.fail(errStopped(cl, "upgrading"))
		return
	}
	if len(moving) > 0 {
		e = s.checkCluster(cl, to)
	} else {
		e = s.checkControlPlane(cl, to)
	}
	if e != nil {
		c.fail(e)
		return
	}
	if to != from && !forceUpgrade(props, c.now) {
		blocks := func(f *Fault) bool { return f.hitsCluster(cl) && f.blocksUpgrade(from, to) }
		if f := s.fire(FaultDeprecatedAPI, c.now, blocks); f != nil {
			c.fail(errDeprecatedAPI(f.deprecatedInUse(from), c.now))
			return
		}
	}
	s.keep(cl, props)
	var op *operation
	if len(moving) > 0 {
		op = s.startCluster(cl, to.String(), moving, c.now)
	} else {
		op = s.startControlPlane(cl, to.String(), c.now)
	}
	s.writeCluster(c, cl, op)
}

// checkClusterBody checks what ARM and AKS check of any managed cluster
// PUT before looking at versions.
func checkClusterBody(cl *clusterState, body *armcontainerservice.ManagedCluster, props *armcontainerservice.ManagedClusterProperties) *armError {
	if body.Location == nil || *body.Location == "" {
		return &armError{status: http.StatusBadRequest, code: "LocationRequired", message: "The location property is required for this definition."}
	}
	if loc := strings.ToLower(strings.ReplaceAll(*body.Location, " ", "")); loc != cl.location {
		return &armError{status: http.StatusBadRequest, code: "InvalidResourceLocation",
			message: fmt.Sprintf("The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'. Please select a new resource name.", cl.name, cl.location, cl.rg, loc)}
	}
	if a := props.AutoUpgradeProfile; a != nil {
		if a.UpgradeChannel != nil && !slices.Contains(upgradeChannels, string(*a.UpgradeChannel)) {
			return errInvalidParameter("The value of parameter autoUpgradeProfile.upgradeChannel is invalid: %q is not one of %s.", *a.UpgradeChannel, strings.Join(upgradeChannels, ", "))
		}
		if a.NodeOSUpgradeChannel != nil && !slices.Contains(nodeOSChannels, string(*a.NodeOSUpgradeChannel)) {
			return errInvalidParameter("The value of parameter autoUpgradeProfile.nodeOSUpgradeChannel is invalid: %q is not one of %s.", *a.NodeOSUpgradeChannel, strings.Join(nodeOSChannels, ", "))
		}
	}
	if sp := props.ServicePrincipalProfile; sp != nil && sp.ClientID != nil && *sp.ClientID != "msi" && (sp.Secret == nil || *sp.Secret == "") {
		return errInvalidParameter("The value of parameter servicePrincipalProfile.secret is invalid: a service principal's clientId was sent without its secret, which a GET never returns. Leave servicePrincipalProfile out of the request to keep the cluster's credentials.")
	}
	return nil
}

// poolVersions reads the body's agent pool versions and returns the pools
// that move to the control plane's version to; none when the body gives
// no pool version.
func poolVersions(cl *clusterState, props *armcontainerservice.ManagedClusterProperties, to version.Version) ([]*poolState, *armError) {
	given := map[*poolState]string{}
	for _, pp := range props.AgentPoolProfiles {
		if pp == nil || pp.Name == nil {
			continue
		}
		p := cl.pool(*pp.Name)
		if p == nil {
			return nil, errInvalidParameter("agentPoolProfiles: %s is not a pool of %s; the simulator does not create agent pools.", *pp.Name, cl.name)
		}
		if pp.OrchestratorVersion != nil && *pp.OrchestratorVersion != "" {
			given[p] = *pp.OrchestratorVersion
		}
	}
	if len(given) == 0 {
		return nil, nil
	}
	if len(given) < len(cl.pools) {
		return nil, errPoolVersionsMixed()
	}
	var moving []*poolState
	for _, p := range cl.pools {
		v := given[p]
		switch pv, err := version.Parse(v); {
		case err == nil && pv == to && v == p.target && v != p.version && p.provisioning == stateFailed:
			// The upgrade that failed, asked again: AKS's documented
			// recovery is to retry it once the cause is fixed.
			moving = append(moving, p)
		case v == p.target || v == p.version:
			// as it was
		case err == nil && pv == to:
			moving = append(moving, p)
		default:
			return nil, errPoolVersionsMixed()
		}
	}
	return moving, nil
}

func errPoolVersionsMixed() *armError {
	return &armError{status: http.StatusBadRequest, code: "NotAllAgentPoolOrchestratorVersionSpecifiedAndUnchanged",
		message: "Using managed cluster api, all Agent pools' OrchestratorVersion must be all specified or all unspecified. If all specified, they must be stay unchanged or the same with control plane. For agent pool specific change, please use per agent pool operations: https://aka.ms/agent-pool-rest-api"}
}

// forceUpgrade reports whether the PUT asks to bypass AKS's upgrade
// validation (upgradeSettings.overrideSettings.forceUpgrade, until a time
// still to come).
func forceUpgrade(p *armcontainerservice.ManagedClusterProperties, now time.Time) bool {
	u := p.UpgradeSettings
	if u == nil || u.OverrideSettings == nil || u.OverrideSettings.ForceUpgrade == nil || !*u.OverrideSettings.ForceUpgrade {
		return false
	}
	return u.OverrideSettings.Until == nil || u.OverrideSettings.Until.After(now)
}

// keep takes what an accepted PUT sets besides versions: the upgrade
// override and the channels.
func (s *Simulator) keep(cl *clusterState, props *armcontainerservice.ManagedClusterProperties) {
	cl.force = overrideOf(props)
	if a := props.AutoUpgradeProfile; a != nil {
		if a.UpgradeChannel != nil && string(*a.UpgradeChannel) != cl.autoUpgrade {
			s.log.Info("auto-upgrade channel set", "cluster", cl.name, "from", cl.autoUpgrade, "to", *a.UpgradeChannel)
			cl.autoUpgrade = string(*a.UpgradeChannel)
		}
		if a.NodeOSUpgradeChannel != nil && string(*a.NodeOSUpgradeChannel) != cl.nodeOSUpgrade {
			s.log.Info("node OS channel set", "cluster", cl.name, "from", cl.nodeOSUpgrade, "to", *a.NodeOSUpgradeChannel)
			cl.nodeOSUpgrade = string(*a.NodeOSUpgradeChannel)
		}
	}
	s.touch(cl, nil)
}

// overrideOf is the upgrade override a PUT leaves on the cluster: a PUT
// replaces the resource, so one without it clears it.
func overrideOf(p *armcontainerservice.ManagedClusterProperties) *armcontainerservice.UpgradeOverrideSettings {
	if p.UpgradeSettings == nil || p.UpgradeSettings.OverrideSettings == nil {
		return nil
	}
	o := *p.UpgradeSettings.OverrideSettings
	return &o
}
