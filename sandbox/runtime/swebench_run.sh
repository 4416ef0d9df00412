#!/bin/bash
# SWE-bench evaluation inside an instance container, as swebench.harness.run_evaluation does it:
# try the harness's patch commands in order (a pristine tree before each retry), accept a patch
# that is already applied, then run the eval script. The patch phase logs to stderr; the eval
# script's output (stdout and stderr) is the test log, on stdout. Exit 97: the patch does not apply.
set -u
cd /testbed
applied=0
first=1
for cmd in "git apply --verbose" "git apply --verbose --3way" "git apply --verbose --reject" "patch --batch --forward --fuzz=5 -p1 -i"; do
  [ "$first" = 1 ] || { git checkout -- . ; git clean -fd ; } >&2 2>&1
  first=0
  if $cmd /tmp/patch.diff >&2 2>&1; then applied=1; echo ">>>>> Applied Patch ($cmd)" >&2; break; fi
  echo "Failed to apply patch to container: $cmd" >&2
done
if [ "$applied" = 0 ] && git apply --check --reverse /tmp/patch.diff >&2 2>&1; then
  applied=1
  echo ">>>>> Applied Patch: verified already applied" >&2
fi
if [ "$applied" = 0 ]; then
  echo ">>>>> Patch Apply Failed" >&2
  exit 97
fi
exec /bin/bash /eval.sh 2>&1
