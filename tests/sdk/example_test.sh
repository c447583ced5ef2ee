#!/usr/bin/env bash
# The SDK as a handler author meets it: `cmake --install` into a fresh prefix, then
# examples/cxx-handler/ configured against that installed package (find_package with
# CMAKE_PREFIX_PATH, never the build tree), built, and its conformance test run. Passes when the
# example found the installed package and ran every test of the conformance suite (as many as
# the in-tree instantiation on `memory` has), all passing.
# Usage: example_test.sh BUILD_DIR SOURCE_DIR CXX_COMPILER [COMPILER_LAUNCHER]
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
cxx=$3
launcher=${4:-}
# A fixed directory in the build tree rather than a random one, so that ccache (when it is the
# launcher) recognises the example's compile commands from one run to the next.
work=$build/tests/sdk-example
rm -rf "$work"
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
args=(-S "$src/examples/cxx-handler" -B "$work/example" -DCMAKE_BUILD_TYPE=Release
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_COMPILER="$cxx")
command -v ninja >/dev/null && args+=(-G Ninja)
[[ -n "$launcher" ]] && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher")
cmake "${args[@]}" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; exit 1; }
found=$(sed -n 's/^sessionspec_DIR:PATH=//p' "$work/example/CMakeCache.txt")
if [[ "$found" != "$work/prefix/lib/cmake/sessionspec" ]]; then
  echo "FAILED: the example found sessionspec in '$found', not in the installed prefix"
  exit 1
fi
cmake --build "$work/example" -j "${JOBS:-2}" >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log"
  exit 1
}

want=$("$build/tests/conformance_tests" --gtest_list_tests --gtest_filter='Memory/*' |
       grep -c '^  ')
out=$("$work/example/dir_store_conformance" 2>&1) || { echo "$out" | tail -n 40; exit 1; }
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' <<<"$out")
# A test of the id policy the store does not declare is skipped (one of OddIdsKeptWhenDeclared and
# MalformedIdsRejectedAndCreateNothing, docs/handlers.md "Ids"); skipped is not failed.
skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) tests\?,.*/\1/p' <<<"$out")
ran=$(( ${passed:-0} + ${skipped:-0} ))
if [[ "$ran" != "$want" || "$want" -lt 1 ]]; then
  echo "$out" | tail -n 20
  echo "FAILED: the example passed ${ran:-no} conformance tests; the suite has $want"
  exit 1
fi
echo "example: $ran conformance tests passed against the installed package ($work/prefix)"
