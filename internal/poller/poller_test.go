package poller

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func catalog(patches ...string) aksupgrade.KubernetesVersionList {
	byMinor := map[string]map[string]aksupgrade.PatchVersion{}
	for _, p := range patches {
		m := version.MustParse(p).MinorString()
		if byMinor[m] == nil {
			byMinor[m] = map[string]aksupgrade.PatchVersion{}
		}
		byMinor[m][p] = aksupgrade.PatchVersion{}
	}
	var l aksupgrade.KubernetesVersionList
	for m, ps := range byMinor {
		l.Values = append(l.Values, aksupgrade.KubernetesVersion{Version: m, PatchVersions: ps})
	}
	return l
}

func cluster(name, v, state string) aksupgrade.Cluster {
	return aksupgrade.Cluster{
		ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/" + name, Name: name,
		Location: "westeurope", KubernetesVersion: v,
		NodePools: []aksupgrade.NodePool{{Name: "system", KubernetesVersion: v, ProvisioningState: state,
			NodeImageVersion: "AKSUbuntu-2204gen2containerd-202502.10.0", LatestNodeImageVersion: "AKSUbuntu-2204gen2containerd-202502.10.0"}},
	}
}

type seen struct {
	Type    aksupgrade.EventType
	Subject string
	Data    map[string]string
}

func events(t *testing.T, evs []store.Event) []seen {
	t.Helper()
	out := []seen{}
	for _, e := range evs {
		var eg struct {
			Topic string            `json:"topic"`
			Data  map[string]string `json:"data"`
		}
		if err := json.Unmarshal(e.Data, &eg); err != nil {
			t.Fatal(err)
		}
		if eg.Topic == "" || e.Key.Source != Source || e.Key.ID == "" {
			t.Errorf("event %+v lacks its topic or key", e)
		}
		out = append(out, seen{e.Type, e.Subject, eg.Data})
	}
	return out
}

func TestDiff(t *testing.T) {
	cat := map[string]aksupgrade.KubernetesVersionList{"westeurope": catalog("1.30.9", "1.31.4", "1.32.1")}
	newer := map[string]aksupgrade.KubernetesVersionList{"westeurope": catalog("1.30.9", "1.31.4", "1.31.5", "1.32.1")}
	a := cluster("aks-a", "1.31.4", "Succeeded")
	imaged := cluster("aks-a", "1.31.4", "Succeeded")
	imaged.NodePools[0].LatestNodeImageVersion = "AKSUbuntu-2204gen2containerd-202502.24.0"
	for _, tc := range []struct {
		name       string
		prev, next store.Fleet
		want       []seen
	}{
		{"first observation: nothing is new", store.Fleet{}, store.Fleet{At: t0, Clusters: []aksupgrade.Cluster{a}, Catalogs: cat}, []seen{}},
		{"a new patch in the region", store.Fleet{Clusters: []aksupgrade.Cluster{a}, Catalogs: cat}, store.Fleet{At: t0, Clusters: []aksupgrade.Cluster{a}, Catalogs: newer},
			[]seen{{aksupgrade.EventNewKubernetesVersion, "aks-a", map[string]string{"latestSupportedKubernetesVersion": "1.32.1", "latestStableKubernetesVersion": "1.31.5", "lowestMinorKubernetesVersion": "1.30.9"}}}},
		{"a new node image", store.Fleet{Clusters: []aksupgrade.Cluster{a}, Catalogs: cat}, store.Fleet{At: t0, Clusters: []aksupgrade.Cluster{imaged}, Catalogs: cat},
			[]seen{{aksupgrade.EventNodeImageAvailable, "aks-a", map[string]string{"nodePoolName": "system", "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202502.10.0", "latestNodeImageVersion": "AKSUbuntu-2204gen2containerd-202502.24.0"}}}},
		{"a pool starts upgrading", store.Fleet{Clusters: []aksupgrade.Cluster{a}, Catalogs: cat}, store.Fleet{At: t0, Clusters: []aksupgrade.Cluster{cluster("aks-a", "1.31.4", "Upgrading")}, Catalogs: cat},
			[]seen{{aksupgrade.EventNodePoolRollingStarted, "aks-a", map[string]string{"nodePoolName": "system"}}}},
		{"a pool finishes", store.Fleet{Clusters: []aksupgrade.Cluster{cluster("aks-a", "1.31.4", "Upgrading")}, Catalogs: cat}, store.Fleet{At: t0, Clusters: []aksupgrade.Cluster{cluster("aks-a", "1.31.5", "Succeeded")}, Catalogs: cat},
			[]seen{{aksupgrade.EventNodePoolRollingSucceeded, "aks-a", map[string]string{"nodePoolName": "system"}}}},
		{"a pool fails", store.Fleet{Clusters: []aksupgrade.Cluster{cluster("aks-a", "1.31.4", "Upgrading")}, Catalogs: cat}, store.Fleet{At: t0, Clusters: []aksupgrade.Cluster{cluster("aks-a", "1.31.4", "Failed")}, Catalogs: cat},
			[]seen{{aksupgrade.EventNodePoolRollingFailed, "aks-a", map[string]string{"nodePoolName": "system"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff(tc.prev, tc.next, Options{})
			if d := cmp.Diff(tc.want, events(t, got)); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
			again := Diff(tc.prev, tc.next, Options{})
			for i := range got {
				if got[i].Key != again[i].Key {
					t.Errorf("the same change gave keys %v and %v: it would be stored twice", got[i].Key, again[i].Key)
				}
			}
		})
	}
}

func TestDiffSupportAndManaged(t *testing.T) {
	cal := version.DefaultCalendar()
	old := cluster("aks-old", "1.30.9", "Succeeded")   // 1.30 left support in 2025
	soon := cluster("aks-soon", "1.32.3", "Succeeded") // 1.32 support ends 2026-03-31
	fine := cluster("aks-fine", "1.34.1", "Succeeded")
	skip := cluster("aks-unmanaged", "1.30.9", "Succeeded")
	next := store.Fleet{At: t0.AddDate(0, 0, 10), Clusters: []aksupgrade.Cluster{old, soon, fine, skip}}
	got := events(t, Diff(store.Fleet{}, next, Options{Calendar: cal, Managed: func(c *aksupgrade.Cluster) bool { return c.Name != "aks-unmanaged" }}))
	want := []seen{
		{aksupgrade.EventClusterSupportEnded, "aks-old", map[string]string{"kubernetesVersion": "1.30.9"}},
		{aksupgrade.EventClusterSupportEnding, "aks-soon", map[string]string{"kubernetesVersion": "1.32.3"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("support events (-want +got):\n%s", d)
	}
}
