# Sourced by the shell tests (bash): what each of them otherwise starts and ends with.
#   $out            a scratch directory, removed when the test exits (a test that needs more
#                   clean-up sets its own EXIT trap and removes "$out" there too)
#   fail MESSAGE    counts a failed check and says which
#   expect_exit CODE PATTERN -- COMMAND...
#                   runs COMMAND: its exit code must be CODE and its stdout+stderr must match
#                   the extended regular expression PATTERN
#   finish LABEL    ends the test: exit 0 with "LABEL: all checks passed" when nothing failed,
#                   exit 1 with the number of failed checks otherwise
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

finish() {
  if [ "$failures" -eq 0 ]; then
    echo "$1: all checks passed"
    exit 0
  fi
  echo "$1: $failures check(s) failed"
  exit 1
}

expect_exit() {
  local code=$1 pattern=$2
  shift 3
  local output rc
  output=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $code ]] || ! grep -qE -- "$pattern" <<<"$output"; then
    fail "$* -> exit $rc (want $code, output matching '$pattern'), output:"
    echo "$output" | tail -n 5
  fi
}
