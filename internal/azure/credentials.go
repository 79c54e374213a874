package azure

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksupgrade/aksupgrade"
)

// Kubeconfig returns a cluster's kubeconfig from Resource Manager: the
// user credential (listClusterUserCredential; for Microsoft Entra ID
// clusters it names no secret, the caller brings an Entra token), or the
// admin credential (listClusterAdminCredential: the cluster's local
// admin account, refused by AKS when local accounts are disabled). The
// request goes through the provider's rate limiting like every other.
func (p *Provider) Kubeconfig(ctx context.Context, clusterID string, admin bool) ([]byte, error) {
	ctx, ref, f, err := p.forCluster(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	c := f.NewManagedClustersClient()
	var res armcontainerservice.CredentialResults
	if admin {
		r, err := c.ListClusterAdminCredentials(ctx, ref.resourceGroup, ref.name, nil)
		if err != nil {
			return nil, p.classify(err)
		}
		res = r.CredentialResults
	} else {
		r, err := c.ListClusterUserCredentials(ctx, ref.resourceGroup, ref.name, nil)
		if err != nil {
			return nil, p.classify(err)
		}
		res = r.CredentialResults
	}
	for _, k := range res.Kubeconfigs {
		if k != nil && len(k.Value) > 0 {
			return k.Value, nil
		}
	}
	return nil, errorf(aksupgrade.ErrInternal, fmt.Sprintf("%s: Resource Manager returned no kubeconfig", ref.name))
}

// Credential is the credential the provider signs its requests with, for
// what else the same identity calls (the clusters' own APIs).
func (p *Provider) Credential() azcore.TokenCredential { return p.cred }
