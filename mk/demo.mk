# The Repairity pipeline end to end (issue 7): `make demo` runs `node bin/repairity.js demo` (the built CLI).
# Its prerequisites come from the other fragments and are all in DEMO_DEPS already: node_modules and
# the Temporal CLI (Makefile), the trainer's venv (python.mk), Docker and the sandbox images
# (sandbox.mk), and the simulated teacher's answers (claude.mk). The demo reads nothing else.
#
# The Temporal UI test (test/ui/) drives Debian's chromium with playwright-core: installed once here.
.PHONY: chromium
CHROMIUM := /usr/bin/chromium
CHROMIUM_STAMP := $(CACHE)/ui/.chromium-installed
DEMO_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_DEPS += $(CHROMIUM_STAMP)

$(CHROMIUM_STAMP):
	if ! [ -x $(CHROMIUM) ]; then \
	  $(DEMO_SUDO) apt-get update && $(DEMO_SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	fi
	mkdir -p $(dir $@) && touch $@

chromium: $(CHROMIUM_STAMP)
