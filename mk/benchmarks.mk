# Real benchmarks graded the way their official harnesses grade (docs/benchmarks/).
#
# SWE-bench: the official `swebench` package in tool venvs of their own (never the trainer's):
#   $(SWEBENCH_VENV)       swebench 5.0.2: grading (get_eval_report) and the per-repo log parsers;
#   $(SWEBENCH_SPECS_VENV) swebench 4.1.0: the per-repo/per-version environment specs and the
#                          official setup/eval scripts (5.x no longer ships those tables).
# sandbox/runtime/swebench_bridge.py runs inside them and answers in JSON.
#
# The SWE-bench integration tests build instances from real projects' sdists (which ship their
# tests), downloaded once by pip into $(SWEBENCH_SDISTS).
SWEBENCH_VERSION := 5.0.2
SWEBENCH_SPECS_VERSION := 4.1.0
SWEBENCH_VENV := $(CACHE)/swebench-$(SWEBENCH_VERSION)-venv
SWEBENCH_SPECS_VENV := $(CACHE)/swebench-$(SWEBENCH_SPECS_VERSION)-venv
SWEBENCH_SDISTS := $(CACHE)/swebench/sdists
SWEBENCH_FIXTURE_SDISTS := requests==2.31.0 sympy==1.12
export REPAIRITY_SWEBENCH_PYTHON ?= $(SWEBENCH_VENV)/bin/python
export REPAIRITY_SWEBENCH_SPECS_PYTHON ?= $(SWEBENCH_SPECS_VENV)/bin/python
export REPAIRITY_SWEBENCH_SDISTS ?= $(SWEBENCH_SDISTS)

# Debian's interpreter, the one the sandbox images run (the official harness uses Miniconda's).
SWEBENCH_PYTHON3 ?= /usr/bin/python3

TEST_DEPS += $(SWEBENCH_VENV)/.installed $(SWEBENCH_SPECS_VENV)/.installed $(SWEBENCH_SDISTS)/.downloaded

.PHONY: swebench-tools swebench-fixtures
swebench-tools: $(SWEBENCH_VENV)/.installed $(SWEBENCH_SPECS_VENV)/.installed
swebench-fixtures: $(SWEBENCH_SDISTS)/.downloaded

$(CACHE)/swebench-%-venv/.installed:
	rm -rf $(dir $@) && $(SWEBENCH_PYTHON3) -m venv $(dir $@)
	$(dir $@)bin/pip install --quiet --cache-dir $(CACHE)/pip swebench==$*
	touch $@

$(SWEBENCH_SDISTS)/.downloaded:
	mkdir -p $(dir $@)
	pip download --quiet --no-deps --no-binary :all: --cache-dir $(CACHE)/pip -d $(dir $@) $(SWEBENCH_FIXTURE_SDISTS)
	touch $@

# The base of the SWE-bench images and BigCodeBench's image (debootstrap, about 10 and 25 minutes
# the first time on a loaded 2-core machine; then found by tag, or re-imported from their tarballs).
.PHONY: benchmark-images
TEST_DEPS += benchmark-images
benchmark-images: sandbox-docker node_modules/.installed
	npx tsx cli/main.ts images build swebench bigcodebench
