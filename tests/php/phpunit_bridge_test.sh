#!/usr/bin/env bash
# The PHPUnit bridge (adapters/phpunit/, README "Certify your PHP handler"): phpunit runs
# `sessionspec certify` on the handler a test class returns and makes each certificate row a
# test. A correct handler passes; a broken one fails the row's test with its evidence and a
# replay line that reproduces it; a finding is a skipped test that says so; an unusable handler
# or a missing sessionspec is a PHPUnit error, never a pass. Exits 77 (skipped) without phpunit.
#   tests/php/phpunit_bridge_test.sh build/cli/sessionspec SOURCE_DIR
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$2" || exit 1
command -v phpunit >/dev/null || { echo "phpunit is not installed (ci/install-deps.sh)"; exit 77; }
export SESSIONSPEC_BIN=$bin SESSIONSPEC_BOOTSTRAP_DIR=$out/bootstraps

# phpunit_run NAME EXPECTED_EXIT: phpunit on tests/php/phpunit/NAME.php, output in $out/NAME.txt
phpunit_run() {
  phpunit --verbose --do-not-cache-result --bootstrap adapters/phpunit/autoload.php \
    --log-junit "$out/$1.xml" "tests/php/phpunit/$1.php" >"$out/$1.txt" 2>&1
  local rc=$?
  [ "$rc" -eq "$2" ] || { fail "phpunit $1 exited $rc, expected $2"; cat "$out/$1.txt"; }
}
# has NAME TEXT: phpunit's output for NAME contains TEXT
has() {
  grep -qF -- "$2" "$out/$1.txt" || { fail "$1: the output lacks '$2'"; cat "$out/$1.txt"; }
}

# A correct handler: L1's rows and L2's, passing tests.
phpunit_run FlockFileHandlerTest 0
for row in L1.gist L1.lesson L1.php L2.generated; do
  grep -q "name=\"testCertificateRow with data set &quot;$row&quot;\"" \
    "$out/FlockFileHandlerTest.xml" || fail "FlockFileHandlerTest: no passing test for $row"
done

# A broken handler: L1.php fails with the row's evidence and a replay line that reproduces it.
phpunit_run CaseFoldHandlerTest 1
has CaseFoldHandlerTest 'with data set "L1.php"'
has CaseFoldHandlerTest "fail: php:class:CaseFoldHandlerTest.php L1.php"
has CaseFoldHandlerTest "id-exact-match"
has CaseFoldHandlerTest "Failures: 1,"
line=$(sed -n 's/^replay: //p' "$out/CaseFoldHandlerTest.txt" | head -1)
if [ -z "$line" ]; then
  fail "CaseFoldHandlerTest: no replay line"
else
  eval "$line" >"$out/replay.txt" 2>&1
  rc=$?
  [ "$rc" -eq 1 ] || { fail "the replay '$line' exited $rc, expected 1"; cat "$out/replay.txt"; }
  grep -q "id-exact-match" "$out/replay.txt" || fail "the replay does not rerun id-exact-match"
fi

# A finding (a lost update last-writer-wins allows) is a skipped test that says so.
phpunit_run ExpireOnReadFindingTest 0
# (The handler's name carries the guarantee the test class declares: `?concurrency=...`.)
has ExpireOnReadFindingTest "finding: php:class:ExpireOnReadFindingTest.php?concurrency="
has ExpireOnReadFindingTest "lost-update (allowed by the declared guarantee)"
has ExpireOnReadFindingTest "Skipped: 1"

# An unusable handler and a missing sessionspec are errors (exit 2), not passes.
phpunit_run UnusableHandlerTest 2
has UnusableHandlerTest "no database configured"
SESSIONSPEC_BIN=$out/no-such-sessionspec phpunit_run FlockFileHandlerTest 2
has FlockFileHandlerTest "is not an executable file"
SESSIONSPEC_LEVEL=9 phpunit_run FlockFileHandlerTest 2
has FlockFileHandlerTest "option level (certifyOptions() or SESSIONSPEC_LEVEL): '9'"

finish "phpunit bridge"
