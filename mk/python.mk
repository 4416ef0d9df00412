# The Python trainer's virtual environment (trainer/requirements.txt, pinned) and its tests.
# The environment lives in $(CACHE)/venv; its stamp is keyed by a hash of the requirements, so a
# changed requirement rebuilds it and an unchanged one is never reinstalled. pip downloads are
# cached under $(CACHE)/pip.

PYTHON3 ?= python3
PY_REQUIREMENTS := trainer/requirements.txt
PY_REQUIREMENTS_HASH := $(shell sha256sum $(PY_REQUIREMENTS) | cut -c1-16)
VENV := $(CACHE)/venv
VENV_STAMP := $(VENV)/.installed-$(PY_REQUIREMENTS_HASH)
# The trainer's interpreter, for the training activities and their tests (see core/env.ts).
export REPAIRITY_PYTHON ?= $(VENV)/bin/python

TEST_DEPS += $(VENV_STAMP)
DEMO_DEPS += $(VENV_STAMP)
TEST_STEPS += test-python

.PHONY: venv test-python

venv: $(VENV_STAMP)

# Order-only: the stamp is keyed by the file's hash, so a fresh clone's newer mtime must not rebuild the venv.
$(VENV_STAMP): | $(PY_REQUIREMENTS)
	$(call setup_begin,venv)
	mkdir -p $(CACHE)/pip
	$(PYTHON3) -m venv --clear $(VENV)
	$(VENV)/bin/python -m pip install --quiet --cache-dir $(CACHE)/pip --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --cache-dir $(CACHE)/pip -r $(PY_REQUIREMENTS)
	touch $@
	$(call setup_end,venv,the trainer's Python environment)

test-python: $(VENV_STAMP)
	$(VENV)/bin/python -m pytest -q trainer/tests

# Training benchmark: checkpoint overhead at the default interval, and recovery time after a
# worker's death (tiny model, CPU, a Temporal dev server of its own).
.PHONY: bench-training
bench-training: node_modules/.installed $(TEMPORAL) $(VENV_STAMP)
	npx tsx bench/training/main.ts
