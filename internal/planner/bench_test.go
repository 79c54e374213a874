package planner

import (
	"fmt"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
)

// benchInput is a fleet of n clusters in 4 stages across 5 regions, in the
// middle of a rollout: 1.31.4 is proven in sandbox and dev, test is
// rolling, prod waits; a new node image is out.
func benchInput(b *testing.B, n int) Input {
	b.Helper()
	regions := []string{"westeurope", "northeurope", "eastus", "westus2", "japaneast"}
	byRegion := map[string][]string{}
	for _, r := range regions {
		byRegion[r] = []string{"1.29.9", "1.30.5", "1.30.7", "1.31.2", "1.31.4", "1.32.1"}
	}
	var t testing.T
	pol := fourStages(&t, "")
	stages := []string{"sandbox", "dev", "test", "prod"}
	in := Input{Now: t0, Policy: pol, Catalogs: catalogs(&t, byRegion),
		History: aksupgrade.History{Rollouts: []aksupgrade.Rollout{provenIn(k8s("1.31.4"), t0.Add(-time.Hour), "sandbox", "dev")}}}
	for i := range n {
		st := stages[i%4]
		v := "1.31.2"
		if st == "sandbox" || st == "dev" || i%3 == 0 {
			v = "1.31.4"
		}
		c := cl(fmt.Sprintf("%s-%06d", st, i), st, regions[i%5], v)
		for p := range c.NodePools {
			c.NodePools[p].LatestNodeImageVersion = "AKSUbuntu-2204gen2containerd-202502.03.0"
		}
		in.Clusters = append(in.Clusters, c)
	}
	return in
}

func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("clusters=%d", n), func(b *testing.B) {
			in := benchInput(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				Plan(in)
			}
		})
	}
}
