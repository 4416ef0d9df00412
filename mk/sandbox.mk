# Sandbox (issue 4): a Docker engine and the sandbox images, built locally from Debian with
# debootstrap (there is no registry). The images are tagged by the hash of their recipe
# (images/<name>.json) and their root file system tarballs are cached in $(CACHE)/sandbox/images,
# so a second run only checks the tags (or re-imports a tarball in seconds).

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SANDBOX_TOOLS_STAMP := $(CACHE)/sandbox/.tools-installed

TEST_DEPS += sandbox-images
DEMO_DEPS += sandbox-images

.PHONY: sandbox-tools sandbox-docker sandbox-images bench-sandbox

# docker.io (dockerd, containerd, runc, docker-init) and debootstrap from apt, once.
$(SANDBOX_TOOLS_STAMP):
	if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then \
	  $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io debootstrap; \
	fi
	mkdir -p $(dir $@) && touch $@

sandbox-tools: $(SANDBOX_TOOLS_STAMP)

# Starts dockerd in the background unless an engine answers (log: $(CACHE)/sandbox/dockerd.log).
sandbox-docker: $(SANDBOX_TOOLS_STAMP)
	scripts/sandbox-dockerd.sh

sandbox-images: sandbox-docker node_modules/.installed
	npx tsx cli/main.ts images build python java

# All MBPP canonical solutions through the warm pool, fresh containers and plain subprocesses.
bench-sandbox: sandbox-images
	npx tsx bench/sandbox/main.ts
