# Sandbox (issue 4): a Docker engine and the sandbox images, built locally from Debian with
# debootstrap (there is no registry). The images are tagged by the hash of their recipe
# (images/<name>.json) and their root file system tarballs are cached in $(CACHE)/sandbox/images,
# so a second run only checks the tags (or re-imports a tarball in seconds).

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SANDBOX_TOOLS_STAMP := $(CACHE)/sandbox/.tools-installed

TEST_DEPS += sandbox-images
# The demo grades MBPP: the python image is all it needs.
DEMO_DEPS += demo-images

.PHONY: sandbox-tools sandbox-docker sandbox-images demo-images bench-sandbox

# docker.io (dockerd, containerd, runc, docker-init) and debootstrap from apt, once.
$(SANDBOX_TOOLS_STAMP):
	$(call setup_begin,sandbox-tools)
	if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then \
	  $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io debootstrap; \
	fi
	mkdir -p $(dir $@) && touch $@
	$(call setup_end,sandbox-tools,Debian's docker.io and debootstrap)

sandbox-tools: $(SANDBOX_TOOLS_STAMP)

# Starts dockerd in the background unless an engine answers (log: $(CACHE)/sandbox/dockerd.log).
sandbox-docker: $(SANDBOX_TOOLS_STAMP)
	$(call setup_begin,docker)
	scripts/sandbox-dockerd.sh
	$(call setup_end,docker,the Docker engine)

sandbox-images: sandbox-docker node_modules/.installed
	$(call setup_begin,images)
	npx tsx cli/main.ts images build python java
	$(call setup_end,images,the sandbox images (python, java))

demo-images: sandbox-docker $(CLI_BUILT)
	$(call setup_begin,demo-images)
	node bin/repairity.js images build python
	$(call setup_end,demo-images,the sandbox image (python))

# All MBPP canonical solutions through the warm pool, fresh containers and plain subprocesses.
bench-sandbox: sandbox-images
	npx tsx bench/sandbox/main.ts
