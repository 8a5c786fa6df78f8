# radosswift: `make run` starts a local stack, `make test` runs every test against real Ceph.
# Every target installs what it needs first (scripts/deps is idempotent and quick).

GO      ?= go
BIN     := bin/radosswift
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/radosswift/radosswift/version.Version=$(VERSION)
RUN_DIR ?= $(CURDIR)/.run

.PHONY: all deps build test run stop lint clean

all: build

deps:
	@scripts/deps

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/radosswift

test: build
	scripts/run-tests

run: build
	@scripts/run-stack up "$(RUN_DIR)"

stop:
	@scripts/run-stack down "$(RUN_DIR)"

lint: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
