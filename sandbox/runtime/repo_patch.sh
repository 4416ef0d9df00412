#!/bin/bash
# SWE-bench style: apply .repairity/patch.diff at the repository root (git apply, then
# patch --fuzz=5), then run $REPAIRITY_TEST_COMMAND. Any pytest run inside records each test's
# outcome through the repairity pytest plugin. Exit 96 when the patch does not apply.
set -u
if [ -s .repairity/patch.diff ]; then
  if ! git apply --verbose .repairity/patch.diff >&2; then
    if ! patch --batch --fuzz=5 -p1 -i .repairity/patch.diff >&2; then
      echo "repairity: patch does not apply" >&2
      exit 96
    fi
  fi
fi
export PYTHONPATH="$PWD/.repairity${PYTHONPATH:+:$PYTHONPATH}"
export PYTEST_ADDOPTS="-p repairity_pytest_plugin -p no:cacheprovider ${PYTEST_ADDOPTS:-}"
exec bash -c "$REPAIRITY_TEST_COMMAND"
