# Engine benchmark: a 1,000-item fan-out through the engine vs the same job written by hand with
# Temporal (batches of items per activity on a queue of their own, as the engine's are; results
# stored): engine / hand-batched time, goal <= 1.05. See docs/architecture.md.
.PHONY: bench-engine
bench-engine: node_modules/.installed $(TEMPORAL)
	npx tsx bench/engine/main.ts

# `make bench-lanes`: a forEach whose last quarter of items takes twice as long, with the batches
# of a step lending each other idle runners and without.
.PHONY: bench-lanes
bench-lanes: node_modules/.installed $(TEMPORAL)
	npx tsx bench/lanes/main.ts
