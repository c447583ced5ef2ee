#!/usr/bin/env bash
# Configures and builds sessionspec into build/ (Ninja, RelWithDebInfo). Incremental when build/
# exists. Extra CMake arguments pass through, e.g. -DSESSIONSPEC_SANITIZE=address.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# Two jobs: the machine has two cores, and the heavy Asio/JSON headers need memory per job.
cmake --build "$build_dir" -j "${JOBS:-2}"
