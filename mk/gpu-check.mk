# GPU check (scripts/gpu-check.py): bf16 SFT, reward and PPO on one CUDA device, each stopped
# after a checkpoint and resumed to bit-identical weights, with tokens/s per stage (goal: under 8
# minutes on one H100). Needs no network and no venv build: it runs with GPU_CHECK_PYTHON, any
# Python with the packages of trainer/requirements.txt (default: the trainer's venv when present,
# else python3). GPU_CHECK_FLAGS=--cpu runs the same check, smaller, on CPU.

GPU_CHECK_PYTHON ?= $(if $(wildcard $(VENV)/bin/python),$(VENV)/bin/python,python3)
GPU_CHECK_FLAGS ?=

.PHONY: gpu-check
gpu-check:
	$(GPU_CHECK_PYTHON) scripts/gpu-check.py $(GPU_CHECK_FLAGS)
