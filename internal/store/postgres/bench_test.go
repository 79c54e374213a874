package postgres_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
	"github.com/aksupgrade/aksupgrade/internal/store/sqlite"
)

// The benchmarks run on both stores, so that one run compares them:
//
//	go test -run '^$' -bench . ./internal/store/postgres/
//
// Both commit durably (PostgreSQL's synchronous_commit as the server has
// it, on by default; SQLite's synchronous=FULL).

// stores returns the stores to compare, each opened fresh for b.
func stores() []struct {
	name string
	open func(b *testing.B) store.Store
} {
	return []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"postgres", func(b *testing.B) store.Store { return openStore(b, newSchema(b).dsn) }},
		{"sqlite", func(b *testing.B) store.Store {
			s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "aksupgrade.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}},
	}
}

// BenchmarkRecord records one fact per operation, as the engine does when
// a cluster starts on a target: a new rollout and stage, the cluster's
// run, their audit entries, and an event, in one durable transaction.
func BenchmarkRecord(b *testing.B) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	for _, st := range stores() {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ctx := b.Context()
			for i := 0; b.Loop(); i++ {
				target := aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: fmt.Sprintf("1.%d.%d", i/1000, i%1000)}
				at := now.Add(time.Duration(i))
				got, err := s.Record(ctx, store.Fact{
					Transitions: []store.Transition{{Kind: store.TransitionStarted, Stage: "dev", Target: target, At: at, Actor: store.ActorEngine}},
					Run: &store.Run{ClusterID: fmt.Sprintf("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-%d", i%50),
						Stage: "dev", Target: target, State: store.RunPreflight, UpdatedAt: at},
					Events: []store.Event{{Key: store.EventKey{Source: "aksupgrade/engine", ID: fmt.Sprint(i)}, Type: "aksupgrade.StageStarted",
						Time: at, ReceivedAt: at, Data: []byte(`{"stage":"dev"}`)}},
				})
				if err != nil || !got.Changed || got.Events != 1 {
					b.Fatalf("Record = %+v, %v", got, err)
				}
			}
		})
	}
}

// BenchmarkPutEvent stores one new event per operation, durably.
func BenchmarkPutEvent(b *testing.B) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	data := []byte(`{"latestSupportedKubernetesVersion":"1.31.4","latestKubernetesVersion":"1.32.0"}`)
	for _, st := range stores() {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ctx := b.Context()
			for i := 0; b.Loop(); i++ {
				e := store.Event{Key: store.EventKey{Source: "eventgrid", ID: fmt.Sprint(i)},
					Type: "Microsoft.ContainerService.NewKubernetesVersionAvailable", Time: now, ReceivedAt: now.Add(time.Duration(i)), Data: data}
				if ok, err := s.PutEvent(ctx, e); err != nil || !ok {
					b.Fatalf("PutEvent = %t, %v", ok, err)
				}
			}
		})
	}
}

// BenchmarkPutEventDuplicate is a redelivery: nothing to write.
func BenchmarkPutEventDuplicate(b *testing.B) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	e := store.Event{Key: store.EventKey{Source: "eventgrid", ID: "1"}, Type: "t", Time: now, ReceivedAt: now}
	for _, st := range stores() {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ctx := b.Context()
			if _, err := s.PutEvent(ctx, e); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if ok, err := s.PutEvent(ctx, e); err != nil || ok {
					b.Fatalf("PutEvent = %t, %v", ok, err)
				}
			}
		})
	}
}
