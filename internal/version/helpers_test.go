package version

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/aksupgrade/aksupgrade"
)

const fixture = "testdata/eastus-2025-02-01.json"

var (
	official        = Filter{}
	officialPreview = Filter{AllowPreview: true}
	lts             = Filter{SupportPlan: aksupgrade.SupportPlanLTS}
	ltsPreview      = Filter{SupportPlan: aksupgrade.SupportPlanLTS, AllowPreview: true}
)

// fixtureList reads the ListKubernetesVersions response of testdata.
func fixtureList(t *testing.T) aksupgrade.KubernetesVersionList {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var l aksupgrade.KubernetesVersionList
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatalf("%s: %v", fixture, err)
	}
	return l
}

// fixtureCatalog is the catalogue of the testdata response.
func fixtureCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := NewCatalog(fixtureList(t))
	if err != nil {
		t.Fatalf("NewCatalog(%s): %v", fixture, err)
	}
	return c
}

// minorSpec describes one minor of an inline catalogue: patch -> upgrades.
type minorSpec struct {
	minor   string
	preview bool
	plans   []string
	patches map[string][]string
}

// catalogOf builds a catalogue from inline specs, in the order given.
func catalogOf(t *testing.T, specs ...minorSpec) *Catalog {
	t.Helper()
	var l aksupgrade.KubernetesVersionList
	for _, s := range specs {
		kv := aksupgrade.KubernetesVersion{
			Version:       s.minor,
			IsPreview:     s.preview,
			Capabilities:  aksupgrade.KubernetesCapabilities{SupportPlan: s.plans},
			PatchVersions: map[string]aksupgrade.PatchVersion{},
		}
		for p, ups := range s.patches {
			kv.PatchVersions[p] = aksupgrade.PatchVersion{Upgrades: ups}
		}
		l.Values = append(l.Values, kv)
	}
	c, err := NewCatalog(l)
	if err != nil {
		t.Fatalf("NewCatalog: %v", err)
	}
	return c
}

// vs parses versions; "1.31" is read as a minor.
func vs(t *testing.T, ss ...string) []Version {
	t.Helper()
	var out []Version
	for _, s := range ss {
		out = append(out, v(t, s))
	}
	return out
}

// v parses a version or, with two parts, a minor.
func v(t *testing.T, s string) Version {
	t.Helper()
	if x, err := Parse(s); err == nil {
		return x
	}
	x, err := ParseMinor(s)
	if err != nil {
		t.Fatalf("test version %q: %v", s, err)
	}
	return x
}
