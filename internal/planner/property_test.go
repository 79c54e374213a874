package planner

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/version"
	"github.com/aksupgrade/aksupgrade/internal/window"
)

// The property tests generate random fleets, policies and histories from a
// seed, plan, and check the safety invariants of DESIGN.md §4 on every
// plan. A failure names its seed; rerun with that seed to reproduce.

func TestInvariantsOnRandomPlans(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for seed := range n {
		r := rand.New(rand.NewPCG(uint64(seed), 1))
		in := randomInput(t, r, true)
		res := Plan(in)
		if err := checkInvariants(in, res); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

func TestInvariantsAlongRandomRollouts(t *testing.T) {
	sims, steps := 150, 300
	if testing.Short() {
		sims = 20
	}
	for seed := range sims {
		r := rand.New(rand.NewPCG(uint64(seed), 2))
		in := randomInput(t, r, false)
		sim := &simulation{r: r, in: in}
		for step := range steps {
			sim.settle()
			res := Plan(sim.in)
			if err := checkInvariants(sim.in, res); err != nil {
				t.Fatalf("seed %d step %d at %s: %v", seed, step, sim.in.Now.Format(time.RFC3339), err)
			}
			sim.apply(res)
			sim.in.Now = sim.in.Now.Add(time.Duration(30+r.IntN(12*60)) * time.Minute)
		}
	}
}

var allPatches = []string{"1.28.13", "1.28.15", "1.29.8", "1.29.9", "1.30.5", "1.30.7", "1.30.9", "1.31.2", "1.31.4", "1.32.1", "1.32.3"}
var images = []string{"202501.12.0", "202502.03.0", "202502.17.0", "202503.02.0"}

func randomInput(t *testing.T, r *rand.Rand, withHistory bool) Input {
	t.Helper()
	nStages := 1 + r.IntN(4)
	var doc strings.Builder
	channels := []string{"patch", "stable", "rapid", "pinned", "stable"}
	ch := channels[r.IntN(len(channels))]
	fmt.Fprintf(&doc, "apiVersion: aksupgrade/v1\nkubernetes: {channel: %s", ch)
	if ch == "pinned" {
		fmt.Fprintf(&doc, ", version: \"1.%d\"", 30+r.IntN(3))
	}
	fmt.Fprintf(&doc, ", minorUpgrades: %s}\nnodeImage: {channel: %s}\nstages:\n",
		[]string{"auto", "approval", "never"}[r.IntN(3)], []string{"latest", "none", "latest"}[r.IntN(3)])
	for si := range nStages {
		fmt.Fprintf(&doc, "  - name: s%d\n    selector: {tags: {env: s%d}}\n    maxParallel: %d\n    soak: %dh\n", si, si, 1+r.IntN(4), r.IntN(72))
		fmt.Fprintf(&doc, "    approval: {patch: %v, minor: %v, nodeImage: %v}\n", r.IntN(5) == 0, r.IntN(2) == 0, r.IntN(5) == 0)
		doc.WriteString("    window:\n" + randomWindow(r))
	}
	pol, err := policy.Parse("random.yaml", []byte(doc.String()))
	if err != nil {
		t.Fatalf("random policy: %v\n%s", err, doc.String())
	}
	regions := []string{"westeurope", "eastus", "japaneast"}[:1+r.IntN(3)]
	cats := map[string]*version.Catalog{}
	for _, reg := range regions {
		var offered []string
		for _, p := range allPatches {
			if r.IntN(5) > 0 {
				offered = append(offered, p)
			}
		}
		c, err := version.NewCatalog(catalogList(offered...))
		if err != nil {
			t.Fatal(err)
		}
		cats[reg] = c
	}
	in := Input{Now: t0.Add(time.Duration(r.IntN(24*60)) * time.Minute), Policy: pol, Catalogs: cats}
	for i := range 1 + r.IntN(25) {
		in.Clusters = append(in.Clusters, randomCluster(r, i, nStages, regions, withHistory))
	}
	if withHistory {
		in.History = randomHistory(r, in.Now, nStages)
	}
	in.AzureMaintenance = map[string][]Span{}
	for _, c := range in.Clusters {
		if r.IntN(4) == 0 {
			start := in.Now.Add(time.Duration(r.IntN(48)-12) * time.Hour)
			in.AzureMaintenance[aksupgrade.NormalizeID(c.ID)] = []Span{{start, start.Add(time.Duration(1+r.IntN(8)) * time.Hour)}}
		}
	}
	return in
}

func randomWindow(r *rand.Rand) string {
	var b strings.Builder
	switch r.IntN(3) {
	case 0:
		fmt.Fprintf(&b, "      schedule: {daily: {intervalDays: %d}}\n      startDate: \"2026-02-2%d\"\n", 1+r.IntN(2), r.IntN(8))
	case 1:
		fmt.Fprintf(&b, "      schedule: {weekly: {dayOfWeek: %s, intervalWeeks: 1}}\n", time.Weekday(r.IntN(7)))
	default:
		fmt.Fprintf(&b, "      schedule: {relativeMonthly: {weekIndex: %s, dayOfWeek: %s, intervalMonths: 1}}\n",
			[]string{"First", "Second", "Last"}[r.IntN(3)], time.Weekday(r.IntN(7)))
	}
	fmt.Fprintf(&b, "      durationHours: %d\n      startTime: \"%02d:%02d\"\n", 4+r.IntN(21), r.IntN(24), 15*r.IntN(4))
	switch r.IntN(4) {
	case 0:
		b.WriteString("      timeZone: Europe/Oslo\n")
	case 1:
		b.WriteString("      timeZone: America/New_York\n")
	case 2:
		b.WriteString("      utcOffset: \"+05:30\"\n")
	}
	if r.IntN(3) == 0 {
		d := t0.AddDate(0, 0, r.IntN(30))
		fmt.Fprintf(&b, "      notAllowedDates: [{start: \"%s\", end: \"%s\"}]\n", d.Format(time.DateOnly), d.AddDate(0, 0, r.IntN(5)).Format(time.DateOnly))
	}
	return b.String()
}

func randomCluster(r *rand.Rand, i, nStages int, regions []string, messy bool) aksupgrade.Cluster {
	cp := version.MustParse(allPatches[r.IntN(len(allPatches))])
	env := fmt.Sprintf("s%d", r.IntN(nStages))
	if r.IntN(20) == 0 {
		env = "nonprod"
	}
	c := cl(fmt.Sprintf("c%02d", i), env, regions[r.IntN(len(regions))], cp.String())
	c.Tags = map[string]string{"env": env}
	c.NodePools = nil
	for p := range 1 + r.IntN(3) {
		v := cp
		if r.IntN(4) == 0 { // a pool behind its control plane
			var older []string
			for _, s := range allPatches {
				if ov := version.MustParse(s); ov.Less(cp) && ov.Minor+1 >= cp.Minor {
					older = append(older, s)
				}
			}
			if len(older) > 0 {
				v = version.MustParse(older[r.IntN(len(older))])
			}
		}
		cur := r.IntN(len(images))
		c.NodePools = append(c.NodePools, aksupgrade.NodePool{Name: fmt.Sprintf("pool%d", p), Mode: []string{"System", "User"}[min(p, 1)],
			Count: 1 + r.IntN(40), KubernetesVersion: v.String(),
			NodeImageVersion:       "AKSUbuntu-2204gen2containerd-" + images[cur],
			LatestNodeImageVersion: "AKSUbuntu-2204gen2containerd-" + images[cur+r.IntN(len(images)-cur)]})
	}
	if messy {
		switch r.IntN(12) {
		case 0:
			c.ProvisioningState = "Upgrading"
		case 1:
			c.PowerState = "Stopped"
		case 2:
			c.AutoUpgradeChannel = "patch"
		}
		if r.IntN(15) == 0 {
			c.NodeOSUpgradeChannel = "NodeImage"
		}
	}
	return c
}

func randomHistory(r *rand.Rand, now time.Time, nStages int) aksupgrade.History {
	var h aksupgrade.History
	var targets []aksupgrade.Target
	for _, p := range allPatches {
		targets = append(targets, k8s(p))
	}
	for _, im := range images {
		targets = append(targets, aksupgrade.Target{Kind: aksupgrade.TargetNodeImage, Version: im})
	}
	for _, tg := range targets {
		if r.IntN(2) == 0 {
			continue
		}
		ro := aksupgrade.Rollout{Target: tg}
		switch r.IntN(12) {
		case 0:
			ro.Paused = &aksupgrade.Mark{By: "someone", At: now}
		case 1:
			ro.Aborted = &aksupgrade.Mark{By: "someone", At: now}
		}
		for si := range nStages {
			if r.IntN(3) == 0 {
				break
			}
			sp := aksupgrade.StageProgress{Stage: fmt.Sprintf("s%d", si), StartedAt: at(now.Add(-time.Duration(r.IntN(200)) * time.Hour))}
			if r.IntN(2) == 0 {
				sp.ReachedAt = at(now.Add(-time.Duration(r.IntN(100)) * time.Hour))
				if r.IntN(2) == 0 {
					sp.ProvenAt = at(now.Add(-time.Duration(r.IntN(10)) * time.Hour))
				}
			}
			if r.IntN(3) == 0 {
				sp.Approval = &aksupgrade.Approval{By: "someone", At: now}
			}
			if r.IntN(15) == 0 {
				sp.Halt = &aksupgrade.Halt{Reason: "random failure", At: now}
			}
			ro.Stages = append(ro.Stages, sp)
		}
		h.Rollouts = append(h.Rollouts, ro)
	}
	return h
}

// checkInvariants checks a plan against DESIGN.md §4, from the input alone.
func checkInvariants(in Input, res *Result) error {
	byID := map[string]*aksupgrade.Cluster{}
	for i := range in.Clusters {
		byID[aksupgrade.NormalizeID(in.Clusters[i].ID)] = &in.Clusters[i]
	}
	progress := map[progressKey]*aksupgrade.StageProgress{}
	halted := map[string]bool{}
	held := map[aksupgrade.Target]bool{} // paused or aborted
	aborted := map[aksupgrade.Target]bool{}
	for _, ro := range in.History.Rollouts {
		held[ro.Target] = ro.Paused != nil || ro.Aborted != nil
		aborted[ro.Target] = ro.Aborted != nil
		for i := range ro.Stages {
			progress[progressKey{ro.Stages[i].Stage, ro.Target}] = &ro.Stages[i]
			halted[ro.Stages[i].Stage] = halted[ro.Stages[i].Stage] || ro.Stages[i].Halt != nil
		}
	}
	stageIndex := map[string]int{}
	for i, st := range in.Policy.Stages {
		stageIndex[st.Name] = i
	}
	perCluster := map[string]int{}
	starts := map[string]int{}
	for _, a := range res.Actions {
		si, ok := stageIndex[a.Stage]
		if !ok {
			return fmt.Errorf("action %+v names an unknown stage", a)
		}
		st := &in.Policy.Stages[si]
		sp := progress[progressKey{a.Stage, a.Target}]
		switch a.Kind {
		case ActionRecordStarted:
			continue
		case ActionRecordReached:
			if aborted[a.Target] {
				return fmt.Errorf("%+v: record of an aborted rollout", a)
			}
			if si > 0 && !provenAt(progress, in.Policy.Stages[si-1].Name, a.Target) {
				return fmt.Errorf("%+v: reached in %s before proven in %s", a, a.Stage, in.Policy.Stages[si-1].Name)
			}
			if halted[a.Stage] {
				return fmt.Errorf("%+v: record in a halted stage", a)
			}
			continue
		case ActionRecordProven:
			if sp == nil || sp.ReachedAt == nil || in.Now.Before(sp.ReachedAt.Add(st.Soak)) || halted[a.Stage] {
				return fmt.Errorf("%+v: proven before its soak ended, or while halted", a)
			}
			continue
		}
		c := byID[aksupgrade.NormalizeID(a.Cluster)]
		if c == nil {
			return fmt.Errorf("%+v: unknown cluster", a)
		}
		perCluster[a.Cluster]++
		if perCluster[a.Cluster] > 1 {
			return fmt.Errorf("invariant 4: two operations for %s in one plan", c.Name)
		}
		if idx, names := in.Policy.StageOf(c); idx != si || len(names) > 1 || upgradedByAKS(in.Policy, c) {
			return fmt.Errorf("%+v: cluster %s is not a plain member of %s (stages %v, auto-upgrade %q)", a, c.Name, a.Stage, names, c.AutoUpgradeChannel)
		}
		// Invariant 1.
		if si > 0 && !provenAt(progress, in.Policy.Stages[si-1].Name, a.Target) {
			return fmt.Errorf("invariant 1: %s gets %s in %s, not proven in %s", c.Name, a.Target, a.Stage, in.Policy.Stages[si-1].Name)
		}
		// Invariant 2: never a second operation on a busy cluster.
		if !c.Idle() || c.Stopped() {
			return fmt.Errorf("invariant 2: operation on busy or stopped cluster %s (%s/%s)", c.Name, c.ProvisioningState, c.PowerState)
		}
		if held[a.Target] {
			return fmt.Errorf("%+v: step towards a paused or aborted rollout", a)
		}
		// Invariant 6.
		if halted[a.Stage] {
			return fmt.Errorf("invariant 6: %+v in halted stage", a)
		}
		if err := checkWindow(in, st, c, a); err != nil {
			return fmt.Errorf("invariant 3: %s: %w", c.Name, err)
		}
		if err := checkVersions(in, c, a); err != nil {
			return fmt.Errorf("invariant 5: %s: %w", c.Name, err)
		}
		for _, m := range in.AzureMaintenance[aksupgrade.NormalizeID(c.ID)] {
			end := in.Now.Add(time.Duration(a.Estimate))
			if a.Continues {
				end = in.Now.Add(time.Minute)
			}
			if m.Start.Before(end) && in.Now.Before(m.End) {
				return fmt.Errorf("%s: %s overlaps Azure's maintenance %s to %s", c.Name, a.Kind, m.Start, m.End)
			}
		}
		if !a.Continues {
			starts[a.Stage]++
			if needsApproval(in.Policy, st, c, a) && (sp == nil || sp.Approval == nil) {
				return fmt.Errorf("%+v: started without the approval stage %s requires", a, a.Stage)
			}
		}
	}
	// Invariant 2: maxParallel.
	for si, st := range in.Policy.Stages {
		under := 0
		for i := range in.Clusters {
			c := &in.Clusters[i]
			if idx, names := in.Policy.StageOf(c); idx == si && len(names) <= 1 && !upgradedByAKS(in.Policy, c) && (!c.Idle() || midUpgrade(c)) {
				under++
			}
		}
		if starts[st.Name] > max(0, st.MaxParallel-under) {
			return fmt.Errorf("invariant 2: %d starts in %s with %d under way, maxParallel %d", starts[st.Name], st.Name, under, st.MaxParallel)
		}
	}
	return nil
}

func provenAt(progress map[progressKey]*aksupgrade.StageProgress, stage string, t aksupgrade.Target) bool {
	sp := progress[progressKey{stage, t}]
	return sp != nil && sp.ProvenAt != nil
}

func midUpgrade(c *aksupgrade.Cluster) bool {
	cp := version.MustParse(c.KubernetesVersion)
	for _, p := range c.NodePools {
		if version.MustParse(p.KubernetesVersion).Less(cp) {
			return true
		}
	}
	return false
}

func checkWindow(in Input, st *policy.Stage, c *aksupgrade.Cluster, a Action) error {
	spec := st.Window.Spec
	if st.Window.FromCluster {
		spec = *c.AutoUpgradeWindow
	}
	sched, err := window.Compile(spec)
	if err != nil {
		return err
	}
	occ, open := sched.Open(in.Now)
	if !open {
		return fmt.Errorf("%s at %s outside every window", a.Kind, in.Now)
	}
	if !a.Continues && occ.End.Sub(in.Now) < time.Duration(a.Estimate) {
		return fmt.Errorf("%s needs %s, window ends in %s", a.Kind, time.Duration(a.Estimate), occ.End.Sub(in.Now))
	}
	day := in.Now.In(sched.Location()).Format(time.DateOnly)
	for _, na := range spec.NotAllowedDates {
		if day >= na.Start && day <= na.End {
			return fmt.Errorf("%s on not-allowed date %s", a.Kind, day)
		}
	}
	return nil
}

func checkVersions(in Input, c *aksupgrade.Cluster, a Action) error {
	if a.Kind == ActionUpgradeNodeImage {
		return nil
	}
	from, to := version.MustParse(a.From), version.MustParse(a.To)
	if !from.Less(to) || to.Major != from.Major || to.Minor > from.Minor+1 {
		return fmt.Errorf("%s %s -> %s skips a minor or goes back", a.Kind, from, to)
	}
	cp := version.MustParse(c.KubernetesVersion)
	cat := in.Catalogs[NormalizeLocation(c.Location)]
	if !cat.Has(to, version.Filter{AllowPreview: in.Policy.Kubernetes.AllowPreview, SupportPlan: c.SupportPlan}) {
		return fmt.Errorf("%s not offered in %s", to, c.Location)
	}
	switch a.Kind {
	case ActionUpgradeControlPlane:
		if from != cp {
			return fmt.Errorf("control plane step from %s, cluster at %s", from, cp)
		}
		for _, p := range c.NodePools {
			if pv := version.MustParse(p.KubernetesVersion); to.Minor > pv.Minor+1 {
				return fmt.Errorf("control plane to %s would leave pool %s (%s) more than a minor behind", to, p.Name, pv)
			}
		}
	case ActionUpgradeNodePool:
		i := slices.IndexFunc(c.NodePools, func(p aksupgrade.NodePool) bool { return p.Name == a.Pool })
		if i < 0 || version.MustParse(c.NodePools[i].KubernetesVersion) != from {
			return fmt.Errorf("pool step %s from %s does not match the pool", a.Pool, from)
		}
		if cp.Less(to) {
			return fmt.Errorf("pool %s to %s, newer than the control plane %s", a.Pool, to, cp)
		}
	}
	return nil
}

func needsApproval(pol *policy.Policy, st *policy.Stage, c *aksupgrade.Cluster, a Action) bool {
	if a.Kind == ActionUpgradeNodeImage {
		return st.Approval.NodeImage
	}
	low := version.MustParse(c.KubernetesVersion)
	for _, p := range c.NodePools {
		if pv := version.MustParse(p.KubernetesVersion); pv.Less(low) {
			low = pv
		}
	}
	if version.MustParse(a.To).Minor > low.Minor {
		return st.Approval.Minor
	}
	return st.Approval.Patch
}

// simulation applies plans to the fleet as Azure would, with operations
// that take a while, failures that halt, people who approve and retry.
type simulation struct {
	r  *rand.Rand
	in Input
}

func (s *simulation) progress(stage string, t aksupgrade.Target) *aksupgrade.StageProgress {
	h := &s.in.History
	i := slices.IndexFunc(h.Rollouts, func(r aksupgrade.Rollout) bool { return r.Target == t })
	if i < 0 {
		h.Rollouts = append(h.Rollouts, aksupgrade.Rollout{Target: t})
		i = len(h.Rollouts) - 1
	}
	ro := &h.Rollouts[i]
	j := slices.IndexFunc(ro.Stages, func(sp aksupgrade.StageProgress) bool { return sp.Stage == stage })
	if j < 0 {
		ro.Stages = append(ro.Stages, aksupgrade.StageProgress{Stage: stage})
		j = len(ro.Stages) - 1
	}
	return &ro.Stages[j]
}

// settle finishes operations, retries halted stages, and approves.
func (s *simulation) settle() {
	for i := range s.in.Clusters {
		if s.r.IntN(3) > 0 {
			s.in.Clusters[i].ProvisioningState = "Succeeded"
		}
	}
	for i := range s.in.History.Rollouts {
		ro := &s.in.History.Rollouts[i]
		switch {
		case ro.Paused != nil && s.r.IntN(3) == 0:
			ro.Paused = nil
		case ro.Paused == nil && s.r.IntN(60) == 0:
			ro.Paused = &aksupgrade.Mark{By: "sim", At: s.in.Now}
		}
		for j := range s.in.History.Rollouts[i].Stages {
			sp := &s.in.History.Rollouts[i].Stages[j]
			if sp.Halt != nil && s.r.IntN(4) == 0 {
				sp.Halt = nil
			}
		}
	}
}

func (s *simulation) apply(res *Result) {
	now := s.in.Now
	for _, a := range res.Actions {
		var c *aksupgrade.Cluster
		if a.Cluster != "" {
			c = &s.in.Clusters[slices.IndexFunc(s.in.Clusters, func(c aksupgrade.Cluster) bool { return c.ID == a.Cluster })]
		}
		switch a.Kind {
		case ActionRecordStarted:
			s.progress(a.Stage, a.Target).StartedAt = at(now)
		case ActionRecordReached:
			s.progress(a.Stage, a.Target).ReachedAt = at(now)
		case ActionRecordProven:
			s.progress(a.Stage, a.Target).ProvenAt = at(now)
		case ActionUpgradeControlPlane:
			c.KubernetesVersion = a.To
		case ActionUpgradeNodePool:
			c.NodePools[slices.IndexFunc(c.NodePools, func(p aksupgrade.NodePool) bool { return p.Name == a.Pool })].KubernetesVersion = a.To
		case ActionUpgradeNodeImage:
			p := &c.NodePools[slices.IndexFunc(c.NodePools, func(p aksupgrade.NodePool) bool { return p.Name == a.Pool })]
			p.NodeImageVersion = p.LatestNodeImageVersion
		}
		if c != nil {
			if s.r.IntN(2) == 0 {
				c.ProvisioningState = "Upgrading"
			}
			if s.r.IntN(40) == 0 {
				s.progress(a.Stage, a.Target).Halt = &aksupgrade.Halt{Cluster: c.ID, Reason: "simulated drain failure", At: now}
			}
		}
	}
	for _, st := range res.Stages {
		for _, cp := range st.Clusters {
			if cp.State == ClusterApproval && s.r.IntN(3) == 0 {
				s.progress(st.Name, *cp.Target).Approval = &aksupgrade.Approval{By: "sim", At: now}
			}
		}
	}
}

// upgradedByAKS reports whether the cluster is a conflict: AKS upgrades
// it, or reimages nodes the policy would manage.
func upgradedByAKS(p *policy.Policy, c *aksupgrade.Cluster) bool {
	return c.AutoUpgradeEnabled() || c.Fleet.Upgrades() || (c.NodeOSReimages() && p.NodeImage.Channel != policy.NodeImageNone)
}
