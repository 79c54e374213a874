package version

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	fix := fixtureCatalog(t)
	single := catalogOf(t, minorSpec{minor: "1.31", patches: map[string][]string{"1.31.2": {"1.31.4"}, "1.31.4": nil}})
	empty := catalogOf(t)

	type result struct {
		V  Version
		OK bool
	}
	tests := []struct {
		name    string
		c       *Catalog
		ch      Channel
		current string
		pinned  string
		f       Filter
		want    result
		reason  string // substring of the reason when !OK
	}{
		{name: "patch: newest of the minor", c: fix, ch: ChannelPatch, current: "1.31.3", want: result{MustParse("1.31.5"), true}},
		{name: "patch: already newest", c: fix, ch: ChannelPatch, current: "1.31.5", want: result{MustParse("1.31.5"), true}},
		{name: "patch: current patch no longer listed", c: fix, ch: ChannelPatch, current: "1.30.2", want: result{MustParse("1.30.10"), true}},
		{name: "patch: minor gone", c: fix, ch: ChannelPatch, current: "1.28.15",
			reason: "1.28 is no longer offered in this region"},
		{name: "patch: LTS-only minor on official plan", c: fix, ch: ChannelPatch, current: "1.29.9",
			reason: "1.29 is not offered under support plan KubernetesOfficial"},
		{name: "patch: LTS-only minor on LTS plan", c: fix, ch: ChannelPatch, current: "1.29.9", f: lts, want: result{MustParse("1.29.12"), true}},
		{name: "patch: preview minor not allowed", c: fix, ch: ChannelPatch, current: "1.33.0", reason: "1.33 is a preview version"},
		{name: "patch: running a patch newer than listed", c: fix, ch: ChannelPatch, current: "1.31.7",
			reason: "channel patch wants 1.31.5, older than the current 1.31.7"},

		{name: "rapid: newest minor", c: fix, ch: ChannelRapid, current: "1.30.9", want: result{MustParse("1.32.2"), true}},
		{name: "rapid: preview allowed", c: fix, ch: ChannelRapid, current: "1.30.9", f: officialPreview, want: result{MustParse("1.33.0"), true}},
		{name: "rapid: current newer than region", c: fix, ch: ChannelRapid, current: "1.34.1",
			reason: "wants 1.32.2, older than the current 1.34.1"},
		{name: "rapid: single minor", c: single, ch: ChannelRapid, current: "1.31.2", want: result{MustParse("1.31.4"), true}},
		{name: "rapid: nothing offered", c: empty, ch: ChannelRapid, current: "1.31.2", reason: "no Kubernetes version is offered"},

		{name: "stable: N-1", c: fix, ch: ChannelStable, current: "1.30.9", want: result{MustParse("1.31.5"), true}},
		{name: "stable: N-1 with preview as N", c: fix, ch: ChannelStable, current: "1.30.9", f: officialPreview, want: result{MustParse("1.32.2"), true}},
		{name: "stable: LTS plan", c: fix, ch: ChannelStable, current: "1.29.9", f: lts, want: result{MustParse("1.31.5"), true}},
		{name: "stable: single minor is N", c: single, ch: ChannelStable, current: "1.31.2", want: result{MustParse("1.31.4"), true}},
		{name: "stable: answer older than current", c: fix, ch: ChannelStable, current: "1.32.0",
			reason: "channel stable wants 1.31.5, older than the current 1.32.0"},
		{name: "stable: nothing offered", c: empty, ch: ChannelStable, current: "1.31.2", reason: "previews excluded"},

		{name: "pinned: newest of the pinned minor", c: fix, ch: ChannelPinned, current: "1.29.9", pinned: "1.30", want: result{MustParse("1.30.10"), true}},
		{name: "pinned: pinned patch ignored", c: fix, ch: ChannelPinned, current: "1.30.6", pinned: "1.31.3", want: result{MustParse("1.31.5"), true}},
		{name: "pinned: pinned below current", c: fix, ch: ChannelPinned, current: "1.31.3", pinned: "1.30",
			reason: "wants 1.30.10, older than the current 1.31.3"},
		{name: "pinned: pinned minor gone", c: fix, ch: ChannelPinned, current: "1.28.3", pinned: "1.28", reason: "1.28 is no longer offered"},
		{name: "pinned: pinned minor not yet offered", c: fix, ch: ChannelPinned, current: "1.31.3", pinned: "1.40", reason: "1.40 is not offered in this region"},
		{name: "pinned: nothing pinned", c: fix, ch: ChannelPinned, current: "1.31.3", reason: "no pinned version"},

		{name: "none", c: fix, ch: ChannelNone, current: "1.28.1", reason: "channel none: notify only"},
		{name: "unknown channel", c: fix, ch: Channel("weekly"), current: "1.31.3", reason: `unknown channel "weekly"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pinned Version
			if tt.pinned != "" {
				pinned = v(t, tt.pinned)
			}
			got, ok, reason := Resolve(tt.c, tt.ch, MustParse(tt.current), pinned, tt.f)
			if diff := cmp.Diff(tt.want, result{got, ok}); diff != "" {
				t.Errorf("Resolve (-want +got):\n%s\nreason: %s", diff, reason)
			}
			if ok && reason != "" {
				t.Errorf("reason %q with ok", reason)
			}
			if !ok && !strings.Contains(reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", reason, tt.reason)
			}
		})
	}
}

func TestChannelValid(t *testing.T) {
	for _, ch := range Channels() {
		if !ch.Valid() {
			t.Errorf("%q not valid", ch)
		}
	}
	for _, ch := range []Channel{"", "Patch", "node-image"} {
		if ch.Valid() {
			t.Errorf("%q valid", ch)
		}
	}
}
