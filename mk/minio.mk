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
# on loopback and through a modelled per-connection link (BENCH_ARTIFACTS_LINK_MBPS, default 90;
# BENCH_ARTIFACTS_LINK_RTT_MS, default 2; 0 MB/s skips it), and the local store vs a plain copy.
# BENCH_ARTIFACTS_GIB=0.25 for a quick run. See docs/artifacts.md.
bench-artifacts: node_modules/.installed $(MINIO)
	npx tsx bench/artifacts/main.ts
