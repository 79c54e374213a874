package version

import "fmt"

// Channel is an upgrade channel, in the sense of AKS auto-upgrade channels.
type Channel string

const (
	// ChannelPatch follows the newest patch of the cluster's minor.
	ChannelPatch Channel = "patch"
	// ChannelStable follows the newest patch of minor N-1, N being the
	// newest visible minor.
	ChannelStable Channel = "stable"
	// ChannelRapid follows the newest patch of the newest visible minor.
	ChannelRapid Channel = "rapid"
	// ChannelPinned follows the newest patch of a chosen minor.
	ChannelPinned Channel = "pinned"
	// ChannelNone never upgrades; it only notifies.
	ChannelNone Channel = "none"
)

// Channels lists every channel, in the order of the constants.
func Channels() []Channel {
	return []Channel{ChannelPatch, ChannelStable, ChannelRapid, ChannelPinned, ChannelNone}
}

// Valid reports whether ch is one of the channels.
func (ch Channel) Valid() bool {
	for _, c := range Channels() {
		if ch == c {
			return true
		}
	}
	return false
}

// Resolve returns the version the channel wants for a cluster at current:
//
//   - patch: the newest patch of current's minor;
//   - rapid: the newest patch of the newest visible minor N;
//   - stable: the newest patch of minor N-1, or of N when it is the only
//     visible minor;
//   - pinned: the newest patch of pinned's minor (pinned's patch is
//     ignored);
//   - none: nothing.
//
// The answer may be several minors ahead of current; Path turns it into
// single-minor hops. When the answer equals current, ok is true: the
// cluster is where the channel wants it. When there is no answer, or the
// answer is older than current (AKS never downgrades), ok is false and
// reason says why in a sentence fit for a person.
func Resolve(c *Catalog, ch Channel, current, pinned Version, f Filter) (v Version, ok bool, reason string) {
	var want Version
	switch ch {
	case ChannelNone:
		return Version{}, false, "channel none: notify only"
	case ChannelPatch:
		l, found := c.Latest(current, f)
		if !found {
			return Version{}, false, "channel patch: " + c.whyNot(current, f)
		}
		want = l
	case ChannelRapid, ChannelStable:
		minors := c.withPatches(f)
		if len(minors) == 0 {
			return Version{}, false, fmt.Sprintf("channel %s: no Kubernetes version is offered in this region under support plan %s%s",
				ch, f.Plan(), previewNote(f))
		}
		m := minors[len(minors)-1]
		if ch == ChannelStable && len(minors) > 1 {
			m = minors[len(minors)-2]
		}
		want, _ = c.Latest(m, f)
	case ChannelPinned:
		if pinned.IsZero() {
			return Version{}, false, "channel pinned: no pinned version is set"
		}
		l, found := c.Latest(pinned, f)
		if !found {
			return Version{}, false, "channel pinned: " + c.whyNot(pinned, f)
		}
		want = l
	default:
		return Version{}, false, fmt.Sprintf("unknown channel %q: want patch, stable, rapid, pinned or none", string(ch))
	}
	if want.Less(current) {
		return Version{}, false, fmt.Sprintf("channel %s wants %s, older than the current %s; AKS does not downgrade", ch, want, current)
	}
	return want, true, ""
}

// withPatches returns the visible minors that list at least one patch.
func (c *Catalog) withPatches(f Filter) []Version {
	var out []Version
	for i := range c.minors {
		if c.minors[i].visible(f) && len(c.minors[i].patches) > 0 {
			out = append(out, c.minors[i].minor)
		}
	}
	return out
}

// whyNot says why v's minor has no visible patch.
func (c *Catalog) whyNot(v Version, f Filter) string {
	m := c.minor(v)
	name := v.MinorString()
	switch {
	case m == nil:
		if len(c.minors) > 0 && v.MinorOf().Less(c.minors[len(c.minors)-1].minor) {
			return name + " is no longer offered in this region"
		}
		return name + " is not offered in this region"
	case m.preview && !f.AllowPreview:
		return name + " is a preview version in this region and previews are not allowed"
	case !f.offers(m.plans):
		return fmt.Sprintf("%s is not offered under support plan %s in this region", name, f.Plan())
	case len(m.patches) == 0:
		return name + " lists no patch in this region"
	}
	return name + " is offered" // not reached by callers
}

func previewNote(f Filter) string {
	if f.AllowPreview {
		return ""
	}
	return " (previews excluded)"
}
