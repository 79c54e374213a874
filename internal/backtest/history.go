package backtest

import (
	"slices"
	"sort"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/history"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// World is AKS as a replay sees it: each region's catalogue at the start,
// and what changes in it until the end.
type World struct {
	Catalogs map[string]aksupgrade.KubernetesVersionList
	Timeline []simulator.TimelineEntry
}

// regionState is one region's catalogue as the timeline builds it.
type regionState struct {
	listed  map[version.Version]bool // minors the region lists
	preview map[version.Version]bool
	patches map[version.Version][]string
}

// WorldFrom turns the release history into what each region offers from
// from to to: a minor is listed from its preview (or GA) until its end of
// support, once at least one of its patches is out; patches and GAs reach
// a region after its lag (history.RegionLag, drawn with seed), in the
// order AKS made them; a minor
// leaves every region on its end-of-support day (AKS then upgrades the
// clusters left on it by force, as the simulator does). AKS long-term-
// support builds and node images are left out for now.
func WorldFrom(h *history.History, regions []string, from, to time.Time, seed int64) World {
	w := World{Catalogs: map[string]aksupgrade.KubernetesVersionList{}}
	for _, region := range regions {
		st := regionState{listed: map[version.Version]bool{}, preview: map[version.Version]bool{}, patches: map[version.Version][]string{}}
		for _, m := range h.Minors {
			mv := m.Version()
			if !m.EndOfSupport.Time().After(from) {
				continue
			}
			opened := m.AKSGA.Time()
			if !m.AKSPreview.IsZero() {
				opened = m.AKSPreview.Time()
			}
			if opened.After(from) {
				continue
			}
			for _, p := range m.Patches {
				if !p.LTS && !p.Date.Time().After(from) {
					st.patches[mv] = append(st.patches[mv], p.Version().String())
				}
			}
			if len(st.patches[mv]) > 0 {
				st.listed[mv], st.preview[mv] = true, m.AKSGA.Time().After(from)
			}
		}
		w.Catalogs[region] = st.catalog()
		type timed struct {
			at time.Time
			e  simulator.TimelineEntry
		}
		var entries []timed
		add := func(at time.Time, e simulator.TimelineEntry) {
			if at.After(from) && at.Before(to) {
				e.After, e.Region = simulator.Duration(at.Sub(from)), region
				entries = append(entries, timed{at, e})
			}
		}
		// A region gets releases in the order AKS made them: a release
		// whose lag is shorter than the one before it arrives with it.
		var arrived time.Time
		for _, r := range h.Events(from, to) {
			at := r.At.Add(history.RegionLag(seed, region, r))
			if at.Before(arrived) {
				at = arrived
			}
			arrived = at
			mv := r.Version.MinorOf()
			m, known := h.Minor(mv)
			if !known || (r.Kind != history.KindNodeImage && !m.EndOfSupport.Time().After(at)) {
				continue // gone by the time it would arrive
			}
			switch r.Kind {
			case history.KindPatch:
				if r.LTS {
					continue
				}
				if st.listed[mv] {
					st.patches[mv] = append(st.patches[mv], r.Version.String())
					add(at, simulator.TimelineEntry{AddPatch: r.Version.String()})
					continue
				}
				// The minor's first patch out: the region lists the minor,
				// in preview until its GA.
				preview := m.AKSGA.Time().After(at)
				st.listed[mv], st.preview[mv], st.patches[mv] = true, preview, []string{r.Version.String()}
				add(at, simulator.TimelineEntry{AddMinor: &simulator.MinorVersion{Version: mv.MinorString(), Patches: []string{r.Version.String()}, IsPreview: preview}})
			case history.KindMinorGA:
				if st.listed[mv] && st.preview[mv] {
					st.preview[mv] = false
					add(at, simulator.TimelineEntry{GA: mv.MinorString()})
				}
			}
		}
		for mv := range st.listed {
			m, _ := h.Minor(mv) // listed minors come from h
			add(m.EndOfSupport.Time().AddDate(0, 0, 1), simulator.TimelineEntry{Remove: mv.MinorString()})
		}
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].at.Before(entries[j].at) })
		for _, e := range entries {
			w.Timeline = append(w.Timeline, e.e)
		}
	}
	sort.SliceStable(w.Timeline, func(i, j int) bool { return w.Timeline[i].After < w.Timeline[j].After })
	return w
}

// catalog is the region's catalogue now, the newest GA minor but one its
// default (as AKS's default trails its newest).
func (st regionState) catalog() aksupgrade.KubernetesVersionList {
	minors := make([]version.Version, 0, len(st.listed))
	for mv := range st.listed {
		minors = append(minors, mv)
	}
	slices.SortFunc(minors, version.Version.Compare)
	var ga []version.Version
	for _, mv := range minors {
		if !st.preview[mv] {
			ga = append(ga, mv)
		}
	}
	var def version.Version
	switch {
	case len(ga) > 1:
		def = ga[len(ga)-2]
	case len(ga) == 1:
		def = ga[0]
	}
	var out aksupgrade.KubernetesVersionList
	for _, mv := range minors {
		kv := aksupgrade.KubernetesVersion{Version: mv.MinorString(), IsPreview: st.preview[mv], IsDefault: mv == def,
			PatchVersions: map[string]aksupgrade.PatchVersion{}}
		for _, p := range st.patches[mv] {
			kv.PatchVersions[p] = aksupgrade.PatchVersion{}
		}
		out.Values = append(out.Values, kv)
	}
	return out
}
