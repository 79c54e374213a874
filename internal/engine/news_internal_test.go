package engine

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

func catalogue(minors ...aksupgrade.KubernetesVersion) aksupgrade.KubernetesVersionList {
	return aksupgrade.KubernetesVersionList{Values: minors}
}

func minor(v string, preview bool, patches ...string) aksupgrade.KubernetesVersion {
	m := aksupgrade.KubernetesVersion{Version: v, IsPreview: preview, PatchVersions: map[string]aksupgrade.PatchVersion{}}
	for _, p := range patches {
		m.PatchVersions[p] = aksupgrade.PatchVersion{}
	}
	return m
}

// TestNewVersions: what a catalogue offers beyond what people were told
// of is news, newest first; a version leaving preview is news too; a
// version withdrawn is not.
func TestNewVersions(t *testing.T) {
	before := catalogueEntries(catalogue(minor("1.31", false, "1.31.4", "1.31.2"), minor("1.33", true, "1.33.0")))
	if want := []string{"1.31.2", "1.31.4", "1.33.0 preview"}; !slices.Equal(before, want) {
		t.Fatalf("entries %v, want %v", before, want)
	}
	after := catalogueEntries(catalogue(minor("1.31", false, "1.31.4", "1.31.5"), minor("1.32", false, "1.32.3"), minor("1.33", false, "1.33.0"),
		minor("1.34", true, "1.34.0")))
	got := newVersions(before, after)
	want := []aksupgrade.NewVersion{{Version: "1.34.0", Preview: true}, {Version: "1.33.0", WasPreview: true}, {Version: "1.32.3"}, {Version: "1.31.5"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("newVersions (-want +got):\n%s", diff)
	}
	if got := newVersions(after, after); len(got) != 0 {
		t.Errorf("told already, yet news: %+v", got)
	}
}

// TestAnnounce: a region first seen starts from what its catalogue
// offered before the observation (else now); what people were told of is
// carried over.
func TestAnnounce(t *testing.T) {
	old := catalogue(minor("1.31", false, "1.31.4"))
	next := catalogue(minor("1.31", false, "1.31.4", "1.31.5"))
	prev := store.Fleet{Catalogs: map[string]aksupgrade.KubernetesVersionList{"westeurope": old},
		Announced: map[string][]string{"eastus": {"1.30.9"}}}
	f := store.Fleet{Catalogs: map[string]aksupgrade.KubernetesVersionList{"westeurope": next, "northeurope": next, "eastus": next}}
	announce(prev, &f)
	want := map[string][]string{"westeurope": {"1.31.4"}, "northeurope": {"1.31.4", "1.31.5"}, "eastus": {"1.30.9"}}
	if diff := cmp.Diff(want, f.Announced); diff != "" {
		t.Errorf("announced (-want +got):\n%s", diff)
	}
}
