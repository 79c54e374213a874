package gates_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aksupgrade/aksupgrade"
	"github.com/aksupgrade/aksupgrade/internal/clock"
	"github.com/aksupgrade/aksupgrade/internal/gates"
	"github.com/aksupgrade/aksupgrade/internal/policy"
)

// TestProbe: a probe passes on the expected status, fails on another or
// when nothing answers in time, with the cluster's name in its URL.
func TestProbe(t *testing.T) {
	stall := make(chan struct{})
	t.Cleanup(func() { close(stall) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/dev-1/healthz":
			w.WriteHeader(http.StatusOK)
		case "/dev-2/healthz":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/dev-3/healthz":
			select { // answers only after the probe gave up
			case <-stall:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(srv.Close)
	k := gates.New(gates.Options{Clock: clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))})
	g := policy.Gates{Probes: []policy.Probe{{Name: "web", URL: srv.URL + "/{cluster}/healthz", ExpectStatus: 200, Timeout: 200 * time.Millisecond, Mode: aksupgrade.GateBlock}}}
	for _, tc := range []struct {
		cluster string
		verdict aksupgrade.GateVerdict
		saw     string
	}{
		{"dev-1", aksupgrade.GatePassed, "answered 200"},
		{"dev-2", aksupgrade.GateFailed, "answered 503, want 200"},
		{"dev-3", aksupgrade.GateFailed, "no answer within 200ms"},
	} {
		c := aksupgrade.Cluster{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/" + tc.cluster, Name: tc.cluster}
		rs := k.Postflight(t.Context(), c, aksupgrade.Target{Kind: aksupgrade.TargetKubernetes, Version: "1.31.5"}, g)
		if len(rs) != 1 {
			t.Fatalf("%s: %d results, want 1", tc.cluster, len(rs))
		}
		r := rs[0]
		if r.Verdict != tc.verdict || !strings.Contains(r.Saw, tc.saw) || !strings.Contains(r.Saw, "/"+tc.cluster+"/") {
			t.Errorf("%s: %s, %q; want %s saying %q", tc.cluster, r.Verdict, r.Saw, tc.verdict, tc.saw)
		}
		if r.Blocks() != (tc.verdict != aksupgrade.GatePassed) {
			t.Errorf("%s: Blocks() = %v", tc.cluster, r.Blocks())
		}
	}
}
