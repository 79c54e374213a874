package store

import (
	"github.com/aksupgrade/aksupgrade"
	"testing"
	"time"
)

func TestFormatSoak(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{72 * time.Hour, "3d"},
		{36 * time.Hour, "1d12h"},
		{90 * time.Minute, "1h30m"},
		{23*time.Hour + 59*time.Minute + 40*time.Second, "1d"},
		{45 * time.Second, "45s"},
		{3*24*time.Hour + 5*time.Minute, "3d5m"},
	} {
		if got := FormatSoak(tc.d); got != tc.want {
			t.Errorf("FormatSoak(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestEvidenceNamesPoolsWithTheirCluster(t *testing.T) {
	tr := Transition{Kind: TransitionReached, Stage: "sandbox", Target: aksupgrade.Target{Kind: aksupgrade.TargetNodeImage, Version: "202502.24.0"},
		Evidence: []string{"sbx-1/apps", "sbx-1/system", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/sbx-2"}}
	const want = "node image 202502.24.0 reached in sandbox (evidence: sbx-1/apps, sbx-1/system, sbx-2)"
	if got := tr.Describe(0); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}
