#!/usr/bin/env bash
# Builds the whole project with a sanitizer (g++) and runs every ctest test there.
#
#   ci/sanitize.sh address   ASan+UBSan (-fno-sanitize-recover=undefined, LSan on) in build-asan/
#   ci/sanitize.sh thread    TSan in build-tsan/
#
# Extra arguments pass through to CMake. Any sanitizer report fails the test that triggered it
# (halt_on_error), so a clean run means zero reports. Environment: BUILD_DIR overrides the build
# directory, JOBS the build and test parallelism (default 2); ASAN_OPTIONS, UBSAN_OPTIONS and
# TSAN_OPTIONS set by the caller win over the defaults below.
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-}
case "$kind" in
  address) default_dir=build-asan ;;
  thread) default_dir=build-tsan ;;
  *) echo "usage: ci/sanitize.sh address|thread [CMAKE_ARGS...]" >&2; exit 2 ;;
esac
shift
build_dir=${BUILD_DIR:-$default_dir}
jobs=${JOBS:-2}

bash ci/install-deps.sh
# Werror stays on in the plain build (ci/build.sh). Here it is off: instrumentation changes what
# g++'s flow analysis sees, and -Wmaybe-uninitialized then reports false positives (the GCC manual
# warns about this for -fsanitize=address), which must not hide the runtime reports we are after.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSESSIONSPEC_SANITIZE="$kind" -DSESSIONSPEC_WERROR=OFF "$@" >/dev/null
cmake --build "$build_dir" -j "$jobs"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

# Tests that cannot work under a sanitizer would be excluded here, each with its reason. None needs
# to be: every test, including those that run php8.2-cli or redis-server as child processes
# (uninstrumented, which is fine), works under both sanitizers, so a failure here is a finding.
exclude=()

args=(--test-dir "$build_dir" --output-on-failure -j "$jobs")
if [[ ${#exclude[@]} -gt 0 ]]; then
  args+=(-E "$(IFS='|'; echo "${exclude[*]}")")
fi
ctest "${args[@]}"
