# ESLint with type information (eslint.config.js): floating and misused promises, await on
# non-promises, type-only imports, import cycles, and workflows/ importing only types and
# @temporalio/workflow. Every rule is an error, so `make test` fails on a new violation. No cache:
# type-aware results depend on other files, which ESLint's cache does not track.

TEST_STEPS += lint

.PHONY: lint

lint: node_modules/.installed
	npx eslint --max-warnings 0 .
