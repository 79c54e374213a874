package main

import (
	"bytes"
	"strings"
	"testing"
)

// sample is go test -bench output as make bench prints it: -count 3 for
// the quick benchmarks (with -benchmem), once for the long ones, custom
// metrics, sub-benchmarks, a benchmark's log (--- BENCH), figures that
// come on the line after the name because the benchmark logged to
// stderr meanwhile, and a benchmark no claim names.
const sample = `+ go test -run ^$ -bench ^(BenchmarkPlan|BenchmarkDelivery)$ -benchmem -count 3 ./internal/planner/ ./internal/notify/
goos: linux
goarch: amd64
pkg: github.com/aksupgrade/aksupgrade/internal/planner
cpu: Oxide Virtual Turin-like Processor             
BenchmarkPlan/clusters=1000-2         	     199	   7287415 ns/op	 1782319 B/op	   13457 allocs/op
BenchmarkPlan/clusters=1000-2         	     135	   8792035 ns/op	 1782344 B/op	   13457 allocs/op
BenchmarkPlan/clusters=1000-2         	     188	   5687884 ns/op	 1782579 B/op	   13459 allocs/op
BenchmarkPlan/clusters=10000-2        	      27	  43612411 ns/op	17884631 B/op	  129354 allocs/op
BenchmarkPlan/clusters=10000-2        	      30	  40040899 ns/op	17884629 B/op	  129354 allocs/op
BenchmarkPlan/clusters=10000-2        	      27	  42357940 ns/op	17884563 B/op	  129353 allocs/op
BenchmarkPlan/clusters=100000-2       	       2	 912049824 ns/op	191836748 B/op	 1287363 allocs/op
BenchmarkPlan/clusters=100000-2       	       2	 546251979 ns/op	191836536 B/op	 1287360 allocs/op
BenchmarkPlan/clusters=100000-2       	       2	1635755828 ns/op	191836324 B/op	 1287359 allocs/op
PASS
ok  	github.com/aksupgrade/aksupgrade/internal/planner	13.021s
goos: linux
goarch: amd64
pkg: github.com/aksupgrade/aksupgrade/internal/notify
cpu: Oxide Virtual Turin-like Processor             
BenchmarkDelivery/outbox-2         	    1126	   1094073 ns/op	       914.0 msgs/s	   48213 B/op	     611 allocs/op
BenchmarkDelivery/outbox-2         	    1228	   1305969 ns/op	       765.7 msgs/s	   48190 B/op	     611 allocs/op
BenchmarkDelivery/outbox-2         	    1320	   1271541 ns/op	       786.4 msgs/s	   48201 B/op	     611 allocs/op
BenchmarkDelivery/direct-2         	   13442	     82652 ns/op	     12099 msgs/s	    9113 B/op	     104 allocs/op
BenchmarkDelivery/direct-2         	   13788	     95677 ns/op	     10452 msgs/s	    9109 B/op	     104 allocs/op
BenchmarkDelivery/direct-2         	   17628	     72208 ns/op	     13849 msgs/s	    9120 B/op	     104 allocs/op
BenchmarkNotifierCatchUp-2         	      10	 104000000 ns/op	 9876543 B/op	   81234 allocs/op
BenchmarkNotifierCatchUp-2         	      10	 100000000 ns/op	 9876543 B/op	   81234 allocs/op
PASS
ok  	github.com/aksupgrade/aksupgrade/internal/notify	14.123s
+ go test -run ^$ -bench ^BenchmarkWebhook$/sqlite -count 3 ./internal/eventgrid/
goos: linux
goarch: amd64
pkg: github.com/aksupgrade/aksupgrade/internal/eventgrid
cpu: Oxide Virtual Turin-like Processor             
BenchmarkWebhook/sqlite/senders=1/batch=1-2 	     930	   1153251 ns/op	       867.1 events/s	   1153251 ns/event
BenchmarkWebhook/sqlite/senders=1/batch=1-2 	    1081	   1460487 ns/op	       684.7 events/s	   1460487 ns/event
BenchmarkWebhook/sqlite/senders=1/batch=1-2 	    1058	   1150021 ns/op	       869.5 events/s	   1150021 ns/event
BenchmarkWebhook/sqlite/senders=1/batch=100-2         	     100	  11543961 ns/op	      8663 events/s	    115440 ns/event
BenchmarkWebhook/sqlite/senders=1/batch=100-2         	     100	  10547792 ns/op	      9481 events/s	    105478 ns/event
BenchmarkWebhook/sqlite/senders=1/batch=100-2         	     100	  11888545 ns/op	      8411 events/s	    118885 ns/event
BenchmarkWebhook/sqlite/senders=64/batch=1-2          	    5434	    232054 ns/op	      4309 events/s	    232054 ns/event
BenchmarkWebhook/sqlite/senders=64/batch=1-2          	    6675	    222292 ns/op	      4499 events/s	    222292 ns/event
BenchmarkWebhook/sqlite/senders=64/batch=1-2          	   11940	    207206 ns/op	      4826 events/s	    207206 ns/event
PASS
ok  	github.com/aksupgrade/aksupgrade/internal/eventgrid	36.567s
+ go test -run ^$ -bench ^BenchmarkGateRound$ -benchtime 1x -count 3 ./internal/gates/
goos: linux
goarch: amd64
pkg: github.com/aksupgrade/aksupgrade/internal/gates
cpu: Oxide Virtual Turin-like Processor             
BenchmarkGateRound/warm/par=16-2   	       1	2302480499 ns/op	         0 arm-requests/op	       434.3 clusters/s	         0 credential-requests/op	      4000 kube-requests/op	      1000 probe-requests/op	         0 sim-s/op	         0 throttled/op
--- BENCH: BenchmarkGateRound/warm/par=16-2
    bench_test.go:317: 1 rounds: 2.302s real per round, 434 clusters/s; per round 0 ARM requests (0 credentials), 4000 Kubernetes, 1000 probes, 0 answered 429, 0 simulated s; 0 of 6000 gate results not passed
BenchmarkGateRound/warm/par=16-2   	       1	2471318072 ns/op	         0 arm-requests/op	       404.6 clusters/s	         0 credential-requests/op	      4000 kube-requests/op	      1000 probe-requests/op	         0 sim-s/op	         0 throttled/op
--- BENCH: BenchmarkGateRound/warm/par=16-2
    bench_test.go:317: 1 rounds: 2.471s real per round, 405 clusters/s; per round 0 ARM requests (0 credentials), 4000 Kubernetes, 1000 probes, 0 answered 429, 0 simulated s; 0 of 6000 gate results not passed
PASS
ok  	github.com/aksupgrade/aksupgrade/internal/gates	27.796s
+ go test -run ^$ -bench ^(BenchmarkUpgradeRequests|BenchmarkFleetNo429|BenchmarkFleet200)$ -benchtime 1x -timeout 30m ./internal/azure/ ./internal/engine/
goos: linux
goarch: amd64
pkg: github.com/aksupgrade/aksupgrade/internal/azure
cpu: Oxide Virtual Turin-like Processor             
BenchmarkUpgradeRequests-2   	       1	  55399866 ns/op	       261.0 requests/upgrade
BenchmarkFleetNo429-2        	       1	2422748996 ns/op	         0 429s	     11005 requests	        22.01 requests/cluster
PASS
ok  	github.com/aksupgrade/aksupgrade/internal/azure	2.532s
goos: linux
goarch: amd64
pkg: github.com/aksupgrade/aksupgrade/internal/engine
cpu: Oxide Virtual Turin-like Processor             
BenchmarkFleet200-2   	time=2026-03-02T00:00:00.000Z level=INFO msg="engine started" clusters=200
time=2026-03-02T00:00:00.000Z level=INFO msg="fleet listed" clusters=200
       1	37001940856 ns/op	         0 429s	        35.01 cpu-s	        76.17 makespan-h	        93.67 maxrss-MiB	        28.87 peak-heap-MiB	        75.93 projected-h	     25523 requests
PASS
ok  	github.com/aksupgrade/aksupgrade/internal/engine	37.076s
`

// table runs the tool on input and returns its table as rows of cells
// keyed by the benchmark cell, its status and its standard error.
func table(t *testing.T, input string, all bool) (map[string][]string, []string, int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	status := run(strings.NewReader(input), &stdout, &stderr, all)
	cells := map[string][]string{}
	var order []string
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "| ---") {
		t.Fatalf("not a Markdown table:\n%s", stdout.String())
	}
	width := len([]rune(lines[0]))
	for _, l := range lines {
		if len([]rune(l)) != width {
			t.Errorf("line not aligned with the header:\n%s\n%s", lines[0], l)
		}
	}
	for _, l := range lines[2:] {
		var cs []string
		for _, c := range strings.Split(strings.Trim(l, "|"), " | ") {
			cs = append(cs, strings.TrimSpace(c))
		}
		if len(cs) != 4 {
			t.Fatalf("row %q: %d cells", l, len(cs))
		}
		cells[cs[1]] = cs
		order = append(order, cs[1])
	}
	return cells, order, status, stderr.String()
}

func TestSample(t *testing.T) {
	rows, order, status, stderr := table(t, sample, true)
	if status != 0 || stderr != "" {
		t.Errorf("status %d, stderr %q; want 0 and nothing", status, stderr)
	}
	for _, tt := range []struct {
		bench, claim, runs, figures string
	}{
		// Medians of 3: 7287415, 13457; 42357940, 129354; 912049824.
		{"internal/planner BenchmarkPlan/clusters=1000", "plan 1,000 clusters", "3", "7.29 ms/op, 13,457 allocs/op"},
		{"internal/planner BenchmarkPlan/clusters=10000", "plan 10,000 clusters", "3", "42.4 ms/op, 129,354 allocs/op"},
		{"internal/planner BenchmarkPlan/clusters=100000", "plan 100,000 clusters", "3", "912 ms/op, 1,287,360 allocs/op"},
		{"internal/notify BenchmarkDelivery/outbox", "notification delivery, durable outbox", "3", "786 msgs/s"},
		{"internal/notify BenchmarkDelivery/direct", "notification delivery, direct (baseline)", "3", "12,099 msgs/s"},
		{"internal/eventgrid BenchmarkWebhook/sqlite/senders=1/batch=1", "webhook intake, 1 sender, 1 event a request", "3", "867 events/s"},
		{"internal/eventgrid BenchmarkWebhook/sqlite/senders=64/batch=1", "webhook intake, 64 senders, 1 event a request", "3", "4,499 events/s"},
		// No claim of its own: the general one, with the sub-benchmark.
		{"internal/eventgrid BenchmarkWebhook/sqlite/senders=1/batch=100", "webhook intake (sqlite/senders=1/batch=100)", "3", "8,663 events/s"},
		// Median of 2: the mean of the two.
		{"internal/gates BenchmarkGateRound/warm/par=16", "gate round 1,000 clusters, warm (par=16)", "2", "2.39 s/op, 419 clusters/s, 0 arm-requests/op, 0 throttled/op"},
		{"internal/azure BenchmarkUpgradeRequests", "ARM requests per upgrade", "1", "261 requests/upgrade"},
		{"internal/azure BenchmarkFleetNo429", "500 clusters, throttling", "1", "0 429s, 11,005 requests, 22.0 requests/cluster, 2.42 s/op"},
		// Figures on the line after the name, log lines between.
		{"internal/engine BenchmarkFleet200", "fleet rollout 200 clusters", "1", "76.2 makespan-h, 75.9 projected-h, 25,523 requests, 0 429s, 35.0 cpu-s, 28.9 peak-heap-MiB"},
		{"internal/engine BenchmarkFleet1000", "fleet rollout 1,000 clusters", "0", "not run: make bench-fleet"},
		{"internal/eventgrid BenchmarkWebhook/sqlite/senders=64/batch=100", "webhook intake, 64 senders, 100 events a request", "0", "not run"},
		{"internal/backtest BenchmarkReplayTwoYears100", "backtest: two years, 100 clusters", "0", "not run"},
		// No claim: the raw name and the median time (of 2: 102 ms).
		{"internal/notify BenchmarkNotifierCatchUp", "—", "2", "102 ms/op"},
	} {
		got, ok := rows[tt.bench]
		if !ok {
			t.Errorf("no row for %s", tt.bench)
			continue
		}
		if want := []string{tt.claim, tt.bench, tt.runs, tt.figures}; strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("row\n got %q\nwant %q", got, want)
		}
	}
	if _, ok := rows["internal/eventgrid BenchmarkWebhook"]; ok {
		t.Error("the general webhook claim has a not-run row; the specific ones say it")
	}
	if len(rows) != len(order) {
		t.Errorf("%d rows, %d distinct benchmarks: a benchmark has two rows", len(order), len(rows))
	}
	// Claims in their order, unclaimed benchmarks last.
	if order[0] != "internal/planner BenchmarkPlan/clusters=1000" || order[len(order)-1] != "internal/notify BenchmarkNotifierCatchUp" {
		t.Errorf("order %q", order)
	}
}

func TestOnlyRun(t *testing.T) {
	rows, _, status, _ := table(t, sample, false)
	if status != 0 {
		t.Errorf("status %d", status)
	}
	for b, r := range rows {
		if strings.HasPrefix(r[3], "not run") {
			t.Errorf("-all=false: %s not run has a row", b)
		}
	}
	if _, ok := rows["internal/planner BenchmarkPlan/clusters=1000"]; !ok {
		t.Error("-all=false: no row for a benchmark that ran")
	}
}

func TestFailure(t *testing.T) {
	for _, tt := range []struct {
		name, input, bench, figures string
	}{
		{"fail", `pkg: github.com/aksupgrade/aksupgrade/internal/azure
BenchmarkUpgradeRequests-2   	       1	  55399866 ns/op	       261.0 requests/upgrade
BenchmarkFleetNo429-2        	--- FAIL: BenchmarkFleetNo429-2
    bench_test.go:182: the simulator throttled 12 requests
FAIL
exit status 1
FAIL	github.com/aksupgrade/aksupgrade/internal/azure	3.101s
`, "internal/azure BenchmarkFleetNo429", "FAIL"},
		{"panic", `pkg: github.com/aksupgrade/aksupgrade/internal/azure
BenchmarkUpgradeRequests-2   	       1	  55399866 ns/op	       261.0 requests/upgrade
BenchmarkFleetNo429-2        	panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x7c1a2f]

goroutine 7 [running]:
`, "internal/azure BenchmarkFleetNo429", "FAIL"},
		// A sub-benchmark failed: its row says so, not its parent's.
		{"sub-benchmark", `pkg: github.com/aksupgrade/aksupgrade/internal/gates
BenchmarkGateRound/first/par=1-2   	       1	4704831109 ns/op	      1016 arm-requests/op	       212.5 clusters/s	         0 throttled/op
--- FAIL: BenchmarkGateRound/first/par=16
    bench_test.go:360: 3 of 6000 gate results not passed
--- FAIL: BenchmarkGateRound/first
--- FAIL: BenchmarkGateRound
FAIL
`, "internal/gates BenchmarkGateRound/first/par=16", "FAIL"},
		// Failed before any sub-benchmark ran: the claims under it.
		{"parent", `pkg: github.com/aksupgrade/aksupgrade/internal/gates
--- FAIL: BenchmarkGateRound
    bench_test.go:301: listing the fleet: connection refused
FAIL
FAIL	github.com/aksupgrade/aksupgrade/internal/gates	0.412s
`, "internal/gates BenchmarkGateRound/warm", "FAIL"},
		// The package did not build: its benchmarks did not run.
		{"build", `+ go test -run ^$ -benchmem -count 3 -bench ^BenchmarkReplayMonth$ ./internal/backtest/
# github.com/aksupgrade/aksupgrade/internal/backtest [github.com/aksupgrade/aksupgrade/internal/backtest.test]
internal/backtest/operator.go:128:46: in.Builtin undefined (type Input has no field or method Builtin)
FAIL	github.com/aksupgrade/aksupgrade/internal/backtest [build failed]
FAIL
+ go test -run ^$ -benchmem -count 3 -bench ^BenchmarkDelivery$ ./internal/notify/
pkg: github.com/aksupgrade/aksupgrade/internal/notify
BenchmarkDelivery/outbox-2         	    1075	   1003747 ns/op	       996.3 msgs/s	   16328 B/op	     233 allocs/op
PASS
ok  	github.com/aksupgrade/aksupgrade/internal/notify	10.456s
`, "internal/backtest BenchmarkReplayTwoYears100", "FAIL (build failed)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows, _, status, stderr := table(t, tt.input, true)
			if status != 1 {
				t.Errorf("status %d, want 1", status)
			}
			if !strings.Contains(stderr, "failure") {
				t.Errorf("stderr %q tells no failure", stderr)
			}
			if r, ok := rows[tt.bench]; !ok || r[3] != tt.figures {
				t.Errorf("row %q, want figures %q", r, tt.figures)
			}
			for b, r := range rows {
				if strings.HasPrefix(r[0], "—") && r[3] == "FAIL" {
					t.Errorf("%s: a failed parent has a row of its own", b)
				}
			}
			if r := rows["internal/azure BenchmarkUpgradeRequests"]; tt.name == "fail" && r[3] != "261 requests/upgrade" {
				t.Errorf("what ran before the failure: %q", r)
			}
		})
	}
}

func TestNoResults(t *testing.T) {
	_, _, status, stderr := table(t, "no Go files in /work/main\n", true)
	if status != 1 || !strings.Contains(stderr, "no benchmark results") {
		t.Errorf("status %d, stderr %q", status, stderr)
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		unit string
		want string
	}{
		{123.6, "ns/op", "124 ns/op"},
		{1.5, "ns/op", "1.50 ns/op"},
		{0.25, "ns/op", "0.25 ns/op"},
		{29990, "ns/op", "30.0 µs/op"},
		{1094073, "ns/op", "1.09 ms/op"},
		{37001940856, "ns/op", "37.0 s/op"},
		{1234567890123, "ns/op", "1235 s/op"},
		{512, "B/op", "512 B/op"},
		{7056, "B/op", "6.89 KiB/op"},
		{191836748, "B/op", "183 MiB/op"},
		{0, "allocs/op", "0 allocs/op"},
		{1287360, "allocs/op", "1,287,360 allocs/op"},
		{12099.4, "msgs/s", "12,099 msgs/s"},
		{867.1, "events/s", "867 events/s"},
		{76.17, "makespan-h", "76.2 makespan-h"},
		{1.0345, "ratio-max", "1.03 ratio-max"},
		{6.828, "KiB/page", "6.83 KiB/page"},
		{0.0123, "x", "0.0123 x"},
		{-2500, "x", "-2,500 x"},
	} {
		if got := format(tt.v, tt.unit); got != tt.want {
			t.Errorf("format(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

func TestTrimProcs(t *testing.T) {
	for in, want := range map[string]string{
		"BenchmarkPlan/clusters=1000-2": "BenchmarkPlan/clusters=1000",
		"BenchmarkFleet200-16":          "BenchmarkFleet200",
		"BenchmarkFleet200":             "BenchmarkFleet200",
		"BenchmarkX/a-b":                "BenchmarkX/a-b",
		"BenchmarkX-":                   "BenchmarkX-",
	} {
		if got := trimProcs(in); got != want {
			t.Errorf("trimProcs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClaimsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range claims {
		k := c.pkg + " " + c.bench
		if seen[k] {
			t.Errorf("%s claimed twice", k)
		}
		seen[k] = true
		if !strings.HasPrefix(c.bench, "Benchmark") || strings.HasPrefix(c.pkg, "/") || c.what == "" || len(c.units) == 0 {
			t.Errorf("claim %+v", c)
		}
	}
}
