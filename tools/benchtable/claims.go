package main

// module is the import path the packages below are relative to.
const module = "github.com/aksupgrade/aksupgrade"

// A claim is a figure the project states and the benchmark that backs it.
type claim struct {
	pkg   string // package, relative to module
	bench string // as go test prints it, without the -GOMAXPROCS suffix; also matches its sub-benchmarks
	what  string // the claim in words
	// units are the figures shown, in this order, those the benchmark
	// reports; ns/op is the real time of one operation.
	units []string
	// how says how to get a row that make bench does not run.
	how string
}

// claims are the rows of the table, in order. A benchmark that names no
// sub-benchmark here gets one row per sub-benchmark it ran.
var claims = []claim{
	{pkg: "internal/planner", bench: "BenchmarkPlan/clusters=1000", what: "plan 1,000 clusters", units: []string{"ns/op", "allocs/op"}},
	{pkg: "internal/planner", bench: "BenchmarkPlan/clusters=10000", what: "plan 10,000 clusters", units: []string{"ns/op", "allocs/op"}},
	{pkg: "internal/planner", bench: "BenchmarkPlan/clusters=100000", what: "plan 100,000 clusters", units: []string{"ns/op", "allocs/op"}},
	{pkg: "internal/window", bench: "BenchmarkNextFit", what: "next maintenance-window fit", units: []string{"ns/op", "allocs/op"}},
	{pkg: "internal/store/sqlite", bench: "BenchmarkApply", what: "SQLite: record a stage, durably", units: []string{"ns/op"}},
	{pkg: "internal/store/sqlite", bench: "BenchmarkPutEvent", what: "SQLite: store a new event, durably", units: []string{"ns/op"}},
	{pkg: "internal/store/sqlite", bench: "BenchmarkPutEventDuplicate", what: "SQLite: a redelivered event", units: []string{"ns/op"}},
	{pkg: "internal/azure", bench: "BenchmarkUpgradeRequests", what: "ARM requests per upgrade", units: []string{"requests/upgrade"}},
	{pkg: "internal/azure", bench: "BenchmarkFleetNo429", what: "500 clusters, throttling", units: []string{"429s", "requests", "requests/cluster", "ns/op"}},
	{pkg: "internal/engine", bench: "BenchmarkFleet200", what: "fleet rollout 200 clusters", units: []string{"makespan-h", "projected-h", "requests", "429s", "cpu-s", "peak-heap-MiB"}},
	{pkg: "internal/engine", bench: "BenchmarkFleet1000", what: "fleet rollout 1,000 clusters", units: []string{"makespan-h", "projected-h", "requests", "429s", "cpu-s", "peak-heap-MiB"}, how: "make bench-fleet"},
	{pkg: "internal/eventgrid", bench: "BenchmarkWebhook/sqlite/senders=1/batch=1", what: "webhook intake, 1 sender, 1 event a request", units: []string{"events/s"}},
	{pkg: "internal/eventgrid", bench: "BenchmarkWebhook/sqlite/senders=64/batch=1", what: "webhook intake, 64 senders, 1 event a request", units: []string{"events/s"}},
	{pkg: "internal/eventgrid", bench: "BenchmarkWebhook/sqlite/senders=64/batch=100", what: "webhook intake, 64 senders, 100 events a request", units: []string{"events/s"}},
	{pkg: "internal/eventgrid", bench: "BenchmarkWebhook", what: "webhook intake", units: []string{"events/s"}},
	{pkg: "internal/notify", bench: "BenchmarkDelivery/outbox", what: "notification delivery, durable outbox", units: []string{"msgs/s"}},
	{pkg: "internal/notify", bench: "BenchmarkDelivery/direct", what: "notification delivery, direct (baseline)", units: []string{"msgs/s"}},
	{pkg: "internal/gates", bench: "BenchmarkGateRound/first", what: "gate round 1,000 clusters, first", units: []string{"ns/op", "clusters/s", "arm-requests/op", "throttled/op"}},
	{pkg: "internal/gates", bench: "BenchmarkGateRound/warm", what: "gate round 1,000 clusters, warm", units: []string{"ns/op", "clusters/s", "arm-requests/op", "throttled/op"}},
	{pkg: "internal/dashboard", bench: "BenchmarkFleetPage1000", what: "dashboard fleet page, 1,000 clusters", units: []string{"ns/op", "KiB/page"}},
	{pkg: "internal/dashboard", bench: "BenchmarkTimelineSVG1000", what: "dashboard timeline, 1,000 clusters", units: []string{"ns/op", "KiB/page"}},
	{pkg: "internal/backtest", bench: "BenchmarkReplayMonth", what: "backtest: a month, 2 clusters", units: []string{"ns/op", "steps"}},
	{pkg: "internal/backtest", bench: "BenchmarkReplayTwoYears100", what: "backtest: two years, 100 clusters", units: []string{"ns/op", "upgrades", "ratio-median", "ratio-max"}},
}
