package aksupgrade

import (
	"testing"
	"time"
)

func TestClusterName(t *testing.T) {
	for in, want := range map[string]string{
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1":  "aks-1",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1/": "aks-1",
		"aks-1": "aks-1",
		"":      "",
	} {
		if got := ClusterName(in); got != want {
			t.Errorf("ClusterName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTargetArgRoundTrip(t *testing.T) {
	for _, tg := range []Target{{TargetKubernetes, "1.31.4"}, {TargetNodeImage, "202502.03.0"}} {
		back, err := ParseTarget(tg.Arg())
		if err != nil || back != tg {
			t.Errorf("ParseTarget(%q) = %v, %v; want %v", tg.Arg(), back, err, tg)
		}
	}
}

func TestStepDescribe(t *testing.T) {
	id := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1"
	for _, tt := range []struct {
		s    Step
		want string
	}{
		{Step{Kind: StepControlPlane, ClusterID: id, Version: "1.31.4"}, "the control plane of aks-1 to 1.31.4"},
		{Step{Kind: StepNodePool, ClusterID: id, Pool: "np1", Version: "1.31.4"}, "node pool np1 of aks-1 to 1.31.4"},
		{Step{Kind: StepNodeImage, ClusterID: id, Pool: "np1"}, "the node image of pool np1 of aks-1"},
		{Step{Kind: StepCluster, ClusterID: id, Version: "1.30.7"}, "the control plane and every pool of aks-1 to 1.30.7"},
	} {
		if got := tt.s.Describe(); got != tt.want {
			t.Errorf("Describe() = %q, want %q", got, tt.want)
		}
	}
}

func TestFormatDay(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Skip("no time zone database")
	}
	at := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	if got, want := FormatDay(at, oslo), "Tue 2026-03-10 21:00 CET"; got != want {
		t.Errorf("FormatDay = %q, want %q", got, want)
	}
	if got := FormatDay(time.Time{}, nil); got != "" {
		t.Errorf("FormatDay(zero) = %q, want empty", got)
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"CVE triage":                      "CVE triage",
		"\x1b[2J\x1b[31mred":              " [2J [31mred",
		"evil\u202eexe.txt":               "evilexe.txt",
		"a\nb\tc\rd":                      "a b c d",
		"zero\u200bwidth \u2066iso\u2069": "zerowidth iso",
		"Gemäß änderung ✓":                "Gemäß änderung ✓",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
