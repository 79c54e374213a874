package sqlite_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/store"
)

// BenchmarkApply records one new stage of a new rollout per operation:
// two inserts, an update and an audit entry in one durable transaction.
func BenchmarkApply(b *testing.B) {
	s := openTemp(b)
	ctx := b.Context()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	for i := 0; b.Loop(); i++ {
		tr := store.Transition{Kind: store.TransitionStarted, Stage: "dev",
			Target: aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: fmt.Sprintf("1.%d.%d", i/1000, i%1000)},
			At:     now.Add(time.Duration(i)), Actor: store.ActorEngine}
		if err := s.Apply(ctx, tr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutEvent stores one new event per operation, durably.
func BenchmarkPutEvent(b *testing.B) {
	s := openTemp(b)
	ctx := b.Context()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	data := []byte(`{"latestSupportedKubernetesVersion":"1.31.4","latestKubernetesVersion":"1.32.0"}`)
	for i := 0; b.Loop(); i++ {
		e := store.Event{Key: store.EventKey{Source: "eventgrid", ID: fmt.Sprint(i)},
			Type: "Microsoft.ContainerService.NewKubernetesVersionAvailable", Time: now, ReceivedAt: now.Add(time.Duration(i)), Data: data}
		if ok, err := s.PutEvent(ctx, e); err != nil || !ok {
			b.Fatalf("PutEvent = %t, %v", ok, err)
		}
	}
}

// BenchmarkPutEventDuplicate is a redelivery: nothing to write.
func BenchmarkPutEventDuplicate(b *testing.B) {
	s := openTemp(b)
	ctx := b.Context()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	e := store.Event{Key: store.EventKey{Source: "eventgrid", ID: "1"}, Type: "t", Time: now, ReceivedAt: now}
	if _, err := s.PutEvent(ctx, e); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := s.PutEvent(ctx, e); err != nil || ok {
			b.Fatalf("PutEvent = %t, %v", ok, err)
		}
	}
}
