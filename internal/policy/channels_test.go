package policy_test

import (
	"testing"

	"github.com/aksupgrade/aksupgrade/internal/policy"
)

func TestChannels(t *testing.T) {
	const stages = `stages:
  - name: dev
    selector: {tags: {environment: dev}}
    window: {schedule: {daily: {intervalDays: 1}}, durationHours: 4, startTime: "22:00"}
`
	for _, tt := range []struct {
		doc  string
		want policy.Channels
	}{
		{"", policy.Channels{TakeOver: false, NodeOS: policy.NodeOSNone}},
		{"channels: {takeOver: true}\n", policy.Channels{TakeOver: true, NodeOS: policy.NodeOSNone}},
		{"channels: {takeOver: true, nodeOSUpgradeChannel: Unmanaged}\n", policy.Channels{TakeOver: true, NodeOS: policy.NodeOSUnmanaged}},
	} {
		p, err := policy.Parse("p.yaml", []byte("apiVersion: aksupgrade/v1\n"+tt.doc+stages))
		if err != nil {
			t.Fatalf("%q: %v", tt.doc, err)
		}
		if p.Channels != tt.want {
			t.Errorf("%q: channels %+v, want %+v", tt.doc, p.Channels, tt.want)
		}
	}
}
