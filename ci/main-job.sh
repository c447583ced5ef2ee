#!/usr/bin/env bash
# The main job on embedded defaults: install what is missing, build, then check the built-in
# handlers against every shipped scenario with the reference models. Exit 0 when all conform.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh
bin=${BUILD_DIR:-build}/cli/sessionspec
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/files"
status=0
for handler in memory "files:$scratch/files"; do
  "$bin" check scenarios/gist/*.scn scenarios/lesson/*.scn scenarios/php/*.scn \
    --handler "$handler" || status=1
done
exit $status
