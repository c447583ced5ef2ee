#!/usr/bin/env bash
# Builds the project with a sanitizer (clang-14, the CMake presets of CMakePresets.json) and runs
# ctest there.
#
#   ci/sanitize.sh address   preset asan: ASan+UBSan (-fno-sanitize-recover=undefined, LSan on) in
#                            build-asan/, with the libFuzzer targets, so ci/fuzz.sh reuses it
#   ci/sanitize.sh thread    preset tsan: TSan in build-tsan/
#
# The presets use OSS-Fuzz's usual flags, -O1 with line tables only: instrumented code at -O1 runs
# fast enough, and full debug information would double the compile time of the heavy template
# headers, while symbolised stack traces need only the line tables. They are unity builds
# (CMAKE_UNITY_BUILD: a target's sources compile as one unit, so the heavy headers and their
# inline functions are compiled and optimised once per target rather than once per file), which
# takes a fifth off this build; the plain build (ci/build.sh) stays one file per unit, so a missing
# include still fails there. The benchmarks are left out
# (timings under instrumentation mean nothing). Werror is off there only: instrumentation changes
# what the compiler's flow analysis sees, and a warning must not hide the runtime reports we are
# after (the plain build, ci/build.sh, keeps -Werror).
#
# Extra arguments pass through to CMake. Any sanitizer report fails the test that triggered it
# (halt_on_error), so a clean run means zero reports. Environment: BUILD_DIR overrides the build
# directory; JOBS the build and test parallelism (default 2); TARGETS (space-separated) builds
# only those targets and TESTS (a ctest -R regex) runs only those tests, for a quick subset;
# ASAN_OPTIONS, UBSAN_OPTIONS and TSAN_OPTIONS set by the caller win over the defaults below.
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-}
case "$kind" in
  address) preset=asan ;;
  thread) preset=tsan ;;
  *) echo "usage: ci/sanitize.sh address|thread [CMAKE_ARGS...]" >&2; exit 2 ;;
esac
shift
build_dir=${BUILD_DIR:-build-$preset}
jobs=${JOBS:-2}

bash ci/install-deps.sh
# Each preset has its own Redis test port, so that this tree's tests can run while the plain
# build's do.
cmake --preset "$preset" -B "$build_dir" "$@" >/dev/null
targets=()
[[ -n "${TARGETS:-}" ]] && read -r -a targets <<<"$TARGETS"
if [[ ${#targets[@]} -gt 0 ]]; then
  cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"
else
  cmake --build "$build_dir" -j "$jobs"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

# Tests that gain nothing from a sanitizer are excluded here, each with its reason. Every other
# test, including those that run php8.2-cli or redis-server as child processes (uninstrumented,
# which is fine), works under both sanitizers, so a failure here is a finding.
exclude=(
  # Python and Chromium only: the report generator's tests run no instrumented code.
  reports_pytest
  # Python only: the report generator's packaging and the include-layer check.
  reports_package layers layers_selftest
)
args=(--test-dir "$build_dir" --output-on-failure -j "$jobs" -E "^($(IFS='|'; echo "${exclude[*]}"))\$")
[[ -n "${TESTS:-}" ]] && args+=(-R "$TESTS")
ctest "${args[@]}"
