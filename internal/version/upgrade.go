package version

import (
	"fmt"
	"slices"
)

// Err is a kind of upgrade-planning error. NextHop and Path wrap one of the
// constants below, so callers can test with errors.Is.
type Err string

func (e Err) Error() string { return string(e) }

const (
	// ErrSameVersion: the cluster is already at the target.
	ErrSameVersion Err = "already at the target version"
	// ErrDowngrade: the target is older than the cluster; AKS never
	// downgrades.
	ErrDowngrade Err = "downgrade refused"
	// ErrMajorChange: the target has another major version.
	ErrMajorChange Err = "major version change refused"
	// ErrNotOffered: the target is not a visible version of the catalogue.
	ErrNotOffered Err = "target not offered"
	// ErrNoHop: no offered version leads towards the target without
	// skipping a minor.
	ErrNoHop Err = "no direct upgrade"
)

// NextHop returns the next single upgrade from from towards to, never
// skipping a minor:
//
//   - to itself when it is in from's minor or the next one and
//     DirectUpgrade allows it;
//   - otherwise the newest visible patch of the next minor (not newer than
//     to) that is a direct upgrade from from;
//   - within one minor, when to is not a direct upgrade, the newest patch
//     between from and to that is;
//   - failing those, the newest patch of from's own minor that is a direct
//     upgrade from from and itself upgrades directly into the next minor;
//   - from a minor that left support (RecoveryMinor), the newest patch of
//     the oldest supported minor not newer than to, skipping minors.
//
// It fails when to equals from (ErrSameVersion), is older (ErrDowngrade), has
// another major (ErrMajorChange), is not a visible listed version
// (ErrNotOffered), or when no hop exists (ErrNoHop).
func NextHop(c *Catalog, from, to Version, f Filter) (Version, error) {
	if from.Major != to.Major {
		return Version{}, fmt.Errorf("cannot upgrade from %s to %s: %w (Kubernetes %d to %d)", from, to, ErrMajorChange, from.Major, to.Major)
	}
	switch to.Compare(from) {
	case 0:
		return Version{}, fmt.Errorf("cannot upgrade %s to %s: %w", from, to, ErrSameVersion)
	case -1:
		return Version{}, fmt.Errorf("cannot upgrade from %s to the older %s: %w; AKS upgrades only forwards", from, to, ErrDowngrade)
	}
	if !c.Has(to, f) {
		why := c.whyNot(to, f)
		if c.visibleMinor(to, f) != nil {
			why = to.String() + " is not listed in this region"
		}
		return Version{}, fmt.Errorf("cannot upgrade from %s to %s: %w: %s", from, to, ErrNotOffered, why)
	}
	if r, ok := c.RecoveryMinor(from, f); ok && !to.Less(r) {
		ps := c.Patches(r, f)
		for i := len(ps) - 1; i >= 0; i-- {
			if !to.Less(ps[i]) {
				return ps[i], nil
			}
		}
	}

	if to.SameMinor(from) {
		if c.DirectUpgrade(from, to) {
			return to, nil
		}
		if p, ok := c.newestDirect(from, from, to, f); ok {
			return p, nil
		}
		return Version{}, fmt.Errorf("cannot upgrade from %s to %s: %w: no patch of %s up to %s is a direct upgrade from %s",
			from, to, ErrNoHop, from.MinorString(), to, from)
	}

	next := Version{from.Major, from.Minor + 1, 0}
	if to.SameMinor(next) && c.DirectUpgrade(from, to) {
		return to, nil
	}
	if p, ok := c.newestDirect(from, next, to, f); ok {
		return p, nil
	}
	// A newer patch of from's own minor may open the way into the next one.
	own := c.Patches(from, f)
	for i := len(own) - 1; i >= 0; i-- {
		p := own[i]
		if !from.Less(p) || !c.DirectUpgrade(from, p) {
			continue
		}
		if _, ok := c.newestDirect(p, next, to, f); ok {
			return p, nil
		}
	}
	if c.visibleMinor(next, f) == nil || len(c.Patches(next, f)) == 0 {
		return Version{}, fmt.Errorf("cannot upgrade from %s to %s without skipping a minor: %w: %s",
			from, to, ErrNoHop, c.whyNot(next, f))
	}
	return Version{}, fmt.Errorf("cannot upgrade from %s to %s: %w: no patch of %s is offered that %s can upgrade to directly",
		from, to, ErrNoHop, next.MinorString(), from)
}

// RecoveryMinor returns the minor a version whose own minor left support
// re-enters it by: the oldest generally available minor the filter shows,
// when from's minor is older and no longer listed at all (a minor listed
// for another support plan still lists its upgrades). Only such a cluster may skip
// minors, and only into that one: "Skipping multiple versions can only be
// done when upgrading from an unsupported version back into the minimum
// supported version" (learn.microsoft.com/azure/aks/upgrade-aks-cluster).
// AKS wants the control plane and every pool upgraded together then.
func (c *Catalog) RecoveryMinor(from Version, f Filter) (Version, bool) {
	if c.minor(from) != nil {
		return Version{}, false
	}
	for i := range c.minors {
		e := &c.minors[i]
		if !e.visible(f) || e.preview || len(e.patches) == 0 {
			continue
		}
		if e.minor.Major == from.Major && from.Minor < e.minor.Minor {
			return e.minor, true
		}
		return Version{}, false
	}
	return Version{}, false
}

// newestDirect returns the newest visible patch p of minor's minor with
// from < p <= limit and DirectUpgrade(from, p).
func (c *Catalog) newestDirect(from, minor, limit Version, f Filter) (Version, bool) {
	ps := c.Patches(minor, f)
	for i := len(ps) - 1; i >= 0; i-- {
		p := ps[i]
		if limit.Less(p) || !from.Less(p) {
			continue
		}
		if c.DirectUpgrade(from, p) {
			return p, true
		}
	}
	return Version{}, false
}

// Path returns every hop from from to to, each a NextHop, ending with to:
// 1.29.9 to 1.31.4 goes through a 1.30 patch. It fails as NextHop does,
// including when from equals to.
func Path(c *Catalog, from, to Version, f Filter) ([]Version, error) {
	var hops []Version
	cur := from
	for {
		n, err := NextHop(c, cur, to, f)
		if err != nil {
			if len(hops) > 0 {
				return nil, fmt.Errorf("path %s to %s, after %s: %w", from, to, joinVersions(hops), err)
			}
			return nil, err
		}
		hops = append(hops, n)
		if n == to {
			return slices.Clip(hops), nil
		}
		cur = n
	}
}

func joinVersions(vs []Version) string {
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += ", "
		}
		s += v.String()
	}
	return s
}
