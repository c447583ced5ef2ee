#!/usr/bin/env bash
# phpredis's `rediscluster` session module in real php8.2-cli against a real Redis Cluster
# (3 masters, 3 replicas: the ctest fixture `redis_cluster`, ci/redis-cluster.sh; its seed nodes in
# REDIS_CLUSTER_SEEDS as HOST:PORT,...): sessions land on the master of their hash slot, and
# `sessionspec certify --handler php:rediscluster://...` gives, row by row, the verdicts
# docs/certified-handlers.md explains.
#   tests/php/certify_cluster_test.sh build/cli/sessionspec SOURCE_DIR
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
bin=$1
cd "$2" || exit 1
[ -n "${REDIS_CLUSTER_SEEDS:-}" ] || { echo "REDIS_CLUSTER_SEEDS is not set (the redis_cluster fixture)"; exit 1; }
prefix="sessionspec-test-$$:"
first=${REDIS_CLUSTER_SEEDS%%,*}
first_port=${first##*:}
cleanup() {
  # The probe's keys, wherever they are (certify removes its own).
  # (One key a command: the two hash to different slots, and DEL of both would be CROSSSLOT.)
  for id in probe-a probe-b; do redis-cli -c -p "$first_port" del "$prefix$id" >/dev/null 2>&1; done
  rm -rf "$out"
}
trap cleanup EXIT
php=(php -n -d extension=igbinary.so -d extension=redis.so)

# ---- where a session lives -------------------------------------------------------------------
# One request through the module (the harness, real-engine mode) writes session ID; the key must
# then be on the master that owns its hash slot: a plain GET there (no -c: no redirection
# followed) returns the data.
seed_list=""
IFS=, read -r -a seeds <<<"$REDIS_CLUSTER_SEEDS"
for s in "${seeds[@]}"; do seed_list+="seed[]=$s&"; done
save_path="${seed_list}prefix=$prefix"
write_session() {
  local id=$1 program=$out/$1.json
  cat >"$program" <<EOF
{"variant": "sessionhandler", "module": "rediscluster", "fresh": false, "cookie": "$id",
 "ini": {"save_path": "$save_path"},
 "calls": [{"op": "session_start"}, {"op": "set", "key": "who", "value": "s:${#id}:\"$id\";"}]}
EOF
  "${php[@]}" oracle/harness.php "$program" >"$out/$id.trace" 2>&1 ||
    fail "the harness could not write session $id: $(tail -n 3 "$out/$id.trace")"
}
# The master serving `key`, as 127.0.0.1:PORT, from the cluster's own slot table (CLUSTER NODES:
# "ID HOST:PORT@BUS FLAGS MASTER PING PONG EPOCH STATE SLOT-RANGE...").
master_of() {
  local slot
  slot=$(redis-cli -p "$first_port" cluster keyslot "$1")
  redis-cli -p "$first_port" cluster nodes | awk -v slot="$slot" '
    $3 ~ /master/ {
      for (i = 9; i <= NF; i++) {
        n = split($i, r, "-")
        if (n == 1) r[2] = r[1]
        if (slot + 0 >= r[1] + 0 && slot + 0 <= r[2] + 0) { sub(/@.*/, "", $2); print $2 }
      }
    }'
}
masters=()
for id in probe-a probe-b; do
  write_session "$id"
  where=$(master_of "$prefix$id")
  [ -n "$where" ] || { fail "no master owns the slot of $prefix$id"; continue; }
  masters+=("$where")
  got=$(redis-cli -p "${where##*:}" get "$prefix$id")
  [ "$got" = "who|s:7:\"$id\";" ] || fail "$prefix$id on its master $where is '$got'"
  ttl=$(redis-cli -p "${where##*:}" ttl "$prefix$id")
  [ "$ttl" -gt 1000 ] 2>/dev/null || fail "$prefix$id has TTL '$ttl', expected gc_maxlifetime (1440)"
done
echo "probe-a and probe-b were stored on masters ${masters[*]}"

# ---- certify ---------------------------------------------------------------------------------
# verdicts NAME: "property verdict" per JUnit testcase of run NAME (pass/finding from system-out,
# fail from failure); parsing it also proves the file is well-formed XML.
verdicts() {
  python3 - "$out/$1.xml" >"$out/$1.verdicts" <<'PY' || fail "$1: the JUnit XML does not parse"
import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).iter("testcase"):
    if case.find("failure") is not None:
        verdict = "fail"
    else:
        verdict = (case.findtext("system-out") or "?").split(":")[0]
    print(case.get("name"), verdict)
PY
}
# certify NAME EXPECTED_EXIT ARGS...: one certify run (report and counterexamples under $out).
# The cluster module takes no lock, so no PHP process ever waits inside it: a generous --block-ms
# costs nothing and keeps a slow machine from taking a busy process for a blocked one (which
# would change the schedules).
certify() {
  local name=$1 want=$2
  shift 2
  "$bin" certify --block-ms 2000 --junit "$out/$name.xml" --report "$out/$name" "$@" \
    >"$out/$name.txt" 2>&1
  local rc=$?
  [ "$rc" -eq "$want" ] || { fail "certify $* exited $rc, expected $want"; cat "$out/$name.txt"; }
  verdicts "$name"
}
# expect NAME PROPERTY VERDICT
expect() {
  local got
  got=$(awk -v p="$2" '$1 == p { print $2 }' "$out/$1.verdicts")
  [ "$got" = "$3" ] || fail "$1: $2 is '${got:-missing}', expected '$3'"
}
uri="php:rediscluster://$REDIS_CLUSTER_SEEDS"

# phpredis's defaults (no locking): the verdicts of phpredis on one server without locking.
certify nolock 1 --handler "$uri" --cases 20
cat "$out/nolock.txt"
expect nolock L1.gist pass
expect nolock L1.lesson pass
# gc() answers -1 (session_gc() false), and ids outside [A-Za-z0-9,-] are stored.
expect nolock L1.php fail
expect nolock L1.php.api pass
expect nolock L1.php.shutdown pass
# Fault lines judge PHP's reaction to a failing handler, not a module: real-engine mode skips them.
expect nolock L1.php.failures skip
expect nolock L2.generated fail
grep -q "handler answer to gc(" "$out/nolock.txt" || fail "nolock: L2 does not fail on gc's answer"
# No lock: concurrent requests overwrite each other's whole session (last-writer-wins allows it).
for race in disjoint-keys flash-messages logout-undone read-only-lazy-off regenerate-concurrent \
  response-before-store strict-mode-bypass strict-mode-held two-tabs-counter unset-resurrected; do
  expect nolock "L3.race.race-$race" finding
done
for race in clobbered-shared-session gc-mid-request; do
  expect nolock "L3.race.race-$race" pass
done
# One row per L1 folder (gist, lesson, php, each folder under php/), L2.generated, one per race.
rows=$((3 + $(find scenarios/php -mindepth 1 -maxdepth 1 -type d | wc -l) + 1 +
  $(find scenarios/races -maxdepth 1 -name '*.scn' | wc -l)))
[ "$(wc -l <"$out/nolock.verdicts")" -eq "$rows" ] ||
  fail "nolock: $(wc -l <"$out/nolock.verdicts") rows, expected $rows"

# phpredis's lock settings, even a lock that waits forever, are ignored in cluster mode: the two
# tabs' update is lost although the configuration asks for a lock (phpredis #2836). On one
# server the same settings serialise the tabs (certify_php).
certify locked 1 --handler "$uri?locking=1&lock_retries=-1" --only L1.gist \
  --only L3.race.race-two-tabs-counter
expect locked L3.race.race-two-tabs-counter fail
grep -q "lost-update" "$out/locked.txt" || fail "locked: two tabs, no lost update: $(cat "$out/locked.txt")"
# ... and so session_reset(), which deadlocks phpredis's lock on one server, passes here.
expect locked L1.gist pass

# Nothing of certify's is left in the cluster: every master's keys under sessionspec-PID- prefixes.
for s in "${seeds[@]}"; do
  left=$(redis-cli -p "${s##*:}" --scan --pattern 'sessionspec-[0-9]*' | grep -v "^$prefix" | head -n 3)
  [ -z "$left" ] || fail "certify left keys on $s: $left"
done

finish "certify on phpredis's rediscluster module"
