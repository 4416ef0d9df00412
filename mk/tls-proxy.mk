# TLS tests (test/cluster/tls.test.ts): nginx from Debian terminates TLS and mTLS (grpc_pass) in
# front of the Temporal dev server, which has no TLS options of its own; openssl makes the test CA.

TEST_DEPS += tls-proxy-tools

.PHONY: tls-proxy-tools

tls-proxy-tools:
	@if ! command -v nginx >/dev/null || ! command -v openssl >/dev/null; then \
	  $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light openssl; \
	fi
