# Engine benchmark: a 1,000-item fan-out through the engine vs a hand-written workflow.
.PHONY: bench-engine
bench-engine: node_modules/.installed $(TEMPORAL)
	npx tsx bench/engine/main.ts

# `make bench-lanes`: a forEach whose last quarter of items takes twice as long, with the chunks
# of a step lending each other idle runners and without.
.PHONY: bench-lanes
bench-lanes: node_modules/.installed $(TEMPORAL)
	npx tsx bench/lanes/main.ts
