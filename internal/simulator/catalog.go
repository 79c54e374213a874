package simulator

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/version"
)

// regionState is a region's catalogue and node images as they stand now.
type regionState struct {
	name   string
	minors []*minorState // ascending
	// images maps a node image family to its releases, oldest first
	// (full image versions).
	images map[string][]string
	// vcpuQuota is the scenario's vcpuQuota (0: the default).
	vcpuQuota int
	// removed holds when the timeline removed each minor.
	removed map[version.Version]time.Time
}

type minorState struct {
	minor     version.Version // Patch 0
	patches   []version.Version
	preview   bool
	isDefault bool
	plans     []string
}

// newRegion builds a region from the scenario. Errors name fields relative
// to the region.
func newRegion(r Region) (*regionState, []problem) {
	rs := &regionState{name: strings.ToLower(r.Name), images: map[string][]string{}, vcpuQuota: r.VCPUQuota}
	var ps []problem
	for i, mv := range r.KubernetesVersions {
		field := fmt.Sprintf("kubernetesVersions[%d]", i)
		m, errs := newMinor(mv, field)
		ps = append(ps, errs...)
		if m == nil {
			continue
		}
		if rs.minor(m.minor) != nil {
			ps = append(ps, problem{field + ".version", fmt.Sprintf("minor %s is listed twice", mv.Version)})
			continue
		}
		rs.addMinor(m)
	}
	for i, img := range r.NodeImages {
		if err := rs.publish(img); err != nil {
			ps = append(ps, problem{fmt.Sprintf("nodeImages[%d]", i), err.Error()})
		}
	}
	return rs, ps
}

func newMinor(mv MinorVersion, field string) (*minorState, []problem) {
	var ps []problem
	m, err := version.ParseMinor(mv.Version)
	if err != nil {
		return nil, []problem{{field + ".version", err.Error()}}
	}
	ms := &minorState{minor: m, preview: mv.IsPreview, isDefault: mv.IsDefault, plans: slices.Clone(mv.SupportPlans)}
	if len(ms.plans) == 0 {
		ms.plans = []string{aksupgrade.SupportPlanOfficial}
	}
	for i, p := range ms.plans {
		if p != aksupgrade.SupportPlanOfficial && p != aksupgrade.SupportPlanLTS {
			ps = append(ps, problem{fmt.Sprintf("%s.supportPlans[%d]", field, i), fmt.Sprintf("found %q, want KubernetesOfficial or AKSLongTermSupport", p)})
		}
	}
	for i, text := range mv.Patches {
		pf := fmt.Sprintf("%s.patches[%d]", field, i)
		v, err := version.Parse(text)
		switch {
		case err != nil:
			ps = append(ps, problem{pf, err.Error()})
		case !v.SameMinor(m):
			ps = append(ps, problem{pf, fmt.Sprintf("patch %s is not of minor %s", text, mv.Version)})
		case slices.Contains(ms.patches, v):
			ps = append(ps, problem{pf, fmt.Sprintf("patch %s is listed twice", text)})
		default:
			ms.patches = append(ms.patches, v)
		}
	}
	slices.SortFunc(ms.patches, version.Version.Compare)
	return ms, ps
}

func (r *regionState) clone() *regionState {
	c := &regionState{name: r.name, images: map[string][]string{}, vcpuQuota: r.vcpuQuota}
	for _, m := range r.minors {
		mc := *m
		mc.patches = slices.Clone(m.patches)
		mc.plans = slices.Clone(m.plans)
		c.minors = append(c.minors, &mc)
	}
	for k, v := range r.images {
		c.images[k] = slices.Clone(v)
	}
	return c
}

func (r *regionState) minor(v version.Version) *minorState {
	for _, m := range r.minors {
		if m.minor.SameMinor(v) {
			return m
		}
	}
	return nil
}

func (r *regionState) addMinor(m *minorState) {
	r.minors = append(r.minors, m)
	slices.SortFunc(r.minors, func(a, b *minorState) int { return a.minor.Compare(b.minor) })
}

// has reports whether the catalogue lists patch v.
func (r *regionState) has(v version.Version) bool {
	m := r.minor(v)
	return m != nil && slices.Contains(m.patches, v)
}

// isPreview reports whether v's minor is listed as preview.
func (r *regionState) isPreview(v version.Version) bool {
	m := r.minor(v)
	return m != nil && m.preview
}

// upgradesFrom lists, ascending, what v can be upgraded to in one step:
// every newer listed patch of v's minor and every listed patch of the next
// minor. v itself need not be listed. From a minor no longer listed and
// older than every listed one, it is every patch of the oldest generally
// available minor: "Skipping multiple versions can only be done when
// upgrading from an unsupported version back into the minimum supported
// version" (learn.microsoft.com/azure/aks/upgrade-aks-cluster).
func (r *regionState) upgradesFrom(v version.Version) []version.Version {
	if m := r.recoveryMinor(v); m != nil {
		return slices.Clone(m.patches)
	}
	var out []version.Version
	for _, m := range r.minors {
		switch {
		case m.minor.SameMinor(v):
			for _, p := range m.patches {
				if v.Less(p) {
					out = append(out, p)
				}
			}
		case m.minor.Major == v.Major && m.minor.Minor == v.Minor+1:
			out = append(out, m.patches...)
		}
	}
	return out
}

// ltsUpgradesFrom lists what a cluster on the LTS plan on v may upgrade to
// in one step: upgradesFrom, and every patch of the next minor after the
// next that the region offers on LTS, when v's minor is offered on LTS
// too: "you can upgrade from one LTS version directly to the next LTS
// version" (learn.microsoft.com/azure/aks/long-term-support; which minors
// count as "the next LTS version" is modelled as the next LTS-offered minor
// beyond the next, unverified).
func (r *regionState) ltsUpgradesFrom(v version.Version) []version.Version {
	out := r.upgradesFrom(v)
	if m := r.minor(v); m == nil || !slices.Contains(m.plans, aksupgrade.SupportPlanLTS) {
		return out
	}
	for _, m := range r.minors {
		if m.minor.Major == v.Major && m.minor.Minor > v.Minor+1 && slices.Contains(m.plans, aksupgrade.SupportPlanLTS) && !m.preview {
			return append(out, m.patches...)
		}
	}
	return out
}

// clusterUpgrades is what the cluster's own upgrade profile offers its
// control plane: the LTS path too on the LTS plan.
func (s *Simulator) clusterUpgrades(c *clusterState) []version.Version {
	if c.supportPlan == aksupgrade.SupportPlanLTS {
		return s.region(c).ltsUpgradesFrom(mustVersion(c.version))
	}
	return s.region(c).upgradesFrom(mustVersion(c.version))
}

// recoveryMinor is the minor a cluster on v re-enters support by, or nil
// when v's minor is listed or newer than the oldest minor listed.
func (r *regionState) recoveryMinor(v version.Version) *minorState {
	if r.minor(v) != nil {
		return nil
	}
	for _, m := range r.minors {
		if m.preview || len(m.patches) == 0 {
			continue
		}
		if m.minor.Major == v.Major && v.Minor < m.minor.Minor {
			return m
		}
		return nil
	}
	return nil
}

// latestPatch returns the newest listed patch of minor.
func (r *regionState) latestPatch(minor version.Version) (version.Version, bool) {
	m := r.minor(minor)
	if m == nil || len(m.patches) == 0 {
		return version.Version{}, false
	}
	return m.patches[len(m.patches)-1], true
}

// list returns the catalogue in the domain's shape.
func (r *regionState) list() aksupgrade.KubernetesVersionList {
	l := aksupgrade.KubernetesVersionList{Values: []aksupgrade.KubernetesVersion{}}
	for _, m := range r.minors {
		kv := aksupgrade.KubernetesVersion{
			Version:       m.minor.MinorString(),
			Capabilities:  aksupgrade.KubernetesCapabilities{SupportPlan: slices.Clone(m.plans)},
			IsDefault:     m.isDefault,
			IsPreview:     m.preview,
			PatchVersions: map[string]aksupgrade.PatchVersion{},
		}
		for _, p := range m.patches {
			ups := []string{}
			for _, u := range r.upgradesFrom(p) {
				ups = append(ups, u.String())
			}
			kv.PatchVersions[p.String()] = aksupgrade.PatchVersion{Upgrades: ups}
		}
		l.Values = append(l.Values, kv)
	}
	return l
}

// imageFamily splits a node image version into its family and release:
// "AKSUbuntu-2204gen2containerd-202501.12.0" is family
// "AKSUbuntu-2204gen2containerd", release "202501.12.0".
func imageFamily(image string) (family string, ok bool) {
	i := strings.LastIndexByte(image, '-')
	if i <= 0 || i == len(image)-1 {
		return "", false
	}
	rel := image[i+1:]
	if rel[0] < '0' || rel[0] > '9' {
		return "", false
	}
	return image[:i], true
}

// defaultImageFamily is the node image family AKS gives an OS SKU at
// Kubernetes version k. The unversioned SKUs follow the Kubernetes
// version: "Ubuntu 22.04 is the default for Kubernetes versions 1.25 to
// 1.34. Ubuntu 24.04 is the default for Kubernetes versions 1.35+"
// (learn.microsoft.com/azure/aks/upgrade-os-version); Azure Linux 3.0 from
// Kubernetes 1.32 (the same page; the exact minor is unverified). A
// versioned SKU (Ubuntu2204, Ubuntu2404, Windows2019, Windows2022) keeps
// its OS.
func defaultImageFamily(osType, osSKU string, k version.Version) string {
	switch strings.ToLower(osSKU) {
	case "azurelinux", "cblmariner", "mariner":
		if k.Major == 1 && k.Minor >= 32 {
			return "AKSAzureLinux-V3gen2"
		}
		return "AKSAzureLinux-V2gen2"
	case "ubuntu2204":
		return "AKSUbuntu-2204gen2containerd"
	case "ubuntu2404":
		return "AKSUbuntu-2404gen2containerd"
	case "windows2019":
		return "AKSWindows-2019-containerd"
	case "windows2022":
		return "AKSWindows-2022-containerd"
	}
	if strings.EqualFold(osType, "Windows") {
		return "AKSWindows-2022-containerd"
	}
	if k.Major == 1 && k.Minor >= 35 {
		return "AKSUbuntu-2404gen2containerd"
	}
	return "AKSUbuntu-2204gen2containerd"
}

// osSupports returns why an OS SKU cannot run Kubernetes version k, or "".
// Windows Server 2019 is not offered from Kubernetes 1.33 (AKS retired it;
// learn.microsoft.com/azure/aks/upgrade-os-version); Ubuntu2204 stops at
// 1.34 (unverified: inferred from 24.04 becoming the default at 1.35).
func osSupports(osSKU string, k version.Version) string {
	switch strings.ToLower(osSKU) {
	case "windows2019":
		if k.Major == 1 && k.Minor >= 33 {
			return "Windows Server 2019 is not supported on Kubernetes 1.33 and later; move the pool's workloads to a Windows2022 pool"
		}
	case "ubuntu2204":
		if k.Major == 1 && k.Minor >= 35 {
			return "OS SKU Ubuntu2204 is not supported on Kubernetes 1.35 and later; use OS SKU Ubuntu (24.04 from 1.35) or Ubuntu2404"
		}
	}
	return ""
}

// publish adds a node image release; it becomes its family's latest.
func (r *regionState) publish(image string) error {
	fam, ok := imageFamily(image)
	if !ok {
		return fmt.Errorf("node image version %q: want FAMILY-RELEASE, such as AKSUbuntu-2204gen2containerd-202501.12.0", image)
	}
	if slices.Contains(r.images[fam], image) {
		return fmt.Errorf("node image %s is already published", image)
	}
	r.images[fam] = append(r.images[fam], image)
	return nil
}

// latestImage returns the newest release of family, or "".
func (r *regionState) latestImage(family string) string {
	imgs := r.images[family]
	if len(imgs) == 0 {
		return ""
	}
	return imgs[len(imgs)-1]
}

// apply makes one timeline change. Errors name fields relative to the
// entry.
func (r *regionState) apply(e TimelineEntry) []problem {
	switch {
	case e.AddPatch != "":
		v, err := version.Parse(e.AddPatch)
		if err != nil {
			return []problem{{"addPatch", err.Error()}}
		}
		m := r.minor(v)
		if m == nil {
			return []problem{{"addPatch", fmt.Sprintf("minor %s is not in %s's catalogue then; add it with addMinor", v.MinorString(), r.name)}}
		}
		if slices.Contains(m.patches, v) {
			return []problem{{"addPatch", fmt.Sprintf("%s is already in %s's catalogue then", v, r.name)}}
		}
		m.patches = append(m.patches, v)
		slices.SortFunc(m.patches, version.Version.Compare)
	case e.AddMinor != nil:
		m, ps := newMinor(*e.AddMinor, "addMinor")
		if len(ps) > 0 {
			return ps
		}
		if r.minor(m.minor) != nil {
			return []problem{{"addMinor.version", fmt.Sprintf("minor %s is already in %s's catalogue then", e.AddMinor.Version, r.name)}}
		}
		if m.isDefault {
			r.clearDefault()
		}
		r.addMinor(m)
	case e.Remove != "":
		if v, err := version.Parse(e.Remove); err == nil {
			m := r.minor(v)
			if m == nil || !slices.Contains(m.patches, v) {
				return []problem{{"remove", fmt.Sprintf("%s is not in %s's catalogue then", v, r.name)}}
			}
			m.patches = slices.DeleteFunc(m.patches, func(p version.Version) bool { return p == v })
			return nil
		}
		v, err := version.ParseMinor(e.Remove)
		if err != nil {
			return []problem{{"remove", fmt.Sprintf("found %q, want a patch (1.30.9) or a minor (1.29)", e.Remove)}}
		}
		if r.minor(v) == nil {
			return []problem{{"remove", fmt.Sprintf("minor %s is not in %s's catalogue then", e.Remove, r.name)}}
		}
		r.minors = slices.DeleteFunc(r.minors, func(m *minorState) bool { return m.minor.SameMinor(v) })
	case e.GA != "":
		m, p := r.minorNamed(e.GA, "ga")
		if p != nil {
			return []problem{*p}
		}
		m.preview = false
	case e.SetDefault != "":
		m, p := r.minorNamed(e.SetDefault, "setDefault")
		if p != nil {
			return []problem{*p}
		}
		r.clearDefault()
		m.isDefault = true
	case e.NodeImage != "":
		if err := r.publish(e.NodeImage); err != nil {
			return []problem{{"nodeImage", err.Error()}}
		}
	case e.SupportEnding != "":
		if _, p := r.minorNamed(e.SupportEnding, "supportEnding"); p != nil {
			return []problem{*p}
		}
	}
	return nil
}

func (r *regionState) minorNamed(text, field string) (*minorState, *problem) {
	v, err := version.ParseMinor(text)
	if err != nil {
		return nil, &problem{field, err.Error()}
	}
	m := r.minor(v)
	if m == nil {
		return nil, &problem{field, fmt.Sprintf("minor %s is not in %s's catalogue then", text, r.name)}
	}
	return m, nil
}

func (r *regionState) clearDefault() {
	for _, m := range r.minors {
		m.isDefault = false
	}
}

// changes counts the changes a timeline entry makes, to check it makes one.
func (e *TimelineEntry) changes() int {
	n := 0
	for _, set := range []bool{e.AddPatch != "", e.AddMinor != nil, e.Remove != "", e.GA != "", e.SetDefault != "", e.NodeImage != "", e.SupportEnding != ""} {
		if set {
			n++
		}
	}
	return n
}
