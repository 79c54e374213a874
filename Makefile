# Developer tasks. `make test` is what CI runs (see .ci/run).
GO ?= go

.PHONY: test test-short test-crash lint bench bench-fleet fuzz build release

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/planner/ ./internal/window/ ./internal/store/sqlite/
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/azure/

# The 1,000-cluster fleet run (several minutes).
bench-fleet:
	$(GO) test -run '^$$' -bench BenchmarkFleet -benchtime 1x -timeout 60m ./internal/engine/

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 30s ./internal/policy/
