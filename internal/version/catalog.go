package version

import (
	"errors"
	"fmt"
	"slices"

	"github.com/aksupgrade/aksupgrade"
)

// Catalog is a region's Kubernetes versions, sorted and immutable. Build it
// with NewCatalog.
type Catalog struct {
	minors []minorEntry // ascending
}

type minorEntry struct {
	minor     Version // Patch 0
	preview   bool
	isDefault bool
	plans     []string
	patches   []patchEntry // ascending
}

type patchEntry struct {
	version  Version
	upgrades []Version // ascending, without duplicates
}

// NewCatalog reads a ListKubernetesVersions response. The input may list
// minors, patches and upgrades in any order. Every version that does not
// parse is reported, by its text, in the error; so are a minor listed
// twice and a patch listed under another minor.
func NewCatalog(l aksupgrade.KubernetesVersionList) (*Catalog, error) {
	var errs []error
	c := &Catalog{}
	for _, kv := range l.Values {
		m, err := ParseMinor(kv.Version)
		if err != nil {
			errs = append(errs, fmt.Errorf("catalogue minor: %w", err))
			continue
		}
		e := minorEntry{
			minor:     m,
			preview:   kv.IsPreview,
			isDefault: kv.IsDefault,
			plans:     slices.Clone(kv.Capabilities.SupportPlan),
		}
		for ps, pv := range kv.PatchVersions {
			p, err := Parse(ps)
			if err != nil {
				errs = append(errs, fmt.Errorf("catalogue patch of %s: %w", kv.Version, err))
				continue
			}
			if !p.SameMinor(m) {
				errs = append(errs, fmt.Errorf("catalogue patch %s is listed under minor %s", ps, kv.Version))
				continue
			}
			pe := patchEntry{version: p}
			for _, us := range pv.Upgrades {
				u, err := Parse(us)
				if err != nil {
					errs = append(errs, fmt.Errorf("catalogue upgrade of %s: %w", ps, err))
					continue
				}
				pe.upgrades = append(pe.upgrades, u)
			}
			slices.SortFunc(pe.upgrades, Version.Compare)
			pe.upgrades = slices.Compact(pe.upgrades)
			e.patches = append(e.patches, pe)
		}
		slices.SortFunc(e.patches, func(a, b patchEntry) int { return a.version.Compare(b.version) })
		for i := 1; i < len(e.patches); i++ {
			if e.patches[i].version == e.patches[i-1].version {
				errs = append(errs, fmt.Errorf("catalogue patch %s is listed twice", e.patches[i].version))
			}
		}
		c.minors = append(c.minors, e)
	}
	slices.SortFunc(c.minors, func(a, b minorEntry) int { return a.minor.Compare(b.minor) })
	for i := 1; i < len(c.minors); i++ {
		if c.minors[i].minor == c.minors[i-1].minor {
			errs = append(errs, fmt.Errorf("catalogue minor %s is listed twice", c.minors[i].minor.MinorString()))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// minor returns the entry of v's minor, whatever the filter, or nil.
func (c *Catalog) minor(v Version) *minorEntry {
	i, ok := slices.BinarySearchFunc(c.minors, v.MinorOf(), func(e minorEntry, t Version) int {
		return e.minor.Compare(t)
	})
	if !ok {
		return nil
	}
	return &c.minors[i]
}

// patch returns the entry of v, whatever the filter, or nil.
func (c *Catalog) patch(v Version) *patchEntry {
	m := c.minor(v)
	if m == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(m.patches, v, func(e patchEntry, t Version) int {
		return e.version.Compare(t)
	})
	if !ok {
		return nil
	}
	return &m.patches[i]
}

// visible reports whether the filter shows the minor.
func (e *minorEntry) visible(f Filter) bool {
	return (!e.preview || f.AllowPreview) && f.offers(e.plans)
}

// visibleMinor returns the entry of v's minor when the filter shows it.
func (c *Catalog) visibleMinor(v Version, f Filter) *minorEntry {
	m := c.minor(v)
	if m == nil || !m.visible(f) {
		return nil
	}
	return m
}

// Minors returns the visible minors, ascending, each with Patch 0.
func (c *Catalog) Minors(f Filter) []Version {
	var out []Version
	for i := range c.minors {
		if c.minors[i].visible(f) {
			out = append(out, c.minors[i].minor)
		}
	}
	return out
}

// Patches returns the patches of minor (its Patch is ignored), ascending;
// none when the minor is not visible.
func (c *Catalog) Patches(minor Version, f Filter) []Version {
	m := c.visibleMinor(minor, f)
	if m == nil {
		return nil
	}
	out := make([]Version, len(m.patches))
	for i, p := range m.patches {
		out[i] = p.version
	}
	return out
}

// Has reports whether v is listed and its minor is visible.
func (c *Catalog) Has(v Version, f Filter) bool {
	return c.visibleMinor(v, f) != nil && c.patch(v) != nil
}

// Latest returns the newest patch of minor (its Patch is ignored); false when
// the minor is not visible or lists no patch.
func (c *Catalog) Latest(minor Version, f Filter) (Version, bool) {
	m := c.visibleMinor(minor, f)
	if m == nil || len(m.patches) == 0 {
		return Version{}, false
	}
	return m.patches[len(m.patches)-1].version, true
}

// Newest returns the newest patch of the newest visible minor that lists a
// patch.
func (c *Catalog) Newest(f Filter) (Version, bool) {
	for i := len(c.minors) - 1; i >= 0; i-- {
		m := &c.minors[i]
		if m.visible(f) && len(m.patches) > 0 {
			return m.patches[len(m.patches)-1].version, true
		}
	}
	return Version{}, false
}

// Default returns the minor the region marks isDefault, if it is visible.
func (c *Catalog) Default(f Filter) (Version, bool) {
	for i := range c.minors {
		if c.minors[i].isDefault && c.minors[i].visible(f) {
			return c.minors[i].minor, true
		}
	}
	return Version{}, false
}

// IsPreview reports whether v's minor is listed as preview.
func (c *Catalog) IsPreview(v Version) bool {
	m := c.minor(v)
	return m != nil && m.preview
}

// Offered reports whether v's minor is listed at all, whatever the filter.
func (c *Catalog) Offered(v Version) bool { return c.minor(v) != nil }

// Upgrades returns the versions v lists as direct upgrades, ascending; nil
// when v is not listed.
func (c *Catalog) Upgrades(v Version) []Version {
	p := c.patch(v)
	if p == nil {
		return nil
	}
	return slices.Clone(p.upgrades)
}

// DirectUpgrade reports whether from can be upgraded to to in one
// operation. When from is listed, to must be in from's upgrades list. When
// it is not (an old patch the region dropped), to must be listed, not older
// than from and at most one minor newer. Visibility is not considered; see
// NextHop for that.
func (c *Catalog) DirectUpgrade(from, to Version) bool {
	if p := c.patch(from); p != nil {
		_, ok := slices.BinarySearchFunc(p.upgrades, to, Version.Compare)
		return ok
	}
	if c.patch(to) == nil || to.Compare(from) <= 0 || to.Major != from.Major {
		return false
	}
	return to.Minor-from.Minor <= 1
}
