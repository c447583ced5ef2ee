#!/usr/bin/env bash
# Configures and builds sessionspec into build/ with the `dev` preset of CMakePresets.json (Ninja,
# RelWithDebInfo, -Werror). Incremental when build/ exists. Extra CMake arguments pass through,
# e.g. -DSESSIONSPEC_SANITIZE=address.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# The preset asks for line tables only (-g1): backtraces and gdb's line numbers stay, and the heavy
# template headers compile about 30 % faster than with full debug information (configure a Debug
# build for that). Warnings are errors here (the preset's SESSIONSPEC_WERROR=ON, repeated so that
# CI keeps it whatever the preset says).
cmake --preset dev -B "$build_dir" -DSESSIONSPEC_WERROR=ON "$@" >/dev/null
# Two jobs: the machine has two cores, and the heavy Asio/JSON headers need memory per job.
cmake --build "$build_dir" -j "${JOBS:-2}"
