# Engine benchmark: a 1,000-item fan-out through the engine vs a hand-written workflow.
.PHONY: bench-engine
bench-engine: node_modules/.installed $(TEMPORAL)
	npx tsx bench/engine/main.ts
