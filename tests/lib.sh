# Sourced by the shell tests (bash): what each of them otherwise starts and ends with.
#   $out            a scratch directory, removed when the test exits (a test that needs more
#                   clean-up sets its own EXIT trap and removes "$out" there too)
#   fail MESSAGE    counts a failed check and says which
#   expect_exit CODE PATTERN -- COMMAND...
#                   runs COMMAND: its exit code must be CODE and its stdout+stderr must match
#                   the extended regular expression PATTERN
#   certify NAME EXPECTED_EXIT ARGS...
#                   runs "$bin" certify ARGS, its output in $out/NAME.txt; another exit code
#                   is a failure (tests that certify differently define their own)
#   row NAME PROPERTY
#                   the verdict column of PROPERTY's row in certify's table $out/NAME.txt
#   replays NAME PROPERTY WORD
#                   the replay line under PROPERTY's row exits 1 and prints WORD
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

certify() {
  local name=$1 want=$2
  shift 2
  "$bin" certify "$@" >"$out/$name.txt" 2>&1
  local rc=$?
  [ "$rc" -eq "$want" ] || { fail "certify $* exited $rc, expected $want"; cat "$out/$name.txt"; }
}

row() { awk -v p="$2" '$2 == p { print $3; exit }' "$out/$1.txt"; }

replays() {
  local line rc
  line=$(grep -A1 " $2 " "$out/$1.txt" | sed -n 's/^ *replay: //p' | head -1)
  [ -n "$line" ] || { fail "$1: $2 has no replay line"; return; }
  line=${line/#sessionspec/$bin}
  eval "$line" >"$out/$1.replay.txt" 2>&1
  rc=$?
  [ "$rc" -eq 1 ] || fail "$1: the replay '$line' exited $rc, expected 1"
  grep -q "$3" "$out/$1.replay.txt" || { fail "$1: the replay does not show $3"; cat "$out/$1.replay.txt"; }
}
