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

func TestStepChange(t *testing.T) {
	for _, tt := range []struct {
		s    Step
		want string
	}{
		{Step{Kind: StepControlPlane, Version: "1.31.4"}, "control plane → 1.31.4"},
		{Step{Kind: StepNodePool, Pool: "np1", Version: "1.31.4"}, "pool np1 → 1.31.4"},
		{Step{Kind: StepNodeImage, Pool: "np1"}, "pool np1 → latest node image"},
		{Step{Kind: StepCluster, Version: "1.30.7"}, "whole cluster → 1.30.7"},
	} {
		if got := tt.s.Change(); got != tt.want {
			t.Errorf("Change() = %q, want %q", got, tt.want)
		}
	}
}

func TestFormatSpan(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "under a minute"},
		{59 * time.Second, "under a minute"},
		{time.Minute, "1m"},
		{12*time.Minute + 59*time.Second, "12m"},
		{time.Hour, "1h 00m"},
		{3*time.Hour + 5*time.Minute, "3h 05m"},
		{23*time.Hour + 59*time.Minute, "23h 59m"},
		{24 * time.Hour, "1d"},
		{118*time.Hour + 39*time.Minute, "4d 22h"}, // Go writes 118h39m0s
		{30 * 24 * time.Hour, "30d"},
		{-(3*time.Hour + 5*time.Minute), "-3h 05m"},
	} {
		if got := FormatSpan(tc.d); got != tc.want {
			t.Errorf("FormatSpan(%s) = %q, want %q", tc.d, got, tc.want)
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
