package azure

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"

	"github.com/aksupgrade/aksupgrade"
)

var _ aksupgrade.CapacityReader = (*Provider)(nil)

// Capacity reads a subscription's regional vCPU quota (Microsoft.Compute
// usages, "cores") and the cores of the VM sizes of the region
// (virtualMachineSizes), through the provider's rate limiting. Two pages
// of reads per subscription and region; the caller keeps what it needs.
func (p *Provider) Capacity(ctx context.Context, subscription, location string) (aksupgrade.ComputeCapacity, error) {
	f, err := armcompute.NewClientFactory(subscription, p.cred, &p.options)
	if err != nil {
		return aksupgrade.ComputeCapacity{}, fmt.Errorf("compute clients for %s: %w", subscription, err)
	}
	ctx = withSubscription(ctx, subscription)
	out := aksupgrade.ComputeCapacity{Cores: map[string]int{}}
	found := false
	usages := f.NewUsageClient().NewListPager(location, nil)
	for usages.More() {
		page, err := usages.NextPage(ctx)
		if err != nil {
			return aksupgrade.ComputeCapacity{}, p.classify(err)
		}
		for _, u := range page.Value {
			if u == nil || u.Name == nil || !strings.EqualFold(str(u.Name.Value), "cores") {
				continue
			}
			found = true
			if u.Limit != nil {
				out.Limit = int(*u.Limit)
			}
			if u.CurrentValue != nil {
				out.Used = int(*u.CurrentValue)
			}
		}
	}
	if !found {
		return aksupgrade.ComputeCapacity{}, errorf(aksupgrade.ErrNotFound, fmt.Sprintf("Microsoft.Compute reports no regional vCPU quota (cores) for %s in %s", subscription, location))
	}
	sizes := f.NewVirtualMachineSizesClient().NewListPager(location, nil)
	for sizes.More() {
		page, err := sizes.NextPage(ctx)
		if err != nil {
			return aksupgrade.ComputeCapacity{}, p.classify(err)
		}
		for _, s := range page.Value {
			if s != nil && s.Name != nil && s.NumberOfCores != nil {
				out.Cores[strings.ToLower(*s.Name)] = int(*s.NumberOfCores)
			}
		}
	}
	return out, nil
}
