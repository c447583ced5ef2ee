#!/bin/sh
# Issue #14, D13: a table refuses a new session once it is full, with ErrorCode::capacity; that is
# its documented, declared limit (Guarantees::store.sessions_max), not a wrong answer. `check` used
# to call it non-conformance. The user's rows= is used as given (the verbs used to force
# rows=512 and drop dir=).
#   d13_table_capacity_test.sh SESSIONSPEC
set -u
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cat >"$dir/two-sessions.scn" <<'EOS'
# Two browsers, one session each: a one-row table stores the first and refuses the second.
scenario d13-two-sessions
request cookie=none
  session_start
  set a 1
  session_write_close
  expect result true
request cookie=none
  session_start
  set b 2
  session_write_close
EOS
out=$("$bin" check "$dir/two-sessions.scn" --handler "table:d13-$$?rows=1&dir=$dir/table" 2>&1)
rc=$?
[ "$rc" -eq 0 ] || fail "check on a one-row table exited $rc, expected 0: $out"
[ -d "$dir/table" ] || fail "the table's files did not go to the dir= given"
left=$(find "$dir/table" -mindepth 1 | wc -l)
[ "$left" -eq 0 ] || fail "the passing scenario left $left entries in dir="
echo "ok: the full table's refusal is its declared limit; dir= and rows= were used as given"
