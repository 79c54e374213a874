package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aksupgrade/aksupgrade"
)

// Describe says in a line which gates run and what they do when they
// fail, as `plan` prints it: "before: drainBlockers, deprecatedAPIs
// (block), surgeCapacity (warn); after: nodes, pods in kube-system, probe
// web (block); every 5m".
func (g Gates) Describe() string {
	if !g.Any() {
		return "none"
	}
	var before, after modeGroups
	kinds := make([]aksupgrade.GateKind, 0, len(g.Preflight))
	for k := range g.Preflight {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b aksupgrade.GateKind) int { return preflightOrder(a) - preflightOrder(b) })
	for _, k := range kinds {
		before.add(g.Preflight[k], string(k))
	}
	after.add(g.Nodes, "nodes")
	after.add(g.Pods.Mode, "pods in "+strings.Join(g.Pods.Namespaces, ", "))
	for _, p := range g.Probes {
		after.add(p.Mode, "probe "+p.Name)
	}
	for _, q := range g.Queries {
		after.add(q.Mode, "prometheus "+q.Name)
	}
	var parts []string
	if s := before.String(); s != "" {
		parts = append(parts, "before: "+s)
	}
	if s := after.String(); s != "" {
		parts = append(parts, "after: "+s)
	}
	if after.String() != "" {
		parts = append(parts, "every "+FormatDuration(g.Every))
	}
	return strings.Join(parts, "; ")
}

// preflightOrder is the order the preflight checks are told in.
func preflightOrder(k aksupgrade.GateKind) int {
	switch k {
	case aksupgrade.GateDrainBlockers:
		return 0
	case aksupgrade.GateDeprecatedAPIs:
		return 1
	}
	return 2
}

// modeGroups collects gate names by mode, blocking ones first.
type modeGroups struct{ block, warn []string }

func (m *modeGroups) add(mode aksupgrade.GateMode, name string) {
	switch mode {
	case aksupgrade.GateBlock:
		m.block = append(m.block, name)
	case aksupgrade.GateWarn:
		m.warn = append(m.warn, name)
	}
}

func (m modeGroups) String() string {
	var out []string
	if len(m.block) > 0 {
		out = append(out, fmt.Sprintf("%s (block)", strings.Join(m.block, ", ")))
	}
	if len(m.warn) > 0 {
		out = append(out, fmt.Sprintf("%s (warn)", strings.Join(m.warn, ", ")))
	}
	return strings.Join(out, ", ")
}
