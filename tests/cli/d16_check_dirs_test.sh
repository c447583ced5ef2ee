#!/bin/sh
# Issue #14, D16: `check --handler files:DIR` kept a scn-* directory for every scenario, passing or
# not. Now a passing scenario's directory goes; a failing one's stays and is printed.
#   d16_check_dirs_test.sh SESSIONSPEC SOURCE_DIR
set -u
bin=$1
src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

"$bin" check "$src"/scenarios/gist/*.scn --handler "files:$dir" >"$dir.out" 2>&1
rc=$?
out=$(cat "$dir.out")
rm -f "$dir.out"
[ "$rc" -eq 0 ] || fail "check of the gist on files exited $rc: $out"
left=$(find "$dir" -mindepth 1 -maxdepth 1 | wc -l)
[ "$left" -eq 0 ] || fail "$left scenario directories were left after a passing check"

# destroy-noop fails php-destroy-restart only: exactly its directory stays, and is named.
out=$("$bin" check "$src"/scenarios/php/*.scn --handler "mutant:destroy-noop+files:$dir" 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "check with destroy-noop exited $rc, expected 1"
kept=$(printf '%s\n' "$out" | sed -n 's/^  store kept: //p')
[ -n "$kept" ] || fail "no 'store kept:' line for the failing scenario: $out"
for d in $kept; do
  [ -d "$d" ] || fail "the printed directory $d does not exist"
  case "$d" in "$dir"/scn-*) ;; *) fail "kept directory $d is not a scn-* directory of $dir" ;; esac
done
failures=$(printf '%s\n' "$out" | grep -c '^FAIL ')
left=$(find "$dir" -mindepth 1 -maxdepth 1 | wc -l)
[ "$left" -eq "$failures" ] || fail "$left directories left for $failures failing scenarios"
echo "ok: passing scenarios leave nothing; $failures failing one(s) kept and printed"
