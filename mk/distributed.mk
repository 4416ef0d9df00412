# Distributed training benchmark: the trainer at world size 2 (two CPU processes, gloo, torchrun):
# checkpoint overhead at the default interval (goal < 5% of step time) and a stop/resume whose
# weights must equal an uninterrupted run's, for SFT and PPO on the tiny model.
# BENCH_STEPS, BENCH_PPO_ITERATIONS and BENCH_STOP_AFTER change the sizes.
.PHONY: bench-distributed
bench-distributed: node_modules/.installed $(VENV_STAMP)
	npx tsx bench/distributed/main.ts
