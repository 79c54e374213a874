package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/auth"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/engine"
	"github.com/aksupgrade/aksupgrade/internal/planner"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// planOnly is the engine as the pages read it, answering a plan made up
// for the benchmark; it takes no action.
type planOnly struct{ res *planner.Result }

func (p planOnly) LastPlan() (*planner.Result, error)            { return p.res, nil }
func (planOnly) AzureMaintenance(time.Time) []engine.Maintenance { return nil }
func (planOnly) LastError() (time.Time, error)                   { return time.Time{}, nil }
func (planOnly) Approve(context.Context, string, aksupgrade.Target, string) error {
	return nil
}
func (planOnly) Retry(context.Context, string, string) error { return nil }
func (planOnly) Pause(context.Context, aksupgrade.Target, string, string) error {
	return nil
}
func (planOnly) Resume(context.Context, aksupgrade.Target, string) error { return nil }
func (planOnly) Abort(context.Context, aksupgrade.Target, string, string) error {
	return nil
}

// bigFleet is a dashboard over n clusters in four stages, two pools each,
// half of them on their way to a patch: the plan as the planner shapes
// it, the fleet observed in a real SQLite store.
func bigFleet(b *testing.B, n int) *Dashboard {
	b.Helper()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	to := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.32.4"}
	res := &planner.Result{Now: now}
	var clusters []aksupgrade.Cluster
	stages := []string{"sandbox", "dev", "test", "prod"}
	for i, name := range stages {
		reached, proven := now.Add(time.Duration(i)*30*time.Hour), now.Add(time.Duration(i)*30*time.Hour+24*time.Hour)
		sp := planner.StagePlan{Name: name, Window: "weeknights", Targets: []planner.TargetPlan{{Target: to, State: planner.TargetRolling, Pending: n / 8, Done: n / 8, ReachedAt: &reached, ProvenAt: &proven}}}
		for j := range n / len(stages) {
			id := fmt.Sprintf("/subscriptions/s/resourceGroups/rg-%s/providers/Microsoft.ContainerService/managedClusters/aks-%s-%04d", name, name, j)
			until := now.Add(200 * 24 * time.Hour)
			cp := planner.ClusterPlan{Cluster: id, Name: fmt.Sprintf("aks-%s-%04d", name, j), Location: "westeurope", Current: "1.32.3",
				NodeImage: "AKSUbuntu-2204gen2containerd-202502.03.0", Support: "supported until 2026-09-30", SupportLevel: "supported", SupportUntil: &until,
				State: planner.ClusterUpToDate, Reason: "up to date"}
			if j%2 == 0 {
				start := now.Add(time.Duration(j) * time.Minute)
				cp.State, cp.Target, cp.EarliestStart, cp.Reason = planner.ClusterWaiting, &to, &start, "waits for the window 'weeknights'"
			}
			sp.Clusters = append(sp.Clusters, cp)
			clusters = append(clusters, aksupgrade.Cluster{ID: id, Name: cp.Name, Location: "westeurope", KubernetesVersion: "1.32.3",
				NodePools: []aksupgrade.NodePool{
					{Name: "system", Mode: "System", Count: 3, KubernetesVersion: "1.32.3", NodeImageVersion: "AKSUbuntu-2204gen2containerd-202502.03.0"},
					{Name: "apps", Mode: "User", Count: 12, KubernetesVersion: "1.32.3", NodeImageVersion: "AKSUbuntu-2204gen2containerd-202502.03.0"},
				}})
		}
		res.Stages = append(res.Stages, sp)
	}
	if err := st.SaveFleet(context.Background(), store.Fleet{At: now, Clusters: clusters}); err != nil {
		b.Fatal(err)
	}
	d, err := New(Options{Engine: planOnly{res}, Store: st, Clock: clock.NewManual(now)})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkFleetPage1000 renders the fleet matrix of 1,000 clusters
// (4,000 table rows with their pools), as a viewer's browser asks for it.
func BenchmarkFleetPage1000(b *testing.B) { benchPage(b, "/", 1000) }

// BenchmarkTimelineSVG1000 draws the timeline of the same fleet.
func BenchmarkTimelineSVG1000(b *testing.B) { benchPage(b, "/timeline.svg", 1000) }

func benchPage(b *testing.B, path string, n int) {
	d := bigFleet(b, n)
	mux := http.NewServeMux()
	for _, rt := range d.Routes() {
		mux.HandleFunc(rt.Pattern, rt.Handler)
	}
	id := auth.Identity{Name: "victor", Role: auth.Viewer}
	size := 0
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", path, nil)
		r = r.WithContext(auth.WithIdentity(r.Context(), id))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d\n%s", path, w.Code, w.Body)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}
