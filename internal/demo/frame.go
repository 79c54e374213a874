package demo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aksupgrade/aksupgrade/internal/planner"
)

// frame is what the live view shows, before it is fitted to a terminal.
type frame struct {
	Header string
	// Links says where the service's dashboard and API answer.
	Links  string
	Stages []frameStage
	// Rollouts are rows of a table: a target, then its progress per
	// stage, in the order of Stages.
	Rollouts [][]string
	Events   []string
}

type frameStage struct {
	Name     string
	Halted   string
	Clusters []planner.ClusterPlan
}

// Legends of the live view's parts that their own labels do not
// explain.
const (
	stagesLegend   = "STAGE    CLUSTERS BY STATE"
	rolloutsLegend = "ROLLOUTS per stage  rolling: upgrading · soaking: upgraded, in its soak · proven at · HALTED: stopped on a failure · -: not yet"
	eventsLegend   = "EVENTS, newest last  [day D HH:MM]: simulated time since the start · » the demo, acting as a person · ✉ a notification sent"
)

// fit lays f out in exactly rows lines of at most cols characters,
// never wrapping: the header and where the service answers; each
// stage's line (name, halt, its clusters' states); the clusters that
// need a look first (halted, gated, conflict, upgrading, waiting, then
// the rest) with as many columns as fit, the reason cut at the
// terminal's edge; the rollouts; the newest events, each part under a
// line that says what it shows. What does not fit is left out, least
// important first, and a line says how much was.
func fit(f frame, cols, rows int) string {
	cols, rows = max(cols, 40), max(rows, 8)
	var top, clusters, bottom []string
	top = append(top, cut(f.Header, cols))
	if f.Links != "" {
		top = append(top, cut(f.Links, cols))
	}
	top = append(top, stagesLegend)
	for _, st := range f.Stages {
		top = append(top, cut(stageLine(st), cols))
	}
	top = append(top, "")

	all := clusterRows(f.Stages)
	table := clusterTable(all, cols)

	if len(f.Rollouts) > 0 {
		bottom = append(bottom, "", cut(rolloutsLegend, cols))
		for _, l := range columns(f.Rollouts, 2) {
			bottom = append(bottom, cut(l, cols))
		}
	}
	events := []string{"", cut(eventsLegend, cols)}
	for i := len(f.Events) - 1; i >= 0; i-- { // newest first when cut
		events = append(events, cut("  "+strings.ReplaceAll(f.Events[i], "\n", " "), cols))
	}

	// Room: the header and stage lines always; then the cluster table
	// (its header and at least the rows that need a look); then the
	// rollouts; then events with what is left.
	room := rows - len(top)
	clusters = table
	switch {
	case room <= 0:
		return strings.Join(top[:rows], "\n")
	case len(clusters) > room:
		hidden := len(clusters) - (room - 1)
		clusters = append(clusters[:room-1], fmt.Sprintf("  … and %d more clusters", hidden))
	}
	room -= len(clusters)
	if len(bottom) > room {
		bottom = nil
	}
	room -= len(bottom)
	if room >= 3 {
		ev := events[:min(len(events), room)]
		// Newest first was for cutting; show them oldest first.
		slices.Reverse(ev[2:])
		bottom = append(bottom, ev...)
	}
	out := slices.Concat(top, clusters, bottom)
	for len(out) < rows {
		out = append(out, "")
	}
	return strings.Join(out[:rows], "\n")
}

// stageLine is a stage in one line: its name, halt, and how many of its
// clusters are in each state.
func stageLine(st frameStage) string {
	counts := map[planner.ClusterState]int{}
	for _, c := range st.Clusters {
		counts[c.State]++
	}
	var parts []string
	for _, s := range stateOrder {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	line := fmt.Sprintf("%-8s %s", st.Name, strings.Join(parts, ", "))
	if st.Halted != "" {
		line = fmt.Sprintf("%-8s HALTED: %s", st.Name, st.Halted)
	}
	return line
}

// stateOrder ranks cluster states by how much they need a look.
var stateOrder = []planner.ClusterState{
	planner.ClusterHalted, planner.ClusterGated, planner.ClusterConflict, planner.ClusterApproval, planner.ClusterBlocked,
	planner.ClusterUpgrading, planner.ClusterStarting, planner.ClusterWaiting, planner.ClusterHeld, planner.ClusterUpToDate,
}

type clusterRow struct {
	stage string
	c     planner.ClusterPlan
}

// clusterRows lists the clusters, those that need a look first, each
// state's in stage order.
func clusterRows(stages []frameStage) []clusterRow {
	var out []clusterRow
	for _, st := range stages {
		for _, c := range st.Clusters {
			out = append(out, clusterRow{st.Name, c})
		}
	}
	rank := func(s planner.ClusterState) int {
		if i := slices.Index(stateOrder, s); i >= 0 {
			return i
		}
		return len(stateOrder)
	}
	slices.SortStableFunc(out, func(a, b clusterRow) int { return rank(a.c.State) - rank(b.c.State) })
	return out
}

// clusterTable writes the rows with the columns that fit cols: STAGE,
// CLUSTER, VERSION and STATE always; REGION from 120 columns, TARGET from
// 160; the reason takes what is left, cut at the edge.
func clusterTable(rows []clusterRow, cols int) []string {
	head := []string{"STAGE", "CLUSTER"}
	if cols >= 120 {
		head = append(head, "REGION")
	}
	head = append(head, "VERSION", "STATE")
	if cols >= 160 {
		head = append(head, "TARGET")
	}
	head = append(head, "REASON")
	cells := [][]string{head}
	for _, r := range rows {
		line := []string{r.stage, r.c.Name}
		if cols >= 120 {
			line = append(line, r.c.Location)
		}
		line = append(line, r.c.Current, string(r.c.State))
		if cols >= 160 {
			t := "-"
			if r.c.Target != nil {
				t = r.c.Target.String()
			}
			line = append(line, t)
		}
		line = append(line, r.c.Reason)
		cells = append(cells, line)
	}
	out := columns(cells, 2)
	for i := range out {
		out[i] = cut(out[i], cols)
	}
	return out
}

// columns aligns cells into lines, the last column left unpadded.
func columns(cells [][]string, gap int) []string {
	var width []int
	for _, row := range cells {
		for i, c := range row {
			if i == len(row)-1 {
				continue
			}
			for len(width) <= i {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	out := make([]string, len(cells))
	for r, row := range cells {
		var b strings.Builder
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))+gap))
			}
		}
		out[r] = strings.TrimRight(b.String(), " ")
	}
	return out
}

// cut shortens s to at most n runes, marking the cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
