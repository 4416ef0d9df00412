# Claude (issue 3): the local Anthropic-compatible server needs nothing beyond node_modules.
# `make bench-claude`: 500 claude.message calls against it (200 ms latency, concurrency 32),
# direct and through the engine on a Temporal dev server; last line `claude: <ratio> (goal 0.9)`.
# `make anthropic-server`: the server standalone (PORT, RESPONSES=file of scripted answers).
.PHONY: bench-claude anthropic-server

bench-claude: node_modules/.installed $(TEMPORAL)
	npx tsx bench/claude/main.ts

PORT ?= 8787
anthropic-server: node_modules/.installed
	npx tsx test/anthropic-server/main.ts --port $(PORT) $(if $(RESPONSES),--responses $(RESPONSES))

# Scripted teacher answers for MBPP (a reasoning trace and the reference fix per task, a seeded
# 20% with a wrong fix), for the local server when `make demo` runs without ANTHROPIC_API_KEY:
#   npx tsx test/anthropic-server/main.ts --port 0 --responses $REPAIRITY_TEACHER_RESPONSES
TEACHER_RESPONSES := $(CACHE)/claude/mbpp-teacher-judge.jsonl
export REPAIRITY_TEACHER_RESPONSES ?= $(TEACHER_RESPONSES)
DEMO_DEPS += $(TEACHER_RESPONSES)

$(TEACHER_RESPONSES): data/mbpp/mbpp.jsonl test/anthropic-server/teacher-from-mbpp.ts node_modules/.installed
	mkdir -p $(dir $@)
	npx tsx test/anthropic-server/teacher-from-mbpp.ts --input data/mbpp/mbpp.jsonl --out $@
