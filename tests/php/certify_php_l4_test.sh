#!/usr/bin/env bash
# certify --level 4 on PHP targets (issue #17): the request's php8.2-cli process is SIGKILLed at a
# scheduling point, its lock orphaned. PHP's files module gives the flock back at process exit
# (pass); phpredis's lock without a lease (php-cli's max_execution_time is 0) is never given back,
# and the row ends within its bound naming the fault, with a replay line that reproduces it; with
# lock_expire_s the lease recovers it (pass); a user's flock class passes. The phpredis part needs
# REDIS_PORT (the ctest fixture).
#   tests/php/certify_php_l4_test.sh build/cli/sessionspec SOURCE_DIR
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
bin=$1
cd "$2" || exit 1
kill_row=L4.fault.killed-between-read-and-close

# row NAME PROPERTY: the verdict column of PROPERTY's row in certify's table ($out/NAME.txt),
# whose property column may be cut short.
row() {
  awk -v p="$2" 'length($2) > 20 && index(p, $2) == 1 { print $3; exit }' "$out/$1.txt"
}

# certify NAME EXPECTED_EXIT ARGS...
certify() {
  local name=$1 want=$2
  shift 2
  "$bin" certify --level 4 --process-schedules 6 --report "$out/$name" "$@" \
    >"$out/$name.txt" 2>&1
  local rc=$?
  [ "$rc" -eq "$want" ] || { fail "certify $* exited $rc, expected $want"; cat "$out/$name.txt"; }
}

# PHP's files module: every row it can suffer (a crash) passes, the rest are skipped with why.
certify files 0 --handler php:files --only L4
[ "$(row files $kill_row)" = pass ] || fail "php:files $kill_row: $(cat "$out/files.txt")"
grep -q "crash.*process-exit\|process-exit.*crash" "$out/files.txt" ||
  fail "php:files: the row names no crash and no declared recovery: $(cat "$out/files.txt")"
grep -q "skip.*crash fault only" "$out/files.txt" ||
  fail "php:files: no row skipped as 'crash fault only': $(cat "$out/files.txt")"
python3 - "$out/files/certificate.json" <<'PY' || fail "php:files: crashes did not strike"
import json, sys
cert = json.load(open(sys.argv[1]))
rows = {r["property"]: r for r in cert["verdicts"]}
row = rows["L4.fault.killed-between-read-and-close"]
assert row["verdict"] == "pass" and row["evidence"].startswith("6 schedules with faults crash"), row
assert rows["L4.fault.ci4-8567-read-failure-wipes"]["verdict"] == "skip", rows
# A scenario that names stall and crash: the row says it injected the crash alone.
lease = rows["L4.fault.redis-lock-lease-expiry"]
assert lease["evidence"].startswith("6 schedules with faults crash;"), lease
PY

# A user's flock class: the kernel gives its lock back too.
certify flock 0 --handler php:class:adapters/php/classes/flock.php --only $kill_row
[ "$(row flock $kill_row)" = pass ] || fail "flock class $kill_row: $(cat "$out/flock.txt")"

if [ -n "${REDIS_PORT:-}" ]; then
  redis="php:redis://127.0.0.1:$REDIS_PORT"
  # No lease: the killed holder's lock stays, the next request waits for it; the row ends (the
  # deadlock bound) naming the fault, and its replay line reproduces it.
  start=$(date +%s)
  certify forever 1 --handler "$redis?locking=1&lock_retries=-1" --only $kill_row
  took=$(($(date +%s) - start))
  [ "$took" -le 120 ] || fail "the orphaned-lock row took $took s"
  [ "$(row forever $kill_row)" = fail ] || fail "redis no lease: $(cat "$out/forever.txt")"
  grep -q "after fault [0-9]*\.[0-9]*:crash" "$out/forever.txt" ||
    fail "the failing row does not name the fault: $(cat "$out/forever.txt")"
  line=$(sed -n 's/^ *replay: //p' "$out/forever.txt" | head -1)
  case "$line" in
    "sessionspec oracle "*"--faults crash --replay "*":crash"*) ;;
    *) fail "replay line '$line' is not an oracle line with a crash in its schedule" ;;
  esac
  (eval "\"$bin\" ${line#sessionspec }") >"$out/replay.txt" 2>&1
  rc=$?
  [ "$rc" -eq 1 ] || fail "the replay line exited $rc, want 1: $(tail -5 "$out/replay.txt")"
  grep -q ":crash.*FAIL" "$out/replay.txt" ||
    fail "the replay does not fail: $(cat "$out/replay.txt")"
  # A lease of 1 s: the lock comes back, the session is usable again.
  certify lease 0 --handler "$redis?locking=1&lock_retries=-1&lock_expire_s=1" --only $kill_row
  [ "$(row lease $kill_row)" = pass ] || fail "redis lease: $(cat "$out/lease.txt")"
  grep -q "lease(1000 ms)" "$out/lease.txt" ||
    fail "redis lease not declared: $(cat "$out/lease.txt")"
else
  echo "REDIS_PORT not set: the phpredis part is skipped"
fi

finish "certify level 4 on PHP targets"
