# Developer tasks. `make test` is what CI runs (see .ci/run).
GO ?= go

.PHONY: test test-short test-crash lint bench bench-raw bench-fleet fuzz build release

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/aksupgrade ./cmd/aksupgrade

# Static binaries for every platform people run the CLI on, stamped with
# VERSION (aksupgrade version), with their SHA-256 sums, in dist/.
release:
	rm -rf dist && mkdir -p dist
	for p in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" \
	    -o dist/aksupgrade-$(VERSION)-$$os-$$arch$$ext ./cmd/aksupgrade || exit 1; \
	done
	cd dist && sha256sum aksupgrade-* > SHA256SUMS

# The README's test command, with vet first.
test:
	$(GO) vet ./...
	$(GO) test ./...

# A quick run: fewer random fleets in the property tests.
test-short:
	$(GO) test -short ./...

# The linters .ci/run runs, at the versions it pins.
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	$(GO) run github.com/kisielk/errcheck@v1.30.0 -ignoretests -exclude .ci/errcheck-excludes.txt ./...

# The crash-safety runs with many seeds, as CI runs them.
test-crash:
	$(GO) test -count=1 -run TestCrashSafety -timeout 30m ./internal/engine/ -args -crash.seeds=8

# The benchmarks behind the performance claims, as one table of medians
# (docs/performance.md; the claims are in tools/benchtable/claims.go).
# About 5 minutes on 2 cores, plus the minutes of the two-year backtest
# (BenchmarkReplayTwoYears100, run once). The raw output is kept in
# bench.out. The 1,000-cluster fleet rollout is not in it: make
# bench-fleet. Fails when a benchmark fails, after the table.
bench:
	@st=$$(mktemp); \
	{ $(MAKE) --no-print-directory bench-raw 2>&1; echo $$? > "$$st"; } | tee bench.out; \
	raw=$$(cat "$$st"); rm -f "$$st"; \
	echo; $(GO) run ./tools/benchtable < bench.out || exit 1; \
	if [ "$$raw" != 0 ]; then echo "make bench: a benchmark run failed (exit $$raw), see bench.out" >&2; exit 1; fi

# The same benchmarks, raw go test output: the quick ones 3 times, the
# long ones (a round or a whole rollout per operation) once, the gate
# round 3 times. One go test per package: a package that does not build
# fails alone (go test -bench over several packages runs none of the
# first package's benchmarks when any of them fails to build). Every one
# runs even when one before it failed; the status is 1 if any did.
BENCH_QUICK = -run '^$$' -benchmem -count 3
BENCH_LONG = -run '^$$' -benchtime 1x -timeout 30m

bench-raw:
	@st=0; set -x; \
	$(GO) test $(BENCH_QUICK) -bench '^BenchmarkPlan$$' ./internal/planner/ || st=1; \
	$(GO) test $(BENCH_QUICK) -bench '^BenchmarkNextFit$$' ./internal/window/ || st=1; \
	$(GO) test $(BENCH_QUICK) -bench '^(BenchmarkApply|BenchmarkPutEvent|BenchmarkPutEventDuplicate)$$' ./internal/store/sqlite/ || st=1; \
	$(GO) test $(BENCH_QUICK) -bench '^BenchmarkWebhook$$/sqlite' ./internal/eventgrid/ || st=1; \
	$(GO) test $(BENCH_QUICK) -bench '^BenchmarkDelivery$$' ./internal/notify/ || st=1; \
	$(GO) test $(BENCH_QUICK) -bench '^(BenchmarkFleetPage1000|BenchmarkTimelineSVG1000)$$' ./internal/dashboard/ || st=1; \
	$(GO) test $(BENCH_QUICK) -bench '^BenchmarkReplayMonth$$' ./internal/backtest/ || st=1; \
	$(GO) test $(BENCH_LONG) -bench '^(BenchmarkUpgradeRequests|BenchmarkFleetNo429)$$' ./internal/azure/ || st=1; \
	$(GO) test $(BENCH_LONG) -bench '^BenchmarkGateRound$$' -count 3 ./internal/gates/ || st=1; \
	$(GO) test $(BENCH_LONG) -bench '^BenchmarkFleet200$$' ./internal/engine/ || st=1; \
	$(GO) test $(BENCH_LONG) -bench '^BenchmarkReplayTwoYears100$$' ./internal/backtest/ || st=1; \
	exit $$st

# The 1,000-cluster fleet run (several minutes).
bench-fleet:
	$(GO) test -run '^$$' -bench BenchmarkFleet -benchtime 1x -timeout 60m ./internal/engine/

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./internal/policy/
