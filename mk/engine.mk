# Engine benchmark: a 1,000-item fan-out through the engine vs the same job written by hand with
# Temporal (batches of items per activity on a queue of their own, as the engine's are; results
# stored): engine / hand-batched time, goal <= 1.05. See docs/architecture.md.
# Both run as users run them: built by esbuild as dist/ is (the engine's workflow code is dist's),
# not through tsx, whose names for every function made (esbuild's keepNames) cost each item's
# closures time that the built product does not spend.
# The built bench goes to a folder git ignores.
BENCH_BUILD := bench/.build
.PHONY: bench-engine
bench-engine: node_modules/.installed $(TEMPORAL) $(CLI_BUILT)
	npx esbuild bench/engine/main.ts --bundle --platform=node --format=esm --target=node20 --packages=external --log-level=warning --outfile=$(BENCH_BUILD)/engine.mjs
	node $(BENCH_BUILD)/engine.mjs

# `make bench-lanes`: a forEach whose last quarter of items takes twice as long, with the batches
# of a step lending each other idle runners and without.
.PHONY: bench-lanes
bench-lanes: node_modules/.installed $(TEMPORAL)
	npx tsx bench/lanes/main.ts
