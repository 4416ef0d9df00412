# MinIO (an S3-compatible server) for the artifact store's integration tests and bench.
# Built from its Go module (MinIO tags releases outside semver, so a pseudo-version pins a commit)
# and cached in $(BIN).
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
MINIO := $(BIN)/minio
export REPAIRITY_MINIO_BIN ?= $(MINIO)

TEST_DEPS += $(MINIO)

$(MINIO):
	mkdir -p $(BIN)
	GOBIN=$(BIN) go install github.com/minio/minio@$(MINIO_VERSION)

.PHONY: minio bench-artifacts
minio: $(MINIO)

# Upload/download of a 2 GiB checkpoint directory: parallel multipart vs single-stream put on MinIO,
# the local store vs a plain copy. BENCH_ARTIFACTS_GIB=0.25 for a quick run.
bench-artifacts: node_modules/.installed $(MINIO)
	npx tsx bench/artifacts/main.ts
