package aksupgrade

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TargetKind says what a target changes.
type TargetKind string

const (
	// TargetKubernetes is a Kubernetes version of control plane and pools.
	TargetKubernetes TargetKind = "kubernetes"
	// TargetNodeImage is a node image version, OS family and release
	// ("AKSUbuntu-2204gen2containerd-202501.12.0"), as AKS reports a
	// pool's nodeImageVersion: each OS family's image is proven on its
	// own.
	TargetNodeImage TargetKind = "nodeImage"
)

// Target is what a rollout moves through the stages.
type Target struct {
	Kind    TargetKind `json:"kind"`
	Version string     `json:"version"`
}

// String writes a target for people: "1.31.4", "node image 202502.03.0
// (Ubuntu-2204gen2)" (the release, then the OS family without AKS's
// "AKS" prefix and "containerd" suffix).
func (t Target) String() string {
	if t.Kind != TargetNodeImage {
		return t.Version
	}
	i := strings.LastIndexByte(t.Version, '-')
	if i <= 0 {
		return "node image " + t.Version
	}
	fam := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(t.Version[:i], "AKS"), "containerd"), "-")
	return "node image " + t.Version[i+1:] + " (" + fam + ")"
}

// UpdateKind classifies a single upgrade for approval rules.
type UpdateKind string

const (
	UpdatePatch     UpdateKind = "patch"
	UpdateMinor     UpdateKind = "minor"
	UpdateNodeImage UpdateKind = "nodeImage"
)

// Rollout is the record of one target moving through the stages.
type Rollout struct {
	ID     string          `json:"id,omitempty"`
	Target Target          `json:"target"`
	Stages []StageProgress `json:"stages"`
	// Paused is set while a person holds the rollout: no new step towards
	// its target starts in any stage.
	Paused *Mark `json:"paused,omitempty"`
	// Aborted is set once a person abandoned the target: no stage receives
	// it any more.
	Aborted *Mark `json:"aborted,omitempty"`
}

// Mark records who did something to a rollout, when and why.
type Mark struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// StageProgress is what happened to a rollout in one stage.
type StageProgress struct {
	Stage string `json:"stage"`
	// StartedAt is when the first cluster of the stage started towards the
	// target.
	StartedAt *time.Time `json:"startedAt,omitempty"`
	// ReachedAt is when every cluster of the stage had reached the target;
	// the soak starts then.
	ReachedAt *time.Time `json:"reachedAt,omitempty"`
	// ProvenAt is when the soak ended with no failure: from then on the
	// next stage may receive the target.
	ProvenAt *time.Time `json:"provenAt,omitempty"`
	// Evidence names the clusters that ran the target through the soak.
	Evidence []string `json:"evidence,omitempty"`
	// Gates says what each gate saw on each of them in the last round
	// before the proof (GateResult.Line).
	Gates []string `json:"gates,omitempty"`
	// Approval is set once a person approved the target for this stage.
	Approval *Approval `json:"approval,omitempty"`
	// Halt is set while the stage is halted by a failure.
	Halt *Halt `json:"halt,omitempty"`
}

// Approval records who allowed a target into a stage.
type Approval struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// Halt records the failure that stopped a stage.
type Halt struct {
	Cluster string    `json:"cluster,omitempty"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// History is every rollout the planner must know of.
type History struct {
	Rollouts []Rollout `json:"rollouts,omitempty"`
}

// Progress returns the record of target in stage, or nil.
func (h *History) Progress(stage string, t Target) *StageProgress {
	for i := range h.Rollouts {
		r := &h.Rollouts[i]
		if r.Target != t {
			continue
		}
		for j := range r.Stages {
			if r.Stages[j].Stage == stage {
				return &r.Stages[j]
			}
		}
	}
	return nil
}

// ParseTarget reads a target as people write it: "1.31.4" is a
// Kubernetes version; "nodeImage:AKSUbuntu-2204gen2containerd-202502.03.0",
// "node image ...", or a bare node image version
// ("AKSUbuntu-2204gen2containerd-202502.03.0") is a node image; so is a
// bare release whose first number is a date ("202502.03.0").
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"nodeImage:", "nodeimage:", "node image ", "node-image:"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return Target{Kind: TargetNodeImage, Version: strings.TrimSpace(rest)}, nil
		}
	}
	if i := strings.LastIndexByte(s, '-'); i > 0 && i < len(s)-1 && s[i+1] >= '0' && s[i+1] <= '9' && strings.HasPrefix(s, "AKS") {
		return Target{Kind: TargetNodeImage, Version: s}, nil
	}
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) != 3 {
		return Target{}, fmt.Errorf("target %q: want a Kubernetes version such as 1.31.4 or a node image release such as nodeImage:202502.03.0", s)
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return Target{}, fmt.Errorf("target %q: want a Kubernetes version such as 1.31.4 or a node image release such as nodeImage:202502.03.0", s)
		}
	}
	if major, _ := strconv.Atoi(parts[0]); major >= 1000 {
		return Target{Kind: TargetNodeImage, Version: s}, nil
	}
	return Target{Kind: TargetKubernetes, Version: strings.TrimPrefix(s, "v")}, nil
}

// UnmarshalJSON reads a target as {"kind": ..., "version": ...}, or as a
// string the way ParseTarget reads it ("1.31.4", "nodeImage:202502.03.0"),
// which webhooks and hand-written events use. A kind left out is
// Kubernetes.
func (t *Target) UnmarshalJSON(b []byte) error {
	if s := strings.TrimSpace(string(b)); strings.HasPrefix(s, `"`) {
		var text string
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
		parsed, err := ParseTarget(text)
		if err != nil {
			return err
		}
		*t = parsed
		return nil
	}
	type plain Target // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p.Kind == "" && p.Version != "" {
		p.Kind = TargetKubernetes
	}
	*t = Target(p)
	return nil
}
