#!/usr/bin/env bash
# The installed sessionspec outside its source tree: `cmake --install` into a fresh prefix, then,
# from a directory that is not the checkout, the installed binary finds its scenarios, the PHP
# harness, the PHP adapter and the report generator in <prefix>/share/sessionspec; a moved
# installation works with SESSIONSPEC_DATA_DIR and without it fails with one line and exit 2;
# and no source path is compiled into the binary.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$out

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null || { echo "FAILED: cmake --install"; exit 1; }
bin=$prefix/bin/sessionspec
data=$prefix/share/sessionspec
mkdir "$work/elsewhere"
cd "$work/elsewhere" || exit 1

expect_exit 0 '^sessionspec [0-9.]+ \(commit' -- "$bin" --version
expect_exit 0 'passed, 0 failed' -- "$bin" check "$data"/scenarios/gist/*.scn --handler memory
# The harness (oracle/) and the mutant battery's scenarios, found without being named.
expect_exit 0 '' -- "$bin" oracle "$data/scenarios/gist/1-open-write-close.scn"
expect_exit 0 'scenarios=' -- "$bin" mutants --handler memory
# The PHP adapter serves a PHP handler class from the installed copy.
expect_exit 0 'passed, 0 failed' -- "$bin" check "$data"/scenarios/gist/*.scn --handler \
  "exec:php $data/adapters/php/serve.php $data/adapters/php/fixtures/PdoSqliteHandler.php PdoSqliteHandler"
# The report generator: certify writes report.html through it.
expect_exit 0 'report: ' -- "$bin" certify --handler memory --level 1 --report "$work/report"
[[ -s "$work/report/report.html" ]] || fail "certify --report wrote no report.html"

# A moved installation: the data is no longer next to the binary.
mv "$data" "$work/moved-data"
expect_exit 2 "^sessionspec: data file 'scenarios' not found in $data \(next to the binary; set SESSIONSPEC_DATA_DIR" \
  -- "$bin" mutants --handler memory
expect_exit 2 "oracle/harness.php' not found" -- "$bin" oracle "$work/moved-data/scenarios/gist/1-open-write-close.scn"
expect_exit 0 'scenarios=' -- env SESSIONSPEC_DATA_DIR="$work/moved-data" "$bin" mutants --handler memory
lines=$("$bin" certify --handler memory --level 1 2>&1 >/dev/null | wc -l)
[[ $lines -eq 1 ]] || fail "$lines lines"

# No source path compiled in: none of the source folders appears as a string of the binary
# (debug information, which names source files, is stripped first).
strip --strip-debug -o "$work/stripped" "$bin"
hits=$(strings -n 6 "$work/stripped" | grep -Fx -e "$src" -e "$src/scenarios" -e "$src/oracle" \
       -e "$src/reports" -e "$src/adapters" | head -n 3)
[[ -z "$hits" ]] || fail "the installed binary names the source tree: $hits"

finish "the installed sessionspec"
