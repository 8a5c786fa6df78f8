# radosswift: `make run` starts a local stack, `make test` runs every test against real Ceph,
# `make test-unit` every test that needs no Ceph (in seconds), `make lint` the linters.
# Every target installs what it needs first (scripts/deps is idempotent and quick).

GO      ?= go
BIN     := bin/radosswift
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/radosswift/radosswift/version.Version=$(VERSION)
RUN_DIR ?= $(CURDIR)/.run

.PHONY: bench-db all deps build test test-unit bench bench-engine conformance run stop lint clean

all: build

deps:
	@scripts/deps

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/radosswift

test: build
	scripts/run-tests

# test-unit: every test that needs no Ceph, without one: the environment's test bed
# variables are dropped, so Ceph tests skip, the object protocol tests run on the memory
# engine (diskfile/memengine), and RADOSSWIFT_E2E=0 turns off the tests that start stacks
# or deployments of their own.
test-unit: deps
	env -u CEPH_DEV_DIR -u RADOSSWIFT_CEPH_CONF -u RADOSSWIFT_REQUIRE_CEPH -u RADOSSWIFT_TEST_ENGINE \
		RADOSSWIFT_E2E=0 $(GO) test -count=1 ./...

# bench: the standard comparison (radosswift bench): 4 KiB and 1 MiB, concurrency 1, 16
# and 64, PUT and GET, against the object server, the proxy, raw librados and stock Swift's
# Python object server, plus the harness's own ceiling; on a private stack (scripts/run-stack
# in a temp dir, on free ports, so make run's stack may stay up) that is always torn down.
# Writes bench/results/DATE/ (report.md, results.json, chart.png); about 6 minutes.
BENCH_DIR ?= bench/results/$(shell date -u +%Y-%m-%d)

bench: build
	@set -eu; \
	stack=$$(mktemp -d /tmp/radosswift-bench.XXXXXX); \
	trap 'scripts/run-stack down "$$stack" >/dev/null 2>&1 || true' EXIT; \
	trap 'exit 130' INT TERM; \
	set -- $$(scripts/free-ports 4); \
	export RUN_STACK_PROXY_PORT=$$1 RUN_STACK_OBJECT_PORT=$$2 RUN_STACK_CONTAINER_PORT=$$3 RUN_STACK_ACCOUNT_PORT=$$4; \
	echo "bench: starting a stack in $$stack (log: $$stack.log), proxy on $$1, object server on $$2"; \
	scripts/run-stack up "$$stack" >"$$stack.log" 2>&1 || { tail -n 30 "$$stack.log"; exit 1; }; \
	. "$$stack/ceph/env"; \
	load=$$(cut -d' ' -f1-3 /proc/loadavg); \
	$(BIN) bench --out "$(BENCH_DIR)" --object-server-pid-file "$$stack/run/object-server.pid" \
		--object-server "http://127.0.0.1:$$RUN_STACK_OBJECT_PORT" --proxy-url "http://127.0.0.1:$$RUN_STACK_PROXY_PORT/auth/v1.0" \
		--title "radosswift benchmark, $$(date -u +%Y-%m-%d)" \
		--preamble "radosswift $(VERSION); $$(ceph --version | cut -d' ' -f1-3); Swift $$(dpkg-query -W -f='$${Version}' python3-swift 2>/dev/null); \
	the local stack of scripts/run-stack (one-node memstore Ceph test bed: one mon, one mgr, one OSD, pool size 1; \
	Debian's Swift proxy; radosswift's object, container and account servers on RADOS), all on this machine; \
	$$(nproc) cores, $$(. /etc/os-release && echo "$$PRETTY_NAME"); load average before: $$load. \
	The harness runs on the same machine and shares its cores with every server and with Ceph." \
		$(BENCH_ARGS); \
	echo "Load average after: $$(cut -d' ' -f1-3 /proc/loadavg)." >>"$(BENCH_DIR)/report.md"; \
	rm -f "$$stack.log"; \
	echo; echo "bench: written to $(BENCH_DIR)/ (report.md, results.json, chart.png)"

# bench-engine: the engine against raw go-ceph (small-object PUT/GET, default sizes and
# concurrency) and the engine's memory on one 1 GiB object, on a private test bed that
# is always torn down; the report goes to bench/results/engine-DATE.md (about 4 minutes).
BENCH_OUT ?= bench/results/engine-$(shell date -u +%Y-%m-%d).md

bench-engine: build
	@set -eu; \
	bed=$$(mktemp -d /tmp/radosswift-bench.XXXXXX); \
	trap 'scripts/ceph-dev down "$$bed" >/dev/null 2>&1 || true' EXIT; \
	trap 'exit 130' INT TERM; \
	scripts/ceph-dev up "$$bed"; \
	. "$$bed/env"; \
	mkdir -p "$$(dirname "$(BENCH_OUT)")"; \
	{ \
		echo "# Engine benchmark, $$(date -u +%Y-%m-%d)"; \
		echo; \
		echo "radosswift $(VERSION); $$(ceph --version | cut -d' ' -f1-3); one-node memstore Ceph test bed"; \
		echo "(scripts/ceph-dev: one mon, one mgr, one OSD, pool size 1, on this machine);"; \
		echo "$$(nproc) cores, $$(. /etc/os-release && echo "$$PRETTY_NAME"), load average before: $$(cut -d' ' -f1-3 /proc/loadavg)."; \
		echo; \
		$(BIN) bench-engine; \
		echo; \
		$(BIN) bench-engine --large 1GiB; \
		echo; \
		echo "Load average after: $$(cut -d' ' -f1-3 /proc/loadavg)."; \
	} > "$(BENCH_OUT).tmp"; \
	mv "$(BENCH_OUT).tmp" "$(BENCH_OUT)"; \
	echo; cat "$(BENCH_OUT)"; echo; echo "bench: written to $(BENCH_OUT)"

# bench-db: a container of 1 000 000 rows on the RADOS omap backend, loaded through the DB
# layer, then pages of 10 000 names timed at its start, middle and end in both directions,
# and one-row merges (the container update path), on a private test bed that is always
# torn down (about 2 minutes; RADOSDB_BENCH_ROWS sets the row count).
bench-db: deps
	@set -eu; \
	bed=$$(mktemp -d /tmp/radosswift-bench.XXXXXX); \
	trap 'scripts/ceph-dev down "$$bed" >/dev/null 2>&1 || true' EXIT; \
	trap 'exit 130' INT TERM; \
	scripts/ceph-dev up "$$bed" >/dev/null; \
	. "$$bed/env"; \
	go test -count=1 -run '^$$' -bench ListPage -benchtime 1x -v ./accountdb/radosdb/ | grep -v '^goos\|^goarch\|^pkg\|^cpu'; \
	go test -count=1 -run '^$$' -bench MergeOneRow -benchtime 300x ./accountdb/radosdb/ | grep Benchmark

# conformance: Swift 2.30.1's own functional suite (test/functional, s3api included) against
# this tree's servers behind Debian's Swift proxy, on a private stack torn down afterwards
# (scripts/swift-functional; ports 18080 and 16200-16202 unless RUN_STACK_*_PORT say
# otherwise). SWIFT_SRC: an exported Swift 2.30.1 tree, e.g. made with
#   git -C /work/.mirror/openstack+swift/repo archive 2.30.1 | tar -x -C /work/swift-2.30.1
# CONFORMANCE_ENCRYPTION=0 runs without keymaster and encryption in the pipeline.
# Writes .conformance/encN/report.md (and junit/, logs/, stack-log/); about 20 minutes when
# nothing hangs (CONFORMANCE_DEADLINE, 2 hours by default, bounds it otherwise).
CONFORMANCE_ENCRYPTION ?= 1

conformance: build
	@[ -n "$(SWIFT_SRC)" ] || { echo "make conformance SWIFT_SRC=/path/to/swift-2.30.1 [CONFORMANCE_ENCRYPTION=0|1]"; exit 2; }
	CONFORMANCE_ENCRYPTION=$(CONFORMANCE_ENCRYPTION) scripts/swift-functional "$(SWIFT_SRC)" $(CONFORMANCE_MODULES)

run: build
	@scripts/run-stack up "$(RUN_DIR)"

stop:
	@scripts/run-stack down "$(RUN_DIR)"

# lint: gofmt, go vet, staticcheck (pinned in scripts/deps) and shellcheck on every
# shell script.
lint: deps
	scripts/lint

clean:
	rm -rf bin
