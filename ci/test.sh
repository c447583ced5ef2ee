#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: ctest (GoogleTest, real PHP, the CLI,
# Redis through its ctest fixture) and the report generator's pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j 2
