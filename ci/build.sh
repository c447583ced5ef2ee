#!/usr/bin/env bash
# Configures and builds sessionspec into build/ (Ninja, RelWithDebInfo). Incremental when build/
# exists. Extra CMake arguments pass through, e.g. -DSESSIONSPEC_SANITIZE=address.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# Line tables only (-g1): backtraces and gdb's line numbers stay, and the heavy template headers
# compile about 30 % faster than with full debug information (configure a Debug build for that).
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "$@" >/dev/null
# Two jobs: the machine has two cores, and the heavy Asio/JSON headers need memory per job.
cmake --build "$build_dir" -j "${JOBS:-2}"
