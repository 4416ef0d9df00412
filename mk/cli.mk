# The built CLI: dist/ (scripts/build.mjs, esbuild), which bin/repairity.js runs. Rebuilt only when
# a source file changes; `make test` and `make demo` build it first.
# `make bench-cli`: how long `repairity validate` takes, against `node -e ''` as the floor.
# `make check-pack`: the package from `npm pack`, installed into an empty folder, validates a
# pipeline folder of its own (a full `npm install` of the tarball; test/cli/pack.test.ts does the
# same in seconds with this checkout's node_modules).
CLI_SOURCES := $(shell find cli claude-simulator dev-services engine kinds compiler core activities workflows worker store sandbox schemas \( -name '*.ts' -o -name '*.json' \) -not -path '*/node_modules/*' 2>/dev/null)
CLI_BUILT := dist/.built
TEST_DEPS += $(CLI_BUILT)
DEMO_DEPS += $(CLI_BUILT)

.PHONY: build bench-cli check-pack

$(CLI_BUILT): node_modules/.installed scripts/build.mjs scripts/build-plugins.mjs scripts/validators.ts $(CLI_SOURCES)
	$(call setup_begin,cli)
	node scripts/build.mjs
	touch $@
	$(call setup_end,cli,the CLI's build)

build: $(CLI_BUILT)

bench-cli: $(CLI_BUILT)
	npx tsx bench/cli/main.ts

check-pack: $(CLI_BUILT)
	scripts/check-pack.sh
