package planner

import (
	"strings"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// release returns the release part of a node image version: the text
// after its last '-' ("202501.12.0" of "AKSUbuntu-2204gen2containerd-202501.12.0").
func release(image string) string {
	if image == "" {
		return ""
	}
	return image[strings.LastIndexByte(image, '-')+1:]
}

// family returns the OS family part of a node image version: the text
// before its last '-' ("AKSUbuntu-2204gen2containerd").
func family(image string) string {
	if i := strings.LastIndexByte(image, '-'); i > 0 {
		return image[:i]
	}
	return ""
}

// compareImages orders node image versions by family, then release. A
// node image target is a whole version, family and release: Ubuntu 22.04
// and 24.04 images of one weekly release are different targets, each
// proven on the pools that run it.
func compareImages(a, b string) int {
	if c := strings.Compare(family(a), family(b)); c != 0 {
		return c
	}
	return compareVersionStrings(release(a), release(b))
}

// nodeImageJob returns the cluster's next node image upgrade: the first
// pool (system pools first) whose latest image is newer than its own.
// AKS moves a pool to its latest image only, so a later stage waits until
// that very image is proven in the stage before.
func (s *stageRun) nodeImageJob(m *member) *job {
	if s.p.in.Policy.NodeImage.Channel != policy.NodeImageLatest {
		return nil
	}
	c := m.c
	var first *job
	for _, i := range m.poolOrder {
		np, im := &c.NodePools[i], m.images[i]
		if !im.behind {
			continue
		}
		cur, latest := im.current, im.latest
		if first == nil {
			t := aksupgrade.Target{Kind: aksupgrade.TargetNodeImage, Version: latest}
			first = &job{m: m, target: &t, goal: latest, from: cur, kind: aksupgrade.UpdateNodeImage,
				step: Action{Kind: ActionUpgradeNodeImage, Pool: np.Name, From: np.NodeImageVersion, To: np.LatestNodeImageVersion}}
		}
		first.est += s.poolDuration(np)
	}
	if first == nil {
		return nil
	}
	if s.si == 0 {
		first.availableAt, first.known, first.ready = s.now(), true, true
		return s.prepare(first)
	}
	up := s.p.upstream(s.si, *first.target)
	if up == nil {
		first.state, first.reason = ClusterWaiting, first.target.String()+" is not proven in "+s.prev()+" and no rollout of it is under way there"
		return s.prepare(first)
	}
	s.upstreamAvailability(first, up)
	return s.prepare(first)
}
