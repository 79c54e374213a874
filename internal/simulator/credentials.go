package simulator

import (
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The credential actions answer the REST spec's CredentialResults,
// {"kubeconfigs":[{"name":"clusterUser","value":"<base64 kubeconfig>"}]}
// (azure-rest-api-specs, ManagedClustersListClusterCredentialResult.json),
// encoded with the SDK's model so that ListClusterUserCredentials and
// ListClusterAdminCredentials read it.
//
// The kubeconfig's server is the cluster's API on the simulator's own
// listener, on the scheme and host the credential was asked on. Over
// plain HTTP it has no certificate-authority-data; over TLS with the
// simulator's own certificate (TLSConfig), that certificate. Local
// accounts authenticate with a bearer token only, where AKS also gives a
// client certificate.

// credKind is which credential action was asked.
type credKind int

const (
	credUser credKind = iota
	credAdmin
	credMonitoring
)

// entraServerApp and entraClientApp are the Microsoft Entra ID
// applications of every AKS API server and of kubelogin's public client
// (github.com/Azure/kubelogin, docs "Using kubelogin with AKS").
const (
	entraServerApp = "6dae42f8-4368-4678-94ff-3960e28e3630"
	entraClientApp = "80faf920-1908-4b52-b5ef-a8e7bedfc67a"
)

func (s *Simulator) listUserCredential(c *call)  { s.listCredential(c, credUser) }
func (s *Simulator) listAdminCredential(c *call) { s.listCredential(c, credAdmin) }
func (s *Simulator) listMonitoringCredential(c *call) {
	s.listCredential(c, credMonitoring)
}

func (s *Simulator) listCredential(c *call, kind credKind) {
	cl := s.cluster(c)
	if cl == nil {
		return
	}
	format := ""
	if kind == credUser {
		// The spec's Format enum, azure or exec (unverified: the code and
		// message AKS answers another value with).
		switch format = c.r.URL.Query().Get("format"); format {
		case "", "azure", "exec":
		default:
			c.fail(errInvalidParameter("The value of parameter format is invalid: %q; allowed values are azure and exec.", format))
			return
		}
	}
	if e := localAccountsRefusal(cl, kind); e != nil {
		c.fail(e)
		return
	}
	var ca []byte
	if c.r.TLS != nil {
		ca = s.CertificatePEM()
	}
	raw, err := kubeconfig(c.base, ca, cl, kind, format)
	if err != nil {
		s.log.Error("kubeconfig", "cluster", cl.id(), "err", err)
		c.fail(&armError{status: http.StatusInternalServerError, code: "InternalServerError", message: "An internal server error occurred."})
		return
	}
	name := map[credKind]string{credUser: "clusterUser", credAdmin: "clusterAdmin", credMonitoring: "clusterMonitoringUser"}[kind]
	writeJSON(c.w, http.StatusOK, armcontainerservice.CredentialResults{
		Kubeconfigs: []*armcontainerservice.CredentialResult{{Name: to.Ptr(name), Value: raw}},
	})
}

// localAccountsRefusal is AKS's answer to a static credential asked of a
// cluster whose local accounts are disabled: 400 BadRequest, "Getting
// static credential is not allowed because this cluster is set to disable
// local accounts." (as reported in github.com/Azure/bicep/issues/11601 and
// hashicorp/terraform-provider-azurerm#15489; the monitoring user's
// refusal is unverified).
func localAccountsRefusal(c *clusterState, kind credKind) *armError {
	if kind == credUser || !c.kube.noLocal {
		return nil
	}
	return &armError{status: http.StatusBadRequest, code: "BadRequest",
		message: "Getting static credential is not allowed because this cluster is set to disable local accounts."}
}

// kubeconfig builds a cluster's kubeconfig for its server on base. Names
// follow AKS's: cluster and context the cluster's name (the admin context
// NAME-admin, unverified), user clusterUser_RG_NAME (clusterAdmin_,
// clusterMonitoringUser_).
//
// A user credential of an Entra ID cluster runs kubelogin, in the exec
// format AKS returns for Kubernetes 1.24 and later
// (learn.microsoft.com/azure/aks/kubelogin-authentication), or the legacy
// azure auth provider when format=azure asks for it. Every other
// credential is the cluster's static local-account token: on a cluster
// without Entra ID the user credential has the admin's rights (unverified
// here that AKS gives both the same token).
func kubeconfig(base string, ca []byte, c *clusterState, kind credKind, format string) ([]byte, error) {
	prefix := map[credKind]string{credUser: "clusterUser_", credAdmin: "clusterAdmin_", credMonitoring: "clusterMonitoringUser_"}[kind]
	user := prefix + c.rg + "_" + c.name
	context := c.name
	if kind == credAdmin {
		context += "-admin"
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[c.name] = &clientcmdapi.Cluster{Server: base + kubePrefix + clusterPathOf(c), CertificateAuthorityData: ca}
	cfg.Contexts[context] = &clientcmdapi.Context{Cluster: c.name, AuthInfo: user}
	cfg.CurrentContext = context
	auth := &clientcmdapi.AuthInfo{Token: c.kube.token}
	if kind == credUser && c.kube.aad != nil {
		tenant := orDefault(c.kube.aad.TenantID, tenantID)
		if format == "azure" {
			auth = &clientcmdapi.AuthInfo{AuthProvider: &clientcmdapi.AuthProviderConfig{Name: "azure", Config: map[string]string{
				"apiserver-id": entraServerApp, "client-id": entraClientApp, "config-mode": "1", "environment": "AzurePublicCloud", "tenant-id": tenant,
			}}}
		} else {
			// The exec user of an AKS kubeconfig, as az aks get-credentials
			// writes it.
			auth = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
				APIVersion: "client.authentication.k8s.io/v1beta1",
				Command:    "kubelogin",
				Args: []string{"get-token", "--environment", "AzurePublicCloud", "--server-id", entraServerApp,
					"--client-id", entraClientApp, "--tenant-id", tenant, "--login", "devicecode"},
				InstallHint:     "\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n",
				InteractiveMode: clientcmdapi.IfAvailableExecInteractiveMode,
			}}
		}
	}
	cfg.AuthInfos[user] = auth
	return clientcmd.Write(*cfg)
}
