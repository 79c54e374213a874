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
