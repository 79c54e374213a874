package eventgrid

import "testing"

func TestClusterPrefix(t *testing.T) {
	const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1"
	tests := map[string]string{
		id:                         id,
		id + "/":                   id,
		id + "/scheduledEvents/e1": id,
		id + "/agentPools/np1":     id,
		"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-1": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-1",
		// Azure's own documentation drops a slash here.
		"/subscriptions/<id>/resourceGroups<rg>/providers/Microsoft.ContainerService/managedClusters/<cluster>": "/subscriptions/<id>/resourceGroups<rg>/providers/Microsoft.ContainerService/managedClusters/<cluster>",
		"aks-1":            "",
		"/subscriptions/s": "",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/": "",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st":        "",
		"https://example.com" + id: "",
		"":                         "",
	}
	for in, want := range tests {
		if got := clusterPrefix(in); got != want {
			t.Errorf("clusterPrefix(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clusterID("", "aks-1", id+"/x", "/subscriptions/t/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/other"); got != id {
		t.Errorf("clusterID = %q, want the first cluster named, %q", got, id)
	}
}
