# Claude (issue 3): the Claude simulator (claude-simulator/, a local Anthropic-compatible server)
# needs nothing beyond node_modules.
# `make bench-claude`: 500 claude.message calls against it (200 ms latency, concurrency 32),
# direct and through the engine on a Temporal dev server; last line `claude: <ratio> (goal 0.9)`.
# `make claude-simulator`: the server standalone (PORT, RESPONSES=file of scripted answers), run by
# the built CLI (dist/.built, mk/cli.mk, which make includes after this file).
.PHONY: bench-claude claude-simulator

bench-claude: node_modules/.installed $(TEMPORAL)
	npx tsx bench/claude/main.ts

PORT ?= 8787
claude-simulator: dist/.built
	node bin/repairity.js claude-simulator --port $(PORT) $(if $(RESPONSES),--responses $(RESPONSES))

# Scripted teacher answers for MBPP (a reasoning trace and the reference fix per task, a seeded
# 20% with a wrong fix), for the simulator when `make demo` runs without ANTHROPIC_API_KEY:
#   node bin/repairity.js claude-simulator --responses $REPAIRITY_TEACHER_RESPONSES
TEACHER_RESPONSES := $(CACHE)/claude/mbpp-teacher-judge.jsonl
export REPAIRITY_TEACHER_RESPONSES ?= $(TEACHER_RESPONSES)
DEMO_DEPS += $(TEACHER_RESPONSES)

$(TEACHER_RESPONSES): data/mbpp/mbpp.jsonl claude-simulator/mbpp-teacher.ts dist/.built
	$(call setup_begin,teacher)
	node bin/repairity.js claude-simulator --mbpp data/mbpp/mbpp.jsonl --write-responses $@
	$(call setup_end,teacher,the simulated teacher's answers)
