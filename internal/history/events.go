package history

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade/internal/version"
)

// Kind is what a Release brings.
type Kind string

// The kinds of release, in the order Events lists releases of one day.
const (
	KindMinorPreview Kind = "minorPreview" // a new minor, in preview
	KindMinorGA      Kind = "minorGA"      // a minor becomes generally available
	KindPatch        Kind = "patch"        // a new patch of a minor
	KindNodeImage    Kind = "nodeImage"    // a new node image
)

// rank orders kinds of the same day.
func (k Kind) rank() int {
	switch k {
	case KindMinorPreview:
		return 0
	case KindMinorGA:
		return 1
	case KindPatch:
		return 2
	default:
		return 3
	}
}

// Release is one event of the history: the day AKS started rolling
// something out. Regions get it later; see RegionLag.
type Release struct {
	Kind Kind
	// At is the day, 00:00 UTC.
	At time.Time
	// Precision says how well At is known.
	Precision Precision
	// Version is the patch for KindPatch and the minor (Patch 0) for
	// KindMinorPreview and KindMinorGA; zero for a node image.
	Version version.Version
	// LTS marks an AKS long-term-support patch build.
	LTS bool
	// ImageOS and ImageVersion name a node image (KindNodeImage only).
	ImageOS, ImageVersion string
	// Planned: the minor's dates are a plan no release has confirmed.
	Planned bool
}

// String names the release: "patch 1.31.4", "minor 1.31 GA",
// "node image AKSUbuntu-2204 202502.09.0".
func (r Release) String() string {
	switch r.Kind {
	case KindPatch:
		return "patch " + r.Version.String()
	case KindMinorPreview:
		return "minor " + r.Version.MinorString() + " preview"
	case KindMinorGA:
		return "minor " + r.Version.MinorString() + " GA"
	case KindNodeImage:
		return "node image " + r.ImageOS + " " + r.ImageVersion
	}
	return string(r.Kind)
}

// Events returns every release whose day is in [from, to), in time order.
// Releases of the same day come minor previews first, then GAs, patches
// and node images, each ascending by version (node images by OS, then
// version). Planned minors are included with Planned set; a caller that
// wants only what happened skips them.
func (h *History) Events(from, to time.Time) []Release {
	var out []Release
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	for _, m := range h.Minors {
		if !m.AKSPreview.IsZero() && in(m.AKSPreview.t) {
			out = append(out, Release{Kind: KindMinorPreview, At: m.AKSPreview.t,
				Precision: m.DatePrecision("aksPreview"), Version: m.version, Planned: m.Planned})
		}
		if in(m.AKSGA.t) {
			out = append(out, Release{Kind: KindMinorGA, At: m.AKSGA.t,
				Precision: m.DatePrecision("aksGA"), Version: m.version, Planned: m.Planned})
		}
		for _, p := range m.Patches {
			if in(p.Date.t) {
				out = append(out, Release{Kind: KindPatch, At: p.Date.t,
					Precision: p.Precision.orDay(), Version: p.version, LTS: p.LTS})
			}
		}
	}
	for _, im := range h.NodeImages {
		if in(im.Date.t) {
			out = append(out, Release{Kind: KindNodeImage, At: im.Date.t,
				Precision: im.Precision.orDay(), ImageOS: im.OS, ImageVersion: im.Version})
		}
	}
	slices.SortFunc(out, func(a, b Release) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Kind.rank(), b.Kind.rank()); c != 0 {
			return c
		}
		if c := a.Version.Compare(b.Version); c != 0 {
			return c
		}
		if c := strings.Compare(a.ImageOS, b.ImageOS); c != 0 {
			return c
		}
		return strings.Compare(a.ImageVersion, b.ImageVersion)
	})
	return out
}
