package backtest

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/policy"
	"github.com/aksupgrade/aksupgrade/internal/simulator"
)

const anytime = `apiVersion: aksupgrade/v1
kubernetes: {channel: patch}
nodeImage: {channel: none}
stages:
  - name: dev
    selector: {tags: {environment: dev}}
    window: {name: anytime, schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}
    soak: 4h
  - name: prod
    selector: {tags: {environment: prod}}
    window: {name: anytime, schedule: {daily: {intervalDays: 1}}, durationHours: 24, startTime: "00:00"}
    soak: 24h
`

// tinyFleet is one cluster per stage on 1.31.4, in one region whose
// catalogue has 1.30 and 1.31.
func tinyFleet() *aksupgrade.Snapshot {
	c := func(name, env string) aksupgrade.Cluster {
		cl := cluster(name, env, "1.31.4", aksupgrade.NodePool{Name: "system", Mode: "System", Count: 3, KubernetesVersion: "1.31.4", NodeImageVersion: "AKSUbuntu-2204gen2containerd-202502.10.0"})
		cl.SubscriptionID, cl.ResourceGroup = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f", "rg-"+env
		cl.ID = "/subscriptions/" + cl.SubscriptionID + "/resourceGroups/" + cl.ResourceGroup + "/providers/Microsoft.ContainerService/managedClusters/" + name
		cl.AutoUpgradeChannel, cl.NodeOSUpgradeChannel = "none", "None"
		return cl
	}
	return &aksupgrade.Snapshot{
		Clusters: []aksupgrade.Cluster{c("dev-1", "dev"), c("prod-1", "prod")},
		Catalogs: map[string]aksupgrade.KubernetesVersionList{"westeurope": {Values: []aksupgrade.KubernetesVersion{
			{Version: "1.30", PatchVersions: map[string]aksupgrade.PatchVersion{"1.30.10": {}}},
			{Version: "1.31", IsDefault: true, PatchVersions: map[string]aksupgrade.PatchVersion{"1.31.4": {}}},
		}}},
	}
}

// TestReplayByHand: a patch comes two hours in; dev takes it at once
// (its window is always open), soaks 4h, then prod takes it and soaks a
// day. Both clusters upgrade once, prod only to what dev proved, and the
// time to prod is the lower bound plus only what the engine's own
// observing and polling add.
func TestReplayByHand(t *testing.T) {
	pol, err := policy.Parse("anytime", []byte(anytime))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC) // 1.31 is supported until November
	res, err := Replay(context.Background(), Input{Policy: pol, Fleet: tinyFleet(), From: from, To: from.Add(3 * 24 * time.Hour),
		Releases: []simulator.TimelineEntry{{After: simulator.Duration(2 * time.Hour), Region: "westeurope", AddPatch: "1.31.5"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Releases) != 1 {
		t.Fatalf("releases: %+v", res.Releases)
	}
	rel := res.Releases[0]
	if rel.Version != "1.31.5" || !rel.Available.Equal(from.Add(2*time.Hour)) {
		t.Fatalf("release: %+v", rel)
	}
	if rel.ToProdHours == nil || rel.LowerBoundHours == nil || rel.Ratio == nil {
		t.Fatalf("prod never had 1.31.5, or no bound: %+v (%s)", rel, rel.BoundError)
	}
	// The bound: dev 10m + 3 batches of 8m = 34m, soak 4h; prod 34m.
	if want := (34*time.Minute + 4*time.Hour + 34*time.Minute).Hours(); *rel.LowerBoundHours != want {
		t.Errorf("lower bound %.3fh, want %.3fh", *rel.LowerBoundHours, want)
	}
	if *rel.Ratio < 1 {
		t.Errorf("the replay beat its own lower bound: %.3f", *rel.Ratio)
	}
	if *rel.Ratio > 1.5 {
		t.Errorf("time to prod %.2fh is %.2f times the bound", *rel.ToProdHours, *rel.Ratio)
	}
	if res.Upgrades != 2 || res.UnprovenProdUpgrades != 0 {
		t.Errorf("upgrades %d (want 2), unproven in prod %d (want 0)", res.Upgrades, res.UnprovenProdUpgrades)
	}
	if res.ClusterDaysOutOfSupport != 0 {
		t.Errorf("%.2f cluster-days out of support on a supported minor", res.ClusterDaysOutOfSupport)
	}
	t.Logf("time to prod %.2fh, bound %.2fh, ratio %.3f, %d engine steps", *rel.ToProdHours, *rel.LowerBoundHours, *rel.Ratio, res.Steps)
}

// TestReplayApprovals: with prod asking a person to approve patches, the
// replay's person approves six hours after being asked; without one,
// prod never gets the patch.
func TestReplayApprovals(t *testing.T) {
	pol, err := policy.Parse("approval", []byte(anytime+"    approval: {patch: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	in := Input{Policy: pol, Fleet: tinyFleet(), From: from, To: from.Add(3 * 24 * time.Hour), ApproveAfter: 6 * time.Hour,
		Releases: []simulator.TimelineEntry{{After: simulator.Duration(2 * time.Hour), Region: "westeurope", AddPatch: "1.31.5"}}}
	res, err := Replay(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	rel := res.Releases[0]
	if rel.ToProdHours == nil || rel.LowerBoundHours == nil {
		t.Fatalf("prod never had 1.31.5: %+v", rel)
	}
	if wait := *rel.ToProdHours - *rel.LowerBoundHours; wait < 6 || wait > 7 {
		t.Errorf("prod had it %.2fh after its bound; the approval took 6h", wait)
	}
	in.ApproveAfter = -1
	if res, err = Replay(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if res.Releases[0].ToProdHours != nil || res.UnprovenProdUpgrades != 0 {
		t.Errorf("nobody approved, and prod had 1.31.5: %+v", res.Releases[0])
	}
}

// TestReplayChannel: AKS's patch channel upgrades every cluster in the
// first hourly sweep after the patch reaches its region, prod as soon
// as dev: prod runs a patch no earlier stage soaked.
func TestReplayChannel(t *testing.T) {
	pol, err := policy.Parse("anytime", []byte(anytime))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	res, err := Replay(context.Background(), Input{Policy: pol, Fleet: tinyFleet(), From: from, To: from.Add(2 * 24 * time.Hour), Builtin: "aks-patch",
		Releases: []simulator.TimelineEntry{{After: simulator.Duration(2 * time.Hour), Region: "westeurope", AddPatch: "1.31.5"}}})
	if err != nil {
		t.Fatal(err)
	}
	rel := res.Releases[0]
	if rel.ToProdHours == nil || *rel.ToProdHours > 3 {
		t.Fatalf("prod had 1.31.5 after %v hours, want within the next sweeps", rel.ToProdHours)
	}
	if res.Upgrades != 2 || res.UnprovenProdUpgrades != 1 || len(res.Unproven) != 1 || res.Unproven[0].Cluster != "prod-1" {
		t.Errorf("upgrades %d (want 2), unproven in prod %d (want 1: prod-1): %+v", res.Upgrades, res.UnprovenProdUpgrades, res.Unproven)
	}
}

// TestReportHTML: the HTML report of a replay and a compared scheme is
// one page whose charts are well-formed SVG documents, naming every
// scheme and stage.
func TestReportHTML(t *testing.T) {
	pol, err := policy.Parse("anytime", []byte(anytime))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	in := Input{Policy: pol, Fleet: tinyFleet(), From: from, To: from.Add(3 * 24 * time.Hour),
		Releases: []simulator.TimelineEntry{{After: simulator.Duration(2 * time.Hour), Region: "westeurope", AddPatch: "1.31.5"}}}
	ours, err := Replay(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	in.Builtin = "aks-patch"
	aks, err := Replay(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteHTML(&b, Report{From: in.From, To: in.To, Schemes: []Scheme{{"policy.yaml", ours}, {"aks-patch", aks}}, LowerBoundRatio: ours.LowerBoundRatio}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	svgs := 0
	for rest := page; ; {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</svg>")
		if j < 0 {
			t.Fatal("an svg is not closed")
		}
		doc := rest[i : i+j+len("</svg>")]
		d := xml.NewDecoder(strings.NewReader(doc))
		for {
			_, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("chart %d is not well-formed: %v\n%s", svgs+1, err, doc)
			}
		}
		svgs++
		rest = rest[i+j:]
	}
	if svgs != 3 {
		t.Errorf("%d charts, want 3", svgs)
	}
	for _, want := range []string{"policy.yaml", "aks-patch", ">dev<", ">prod<", ">1.31.5<", "1.000"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// TestReplayFixAndRetry: dev's upgrade fails its drain and halts dev; a
// person retries it FixAfter later, then prod follows. With nobody to
// fix it, prod never gets the release.
func TestReplayFixAndRetry(t *testing.T) {
	pol, err := policy.Parse("anytime", []byte(anytime))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	run := func(fixAfter time.Duration) *Result {
		res, err := Replay(context.Background(), Input{Policy: pol, Fleet: tinyFleet(), From: from, To: from.AddDate(0, 0, 4), FixAfter: fixAfter,
			Faults:   []simulator.Fault{{Kind: simulator.FaultDrainFailure, Cluster: "dev-1", Count: 1}},
			Releases: []simulator.TimelineEntry{{After: simulator.Duration(2 * time.Hour), Region: "westeurope", AddPatch: "1.31.5"}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	fixed := run(8 * time.Hour)
	if fixed.UpgradesFailed != 1 || fixed.UpgradesRetried != 1 || fixed.UnprovenProdUpgrades != 0 {
		t.Errorf("failed %d, retried %d, unproven %d; want 1, 1, 0", fixed.UpgradesFailed, fixed.UpgradesRetried, fixed.UnprovenProdUpgrades)
	}
	st := fixed.Releases[0].Stages
	if st[0].Reached == nil || st[0].Reached.Before(from.Add(10*time.Hour)) || st[1].Reached == nil {
		t.Errorf("dev reached 1.31.5 at %v (want after the fix, 8h after the failure), prod at %v", st[0].Reached, st[1].Reached)
	}
	if *fixed.Releases[0].Ratio <= 1 {
		t.Errorf("ratio %.3f: a failure and a fix took no time", *fixed.Releases[0].Ratio)
	}
	nobody := run(-1)
	if nobody.UpgradesRetried != 0 || nobody.Releases[0].Stages[1].Reached != nil {
		t.Errorf("nobody fixing: retried %d, prod reached %v; want 0, never", nobody.UpgradesRetried, nobody.Releases[0].Stages[1].Reached)
	}
}
