package snapshot

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, doc, err string
	}{
		{"ok", "clusters:\n  - {id: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a, name: a, kubernetesVersion: 1.31.4}\n", ""},
		{"empty", "   \n", "f.yaml:1:1: the file is empty"},
		{"unknown key", "clusters:\n  - {id: x, kubernetesVersoin: 1.31.4}\n", "f.yaml:2:"},
		{"no id", "clusters:\n  - {name: a}\n", `clusters[0] ("a"): id is empty`},
		{"same id twice", "clusters:\n  - {id: /S/A}\n  - {id: /s/a/}\n", "clusters[1]: /s/a/ is listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("f.yaml", []byte(tc.doc))
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.err == "" && len(s.Clusters) != 1:
				t.Fatalf("clusters %+v", s.Clusters)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestCatalogsNormalizeRegions(t *testing.T) {
	s, err := Parse("f.yaml", []byte("catalogs:\n  West Europe: {values: [{version: \"1.31\", patchVersions: {1.31.4: {upgrades: []}}}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	cats, err := Catalogs(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cats["westeurope"]; !ok {
		t.Errorf("catalogues keyed %v, want westeurope", cats)
	}
	bad, _ := Parse("f.yaml", []byte("catalogs:\n  eastus: {values: [{version: \"1.31\", patchVersions: {banana: {}}}]}\n"))
	if _, err := Catalogs(bad); err == nil || !strings.Contains(err.Error(), "catalogue of eastus") {
		t.Errorf("bad catalogue: %v", err)
	}
}
