package azure

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/aksupgrade/aksupgrade"
)

// fleetAPIVersion is the Microsoft.ContainerService/fleets API version
// read (Azure Kubernetes Fleet Manager; learn.microsoft.com/rest/api/
// kubernetesfleet). The Azure SDK for Go's fleet module is not served to
// this build, so the few list calls go through azcore's ARM pipeline,
// with the same credential, rate limiting and retries as the rest.
const fleetAPIVersion = "2025-03-01"

// The fleets API's resources, as far as aksupgrade reads them.
type (
	fleetResource[P any] struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Properties P      `json:"properties"`
	}
	fleetPage[P any] struct {
		Value    []fleetResource[P] `json:"value"`
		NextLink string             `json:"nextLink"`
	}
	fleetMemberProps struct {
		ClusterResourceID string `json:"clusterResourceId"`
	}
	fleetProfileProps struct {
		Channel  string `json:"channel"`
		Disabled bool   `json:"disabled"`
	}
	fleetRunState struct {
		State string `json:"state"`
	}
	fleetRunProps struct {
		Status struct {
			Status fleetRunState `json:"status"`
			Stages []struct {
				Groups []struct {
					Members []struct {
						ClusterResourceID string `json:"clusterResourceId"`
					} `json:"members"`
				} `json:"groups"`
			} `json:"stages"`
		} `json:"status"`
	}
)

// unfinishedRun reports whether an update run may still upgrade its
// members: NotStarted, Running, Stopping, Stopped (it can be started
// again) or Pending.
func unfinishedRun(state string) bool {
	return slices.Contains([]string{"NotStarted", "Running", "Stopping", "Stopped", "Pending"}, state)
}

// FleetMemberships lists the memberships of the subscriptions' fleets:
// per subscription one list of fleets, then per fleet its members,
// auto-upgrade profiles and update runs.
func (p *Provider) FleetMemberships(ctx context.Context, subscriptions []string) ([]aksupgrade.FleetMembership, error) {
	c := p.fleets
	var out []aksupgrade.FleetMembership
	for _, sub := range subscriptions {
		sctx := withSubscription(ctx, sub)
		fleets, err := listFleet[struct{}](sctx, p, c, "/subscriptions/"+sub+"/providers/Microsoft.ContainerService/fleets")
		if err != nil {
			return nil, fmt.Errorf("fleets of subscription %s: %w", sub, err)
		}
		for _, f := range fleets {
			ms, err := p.fleetMembers(sctx, c, f.ID)
			if err != nil {
				return nil, fmt.Errorf("fleet %s: %w", f.ID, err)
			}
			out = append(out, ms...)
		}
	}
	return out, nil
}

func (p *Provider) fleetMembers(ctx context.Context, c *arm.Client, fleet string) ([]aksupgrade.FleetMembership, error) {
	members, err := listFleet[fleetMemberProps](ctx, p, c, fleet+"/members")
	if err != nil {
		return nil, err
	}
	profiles, err := listFleet[fleetProfileProps](ctx, p, c, fleet+"/autoUpgradeProfiles")
	if err != nil {
		return nil, err
	}
	runs, err := listFleet[fleetRunProps](ctx, p, c, fleet+"/updateRuns")
	if err != nil {
		return nil, err
	}
	var enabled []string
	for _, pr := range profiles {
		if !pr.Properties.Disabled {
			enabled = append(enabled, pr.Name+" ("+pr.Properties.Channel+")")
		}
	}
	out := make([]aksupgrade.FleetMembership, 0, len(members))
	for _, m := range members {
		fm := aksupgrade.FleetMembership{ClusterID: m.Properties.ClusterResourceID, Fleet: fleet, Member: m.Name, AutoUpgradeProfiles: enabled}
		for _, r := range runs {
			if unfinishedRun(r.Properties.Status.Status.State) && runUpgrades(r.Properties, m.Properties.ClusterResourceID) {
				fm.UpdateRuns = append(fm.UpdateRuns, r.Name+" ("+r.Properties.Status.Status.State+")")
			}
		}
		out = append(out, fm)
	}
	return out, nil
}

// runUpgrades reports whether an update run's stages include the
// cluster; a run whose status lists no stages yet may upgrade any member.
func runUpgrades(r fleetRunProps, cluster string) bool {
	if len(r.Status.Stages) == 0 {
		return true
	}
	for _, st := range r.Status.Stages {
		for _, g := range st.Groups {
			for _, m := range g.Members {
				if aksupgrade.SameID(m.ClusterResourceID, cluster) {
					return true
				}
			}
		}
	}
	return false
}

// listFleet reads every page of a fleets API list.
func listFleet[P any](ctx context.Context, p *Provider, c *arm.Client, path string) ([]fleetResource[P], error) {
	url := runtime.JoinPaths(c.Endpoint(), path) + "?api-version=" + fleetAPIVersion
	var out []fleetResource[P]
	for url != "" {
		req, err := runtime.NewRequest(ctx, http.MethodGet, url)
		if err != nil {
			return nil, errorf(aksupgrade.ErrInternal, err.Error())
		}
		resp, err := c.Pipeline().Do(req)
		if err != nil {
			return nil, p.classify(err)
		}
		if !runtime.HasStatusCode(resp, http.StatusOK) {
			return nil, p.classify(runtime.NewResponseError(resp))
		}
		var page fleetPage[P]
		if err := runtime.UnmarshalAsJSON(resp, &page); err != nil {
			return nil, errorf(aksupgrade.ErrInternal, "read "+path+": "+err.Error())
		}
		out = append(out, page.Value...)
		url = page.NextLink
	}
	return out, nil
}
