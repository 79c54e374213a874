package notify

import (
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// TestFixText: a support message names the upgrade that leaves the
// minor, or says that none planned does.
func TestFixText(t *testing.T) {
	start, finish := t0.Add(time.Hour), t0.Add(2*time.Hour)
	base := aksupgrade.SupportNews{Name: "c", Version: "1.31.5", Stage: "prod"}
	for _, tc := range []struct {
		name string
		edit func(*aksupgrade.SupportNews)
		want string
	}{
		{"target on a newer minor", func(n *aksupgrade.SupportNews) { n.Target, n.Start, n.Finish = "1.32.3", &start, &finish },
			"Planned fix: upgrade to 1.32.3 in stage prod, expected Mon 2026-03-02 10:30 UTC to Mon 2026-03-02 11:30 UTC."},
		{"under way", func(n *aksupgrade.SupportNews) {
			n.Target, n.State, n.Start, n.Finish = "1.32.3", "upgrading", &start, &finish
		},
			"Planned fix: upgrade to 1.32.3 in stage prod, under way, expected done by Mon 2026-03-02 11:30 UTC."},
		{"a patch first", func(n *aksupgrade.SupportNews) {
			n.Version, n.Target, n.Goal, n.Start, n.Finish = "1.31.4", "1.31.5", "1.32.3", &start, &finish
		}, "Planned fix: 1.32.3 in stage prod, after 1.31.5 first (expected Mon 2026-03-02 10:30 UTC to Mon 2026-03-02 11:30 UTC); 1.32.3 is scheduled once that is done."},
		{"not scheduled", func(n *aksupgrade.SupportNews) {
			n.Target, n.State, n.Reason = "1.32.3", "awaitingApproval", "minor upgrades need approval in prod: aksupgrade rollout approve 1.32.3 --stage prod"
		}, "Planned fix: upgrade to 1.32.3 in stage prod, not yet scheduled: minor upgrades need approval in prod: aksupgrade rollout approve 1.32.3 --stage prod."},
		{"same minor only", func(n *aksupgrade.SupportNews) {
			n.Version, n.Target, n.Start, n.Finish = "1.31.4", "1.31.5", &start, &finish
		},
			"The planned upgrade to 1.31.5 (expected Mon 2026-03-02 10:30 UTC to Mon 2026-03-02 11:30 UTC) stays on minor 1.31 and does not fix this: the policy's channel must allow a newer minor."},
		{"unmanaged", func(n *aksupgrade.SupportNews) { n.Stage, n.Reason = "", "no stage selects it" },
			"No upgrade is planned for it: no stage selects it."},
		{"no plan", func(n *aksupgrade.SupportNews) { n.PlanError = "history: database is locked" },
			`aksupgrade could not plan (history: database is locked); "aksupgrade plan" shows the fix once that is solved.`},
	} {
		n := base
		tc.edit(&n)
		if got := fixText(n, nil); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// TestStageText: each stage's line of a new-version message.
func TestStageText(t *testing.T) {
	for _, tc := range []struct {
		l    StageLine
		want string
	}{
		{StageLine{Version: "1.31.5", State: "rolling", Reached: "A", Proven: "B"}, "1.31.5 on every cluster by A, proven B"},
		{StageLine{Version: "1.31.5", State: "rolling", Clusters: 3, Projected: 2, Finish: "F", Note: "1.31.5 is not yet available in northeurope"},
			"1.31.5 on 2 of 3 clusters by F; the others wait: 1.31.5 is not yet available in northeurope"},
		{StageLine{Version: "1.31.5", State: "soaking", Reached: "A", Proven: "B"}, "1.31.5 is on every cluster; proven B"},
		{StageLine{Version: "1.31.5", State: "proven", Clusters: 1, Projected: 1, Finish: "F"}, "1.31.5 (proven here) on the 1 cluster still to go by F"},
		{StageLine{Version: "1.31.5", State: "pending", Reached: "A", Proven: "B", Then: "1.32.3"}, "1.31.5 on every cluster by A, proven B; then 1.32.3"},
		{StageLine{Version: "1.31.5", State: "awaitingApproval", Note: "needs approval"}, "1.31.5, not projected yet: needs approval"},
		{StageLine{Version: "1.31.5", State: "pending"}, "1.31.5, not projected yet"},
		{StageLine{Note: "stays on 1.30.9"}, "stays on 1.30.9"},
	} {
		if got := stageText(tc.l); got != tc.want {
			t.Errorf("stageText(%+v) = %q, want %q", tc.l, got, tc.want)
		}
	}
}

func TestHeadline(t *testing.T) {
	for _, tc := range []struct {
		vs   []aksupgrade.NewVersion
		want string
	}{
		{[]aksupgrade.NewVersion{{Version: "1.31.5"}}, "Kubernetes 1.31.5 is available"},
		{[]aksupgrade.NewVersion{{Version: "1.33.0", WasPreview: true}}, "Kubernetes 1.33.0 is generally available (it was in preview)"},
		{[]aksupgrade.NewVersion{{Version: "1.34.0", Preview: true}, {Version: "1.33.1"}},
			"Kubernetes 1.33.1 and 1.34.0 (preview) are available"},
		{[]aksupgrade.NewVersion{{Version: "1.33.2"}, {Version: "1.32.5"}, {Version: "1.31.8"}, {Version: "1.30.12"}, {Version: "1.29.15"}},
			"Kubernetes 1.33.2, 1.32.5, 1.31.8 and 2 more are available"},
	} {
		if got := (aksupgrade.VersionNews{New: tc.vs}).Headline(); got != tc.want {
			t.Errorf("headline(%+v) = %q, want %q", tc.vs, got, tc.want)
		}
	}
}
