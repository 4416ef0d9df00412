# An MLflow tracking server for the experiment-tracking tests: its own virtual environment in
# $(CACHE)/mlflow-venv (never the trainer's), pinned, built once. The product needs no MLflow
# package: it speaks MLflow's REST API (activities/tracking/). Tests find the server's executable
# through REPAIRITY_MLFLOW_BIN and skip the MLflow tests (saying why) where it is absent.
# 3.17.2: mlflow 3.18.0 is on PyPI, but the mlflow-tracing 3.18.0 it requires was not when pinned.

MLFLOW_VERSION := 3.17.2
MLFLOW_VENV := $(CACHE)/mlflow-venv
MLFLOW_STAMP := $(MLFLOW_VENV)/.installed-$(MLFLOW_VERSION)
export REPAIRITY_MLFLOW_BIN ?= $(MLFLOW_VENV)/bin/mlflow

TEST_DEPS += $(MLFLOW_STAMP)

.PHONY: mlflow
mlflow: $(MLFLOW_STAMP)

$(MLFLOW_STAMP):
	mkdir -p $(CACHE)/pip
	$(PYTHON3) -m venv --clear $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/python -m pip install --quiet --cache-dir $(CACHE)/pip --upgrade pip
	$(MLFLOW_VENV)/bin/python -m pip install --quiet --cache-dir $(CACHE)/pip mlflow==$(MLFLOW_VERSION)
	touch $@
