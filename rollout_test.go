package aksupgrade

import (
	"encoding/json"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Target
		bad  bool
	}{
		{in: "1.31.4", want: Target{TargetKubernetes, "1.31.4"}},
		{in: "v1.31.4", want: Target{TargetKubernetes, "1.31.4"}},
		{in: "202502.03.0", want: Target{TargetNodeImage, "202502.03.0"}},
		{in: "nodeImage:202502.03.0", want: Target{TargetNodeImage, "202502.03.0"}},
		{in: "node image 202502.03.0", want: Target{TargetNodeImage, "202502.03.0"}},
		{in: "AKSUbuntu-2204gen2containerd-202502.03.0", want: Target{TargetNodeImage, "AKSUbuntu-2204gen2containerd-202502.03.0"}},
		{in: "nodeImage:AKSAzureLinux-V3gen2-202502.03.0", want: Target{TargetNodeImage, "AKSAzureLinux-V3gen2-202502.03.0"}},
		{in: "1.31", bad: true},
		{in: "latest", bad: true},
	} {
		got, err := ParseTarget(tt.in)
		if (err != nil) != tt.bad || (!tt.bad && got != tt.want) {
			t.Errorf("ParseTarget(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestTargetUnmarshalJSON(t *testing.T) {
	for in, want := range map[string]Target{
		`{"kind":"kubernetes","version":"1.31.4"}`:     {TargetKubernetes, "1.31.4"},
		`{"version":"1.31.4"}`:                         {TargetKubernetes, "1.31.4"},
		`"1.31.4"`:                                     {TargetKubernetes, "1.31.4"},
		`"nodeImage:202502.03.0"`:                      {TargetNodeImage, "202502.03.0"},
		`{"kind":"nodeImage","version":"202502.03.0"}`: {TargetNodeImage, "202502.03.0"},
	} {
		var got Target
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	var bad Target
	if err := json.Unmarshal([]byte(`"latest"`), &bad); err == nil {
		t.Errorf("Unmarshal(\"latest\") = %v, want an error", bad)
	}
}

func TestNodeImageTargetString(t *testing.T) {
	for in, want := range map[string]string{
		"AKSUbuntu-2204gen2containerd-202502.03.0":     "node image 202502.03.0 (Ubuntu-2204gen2)",
		"AKSAzureLinux-V3gen2-202502.03.0":             "node image 202502.03.0 (AzureLinux-V3gen2)",
		"AKSWindows-2022-containerd-20348.3207.250224": "node image 20348.3207.250224 (Windows-2022)",
		"202502.03.0": "node image 202502.03.0",
	} {
		if got := (Target{TargetNodeImage, in}).String(); got != want {
			t.Errorf("String(%s) = %q, want %q", in, got, want)
		}
	}
}
