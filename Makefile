# Repairity: `make demo` runs the flagship pipeline end to end, `make test` runs every test.
# Each target installs what it needs, idempotently. Slow builds are cached in $(CACHE)
# (default ~/.cache/repairity, override with REPAIRITY_CACHE=...).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export REPAIRITY_CACHE ?= $(HOME)/.cache/repairity
CACHE := $(REPAIRITY_CACHE)
BIN := $(CACHE)/bin
export PATH := $(BIN):$(PATH)

TEMPORAL_CLI_VERSION := v1.5.1
TEMPORAL := $(BIN)/temporal
export REPAIRITY_TEMPORAL_BIN ?= $(TEMPORAL)

# Fragments under mk/ add their prerequisites to these lists and define their own targets.
TEST_DEPS := node_modules/.installed $(TEMPORAL)
DEMO_DEPS := node_modules/.installed $(TEMPORAL)
TEST_STEPS :=

.PHONY: all test demo bootstrap typecheck test-ts clean-cache
all: test

# `npm install` with the lock file, not `npm ci`: the registry here serves only this platform's
# optional packages (e.g. @swc/core-linux-x64-gnu), which `npm ci` refuses as an incomplete lock.
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund
	touch $@

$(TEMPORAL):
	mkdir -p $(BIN)
	GOBIN=$(BIN) go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

include $(sort $(wildcard mk/*.mk))

bootstrap: $(TEST_DEPS)

typecheck: node_modules/.installed
	npx tsc -p tsconfig.json --noEmit

test-ts: $(TEST_DEPS)
	npx vitest run

test: typecheck test-ts $(TEST_STEPS)

demo: $(DEMO_DEPS)
	npx tsx cli/main.ts demo

clean-cache:
	rm -rf $(CACHE)
