#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, `npm install <tarball>` into an empty folder (the
# dependencies from the registry, or npm's cache), then `npx repairity validate` on a pipeline
# folder of the user's own. Usage: scripts/check-pack.sh  (run by `make check-pack`)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(cd "$root" && npm pack --silent --pack-destination "$work")"
mkdir -p "$work/app/pipelines"
cd "$work/app"
npm init -y >/dev/null
npm install --prefer-offline --no-audit --no-fund "$work/$tarball" >/dev/null
cat > pipelines/mine.yaml <<'YAML'
name: mine
params:
  fraction: { type: number, default: 0.5 }
steps:
  sample:
    uses: data.sample
    with:
      dataset: s3://bucket/tasks.jsonl
      fraction: ${{ params.fraction }}
YAML
start=$(date +%s.%N)
npx --no-install repairity validate pipelines/mine.yaml
end=$(date +%s.%N)
printf 'check-pack: %s installed from %s; validate took %.2f s\n' "$(node -p "require('repairity/package.json').version")" "$tarball" "$(echo "$end - $start" | bc)"
