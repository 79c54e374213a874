# Developer tasks. `make test` is what CI runs (see .ci/run).
GO ?= go

.PHONY: test test-short test-crash lint bench bench-fleet fuzz build

build:
	$(GO) build -o bin/aksupgrade ./cmd/aksupgrade

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/planner/ ./internal/window/ ./internal/store/sqlite/
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/azure/

# The 1,000-cluster fleet run (several minutes).
bench-fleet:
	$(GO) test -run '^$$' -bench BenchmarkFleet -benchtime 1x -timeout 60m ./internal/engine/

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./internal/policy/
