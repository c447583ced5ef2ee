#!/usr/bin/env bash
# The installed sessionspec outside its source tree: `cmake --install` into a fresh prefix, then,
# from a directory that is not the checkout, the installed binary finds its scenarios, the PHP
# harness, the PHP adapter and the report generator in <prefix>/share/sessionspec; a moved
# installation works with SESSIONSPEC_DATA_DIR and without it fails with one line and exit 2;
# and no source path is compiled into the binary.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# expect CODE PATTERN -- COMMAND...: the exit code must be CODE and stdout+stderr match PATTERN.
expect() {
  local code=$1 pattern=$2
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [[ $rc -eq $code ]] && grep -qE -- "$pattern" <<<"$out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $* -> exit $rc (want $code, output matching '$pattern'), output:"
    echo "$out" | tail -n 5
  fi
}

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null || { echo "FAILED: cmake --install"; exit 1; }
bin=$prefix/bin/sessionspec
data=$prefix/share/sessionspec
mkdir "$work/elsewhere"
cd "$work/elsewhere" || exit 1

expect 0 '^sessionspec [0-9.]+ \(commit' -- "$bin" --version
expect 0 'passed, 0 failed' -- "$bin" check "$data"/scenarios/gist/*.scn --handler memory
# The harness (oracle/) and the mutant battery's scenarios, found without being named.
expect 0 '' -- "$bin" oracle "$data/scenarios/gist/1-open-write-close.scn"
expect 0 'scenarios=' -- "$bin" mutants --handler memory
# The PHP adapter serves a PHP handler class from the installed copy.
expect 0 'passed, 0 failed' -- "$bin" check "$data"/scenarios/gist/*.scn --handler \
  "exec:php $data/adapters/php/serve.php $data/adapters/php/fixtures/PdoSqliteHandler.php PdoSqliteHandler"
# The report generator: certify writes report.html through it.
expect 0 'report: ' -- "$bin" certify --handler memory --level 1 --report "$work/report"
if [[ -s "$work/report/report.html" ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAILED: certify --report wrote no report.html"
fi

# A moved installation: the data is no longer next to the binary.
mv "$data" "$work/moved-data"
expect 2 "^sessionspec: data file 'scenarios' not found in $data \(next to the binary; set SESSIONSPEC_DATA_DIR" \
  -- "$bin" mutants --handler memory
expect 2 "oracle/harness.php' not found" -- "$bin" oracle "$work/moved-data/scenarios/gist/1-open-write-close.scn"
expect 0 'scenarios=' -- env SESSIONSPEC_DATA_DIR="$work/moved-data" "$bin" mutants --handler memory
lines=$("$bin" certify --handler memory --level 1 2>&1 >/dev/null | wc -l)
if [[ $lines -eq 1 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $lines lines"; fi

# No source path compiled in: none of the source folders appears as a string of the binary
# (debug information, which names source files, is stripped first).
strip --strip-debug -o "$work/stripped" "$bin"
hits=$(strings -n 6 "$work/stripped" | grep -Fx -e "$src" -e "$src/scenarios" -e "$src/oracle" \
       -e "$src/reports" -e "$src/adapters" | head -n 3)
if [[ -z "$hits" ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAILED: the installed binary names the source tree: $hits"
fi

echo "install_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
