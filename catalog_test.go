package aksupgrade_test

import (
	"testing"

	"github.com/aksupgrade/aksupgrade"
)

func TestCatalogueLists(t *testing.T) {
	l := aksupgrade.KubernetesVersionList{Values: []aksupgrade.KubernetesVersion{
		{Version: "1.30", PatchVersions: map[string]aksupgrade.PatchVersion{"1.30.9": {}}},
		{Version: "1.31", PatchVersions: map[string]aksupgrade.PatchVersion{"1.31.4": {Upgrades: []string{"1.31.5"}}}},
	}}
	for patch, want := range map[string]bool{"1.30.9": true, "1.31.4": true, "1.31.5": false, "1.31": false, "": false} {
		if got := l.Lists(patch); got != want {
			t.Errorf("Lists(%q) = %v, want %v", patch, got, want)
		}
	}
	if (aksupgrade.KubernetesVersionList{}).Lists("1.31.4") {
		t.Error("an empty catalogue lists 1.31.4")
	}
}
