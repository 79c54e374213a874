package simulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/tools/clientcmd"
)

const kubeClusterLocal = "/subscriptions/" + subOne + "/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/aks-local"

func TestUserCredentialOfLocalAccountCluster(t *testing.T) {
	e := newTLSEnv(t, "clusterapi.yaml")
	resp, err := e.clusters().ListClusterUserCredentials(context.Background(), "rg-a", "aks-local", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kubeconfigs) != 1 || deref(resp.Kubeconfigs[0].Name) != "clusterUser" {
		t.Fatalf("kubeconfigs = %+v, want one named clusterUser", resp.Kubeconfigs)
	}
	kc, err := clientcmd.Load(resp.Kubeconfigs[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	ctx := kc.Contexts[kc.CurrentContext]
	if kc.CurrentContext != "aks-local" || ctx == nil || ctx.AuthInfo != "clusterUser_rg-a_aks-local" {
		t.Fatalf("current context %q: %+v", kc.CurrentContext, ctx)
	}
	ep, err := e.sim.Endpoints("aks-local")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := kc.Clusters[ctx.Cluster].Server, e.srv.URL+ep.API; got != want {
		t.Errorf("server = %s, want %s", got, want)
	}
	if want := "/kubernetes/" + subOne + "/rg-a/aks-local"; ep.API != want {
		t.Errorf("API path = %s, want %s", ep.API, want)
	}
	user := kc.AuthInfos[ctx.AuthInfo]
	if len(user.Token) != 32 || user.Exec != nil {
		t.Errorf("user = %+v, want a 32-character static token", user)
	}
	if ca := kc.Clusters[ctx.Cluster].CertificateAuthorityData; string(ca) != string(e.sim.CertificatePEM()) || len(ca) == 0 {
		t.Errorf("certificate authority %q, want the simulator's certificate", ca)
	}

	// The admin credential carries the same token, in its own context.
	admin, err := clientcmd.Load(e.kubeconfig("rg-a", "aks-local", true))
	if err != nil {
		t.Fatal(err)
	}
	actx := admin.Contexts[admin.CurrentContext]
	if admin.CurrentContext != "aks-local-admin" || actx.AuthInfo != "clusterAdmin_rg-a_aks-local" || admin.AuthInfos[actx.AuthInfo].Token != user.Token {
		t.Errorf("admin kubeconfig: context %q, user %q", admin.CurrentContext, actx.AuthInfo)
	}

	// The same as Kubeconfig hands tests.
	direct, err := e.sim.Kubeconfig(e.srv.URL, kubeClusterLocal, false)
	if err != nil {
		t.Fatal(err)
	}
	if string(direct) != string(resp.Kubeconfigs[0].Value) {
		t.Errorf("Kubeconfig:\n%s\nwant what ARM answered:\n%s", direct, resp.Kubeconfigs[0].Value)
	}
}

func TestCredentialWireShape(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml")
	resp, body := e.raw(http.MethodPost, kubeClusterLocal+"/listClusterUserCredential", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	// The REST spec's CredentialResults: base64 kubeconfigs by name.
	var got struct {
		Kubeconfigs []struct{ Name, Value string } `json:"kubeconfigs"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Kubeconfigs) != 1 || got.Kubeconfigs[0].Name != "clusterUser" {
		t.Fatalf("body %s", body)
	}
	yaml, err := base64.StdEncoding.DecodeString(got.Kubeconfigs[0].Value)
	if err != nil || !strings.Contains(string(yaml), "kind: Config") {
		t.Fatalf("value is not a base64 kubeconfig: %v\n%s", err, yaml)
	}
	// A GET is no action.
	if resp, _ := e.raw(http.MethodGet, kubeClusterLocal+"/listClusterUserCredential", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
	if resp, body := e.raw(http.MethodPost, kubeClusterLocal+"/listClusterUserCredential?api-version="+apiVersion+"&format=yaml", nil); resp.StatusCode != 400 || armCode(t, body) != "InvalidParameter" {
		t.Errorf("format=yaml: %d %s, want 400 InvalidParameter", resp.StatusCode, body)
	}
	if resp, body := e.raw(http.MethodPost, "/subscriptions/"+subOne+"/resourceGroups/rg-a/providers/Microsoft.ContainerService/managedClusters/nope/listClusterUserCredential", nil); resp.StatusCode != 404 || armCode(t, body) != "ResourceNotFound" {
		t.Errorf("unknown cluster: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.raw(http.MethodPost, kubeClusterLocal+"/listClusterMonitoringUserCredential", nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"clusterMonitoringUser"`) {
		t.Errorf("monitoring user credential: %d %s", resp.StatusCode, body)
	}
}

func TestCredentialsOfEntraIDCluster(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml")
	kc, err := clientcmd.Load(e.kubeconfig("rg-a", "aks-entra", false))
	if err != nil {
		t.Fatal(err)
	}
	user := kc.AuthInfos[kc.Contexts[kc.CurrentContext].AuthInfo]
	if user.Token != "" || user.Exec == nil {
		t.Fatalf("user = %+v, want kubelogin and no token", user)
	}
	want := []string{"get-token", "--environment", "AzurePublicCloud", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630",
		"--client-id", "80faf920-1908-4b52-b5ef-a8e7bedfc67a", "--tenant-id", tenantID, "--login", "devicecode"}
	if user.Exec.Command != "kubelogin" || user.Exec.APIVersion != "client.authentication.k8s.io/v1beta1" || !cmp.Equal(user.Exec.Args, want) {
		t.Errorf("exec = %s %s %v", user.Exec.APIVersion, user.Exec.Command, user.Exec.Args)
	}

	// format=azure: the legacy auth provider.
	resp, err := e.clusters().ListClusterUserCredentials(context.Background(), "rg-a", "aks-entra",
		&armcontainerservice.ManagedClustersClientListClusterUserCredentialsOptions{Format: to.Ptr(armcontainerservice.FormatAzure)})
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := clientcmd.Load(resp.Kubeconfigs[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	if ap := legacy.AuthInfos["clusterUser_rg-a_aks-entra"].AuthProvider; ap == nil || ap.Name != "azure" || ap.Config["apiserver-id"] != entraServerApp {
		t.Errorf("format=azure: auth provider %+v", ap)
	}

	// Local accounts are off: no static credential.
	_, err = e.clusters().ListClusterAdminCredentials(context.Background(), "rg-a", "aks-entra", nil)
	re := responseError(t, err)
	if re.StatusCode != 400 || re.ErrorCode != "BadRequest" || !strings.Contains(err.Error(), "Getting static credential is not allowed because this cluster is set to disable local accounts.") {
		t.Errorf("admin credential: %v", err)
	}
	if _, err := e.sim.Kubeconfig(e.srv.URL, "aks-entra", true); err == nil {
		t.Error("Kubeconfig gave an admin kubeconfig of a cluster without local accounts")
	}

	// ARM shows the integration.
	mc := e.getCluster("rg-a", "aks-entra")
	if p := mc.Properties; p.AADProfile == nil || !deref(p.AADProfile.Managed) || !deref(p.DisableLocalAccounts) || deref(p.AADProfile.TenantID) != tenantID {
		t.Errorf("aadProfile %+v, disableLocalAccounts %v", p.AADProfile, deref(p.DisableLocalAccounts))
	}
}

func TestCredentialActionsThrottle(t *testing.T) {
	e := newEnv(t, "clusterapi.yaml", func(sc *Scenario) { sc.Throttling = ptr(true) })
	// AKS's bucket for its other APIs: 60, then one a second.
	for i := range 60 {
		resp, body := e.raw(http.MethodPost, kubeClusterLocal+"/listClusterUserCredential", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
		// A POST action draws from ARM's write bucket.
		if got := resp.Header.Get("X-Ms-Ratelimit-Remaining-Subscription-Writes"); i == 0 && got != "199" {
			t.Errorf("remaining writes after the first: %q, want 199", got)
		}
	}
	resp, body := e.raw(http.MethodPost, kubeClusterLocal+"/listClusterUserCredential", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("61st: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	e.clock.Advance(time.Second)
	if resp, _ := e.raw(http.MethodPost, kubeClusterLocal+"/listClusterUserCredential", nil); resp.StatusCode != 200 {
		t.Errorf("a second later: %d", resp.StatusCode)
	}
}
