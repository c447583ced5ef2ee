#!/usr/bin/env bash
# Sharding (docs/scale-out.md): 4 shards of a campaign, merged, equal the unsharded run with the
# same seed, compared row by row (shard_compare.py); bad --shard values and sets of shards that
# are not one campaign are one-line errors, exit 2.
# Usage: shard_test.sh SESSIONSPEC_BINARY SOURCE_DIR certify|mutants|explore|differential|refusals
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
bin=$1
src=$2
what=$3
tmp=$out

# campaign NAME ARGS...: the unsharded run into $tmp/NAME-whole (ARGS may use @OUT@), 4 shards
# into $tmp/NAME-1..4, the merge into $tmp/NAME-merged; the exit codes must agree.
campaign() {
  local name=$1
  shift
  local whole_args=("${@//@OUT@/$tmp/$name-whole}")
  "$bin" "${whole_args[@]}" >"$tmp/$name-whole.log" 2>&1
  local whole_rc=$?
  if [[ $whole_rc -gt 1 ]]; then
    fail "$name unsharded exit $whole_rc"
    tail -5 "$tmp/$name-whole.log"
  fi
  local dirs=()
  for i in 1 2 3 4; do
    local args=("${@//@OUT@/$tmp/$name-$i}")
    "$bin" "${args[@]}" --shard "$i/4" >"$tmp/$name-$i.log" 2>&1
    local rc=$?
    [[ $rc -le 1 ]] || { fail "$name shard $i/4 exit $rc"; tail -5 "$tmp/$name-$i.log"; }
    grep -q "shard=$i/4" "$tmp/$name-$i.log" || fail "$name shard $i/4 does not print shard="
    dirs+=("$tmp/$name-$i")
  done
  # Shards in any order: merge sorts them.
  "$bin" merge "${dirs[3]}" "${dirs[1]}" "${dirs[0]}" "${dirs[2]}" --out "$tmp/$name-merged" \
    >"$tmp/$name-merge.log" 2>&1
  local merge_rc=$?
  [[ $merge_rc -eq $whole_rc ]] ||
    { fail "$name merge exit $merge_rc, unsharded $whole_rc"; cat "$tmp/$name-merge.log"; }
}

compare() {
  /usr/bin/python3 "$src/tests/cli/shard_compare.py" "$@" || fail "compare $*"
}

# expect_refusal PATTERN COMMAND...: exit 2 and one line on stderr matching PATTERN.
expect_refusal() {
  local pattern=$1
  shift
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [[ $rc -ne 2 || $(wc -l <<<"$err") -ne 1 ]] || ! grep -qE -- "$pattern" <<<"$err"; then
    fail "$* -> exit $rc (want 2), stderr: $err"
  fi
}

case $what in
  certify)
    # Three handlers, every level, small budgets: rows of L1, L2 and L3 (with race evidence).
    campaign cert certify --handler memory --handler 'mutant:close-resurrects+memory' \
      --handler table:shards --level 3 --cases 5 --schedules 20 --seed 7 --report @OUT@ \
      --junit @OUT@/junit.xml
    # The shards' own JUnit files are not asked for; merge writes OUT/junit.xml.
    compare certify "$tmp/cert-whole" "$tmp/cert-merged"
    ;;
  mutants)
    campaign mut mutants --handler memory --cases 20 --seed 3 --json @OUT@.json --out @OUT@
    compare mutants "$tmp/mut-whole.json" "$tmp/mut-merged"
    ;;
  explore)
    # No violation (a locking store), and a violation the shards find at different indices.
    campaign exok explore "$src/scenarios/races/two-tabs-counter.scn" --strategy random \
      --schedules 400 --seed 5 --out @OUT@
    compare explore "$tmp/exok-whole" "$tmp/exok-merged"
    campaign exbad explore "$src/scenarios/races/clobbered-shared-session.scn" \
      --engine shared-array --strategy sticky --schedules 400 --seed 5 --out @OUT@
    compare explore "$tmp/exbad-whole" "$tmp/exbad-merged"
    grep -q '"violation": {' "$tmp/exbad-merged/explore.json" || fail "exbad: no violation"
    ;;
  differential)
    # Real PHP, small: a campaign where the model agrees, and one under PHP 5's life-cycle
    # (php-legacy), which PHP 8.2 disagrees with: the earliest difference, shrunk, must win.
    campaign dok oracle --generated 16 --seed 11 --out @OUT@
    compare differential "$tmp/dok-whole" "$tmp/dok-merged"
    campaign dbad oracle --generated 40 --seed 11 --engine php-legacy --out @OUT@
    compare differential "$tmp/dbad-whole" "$tmp/dbad-merged"
    grep -q '"difference": {' "$tmp/dbad-merged/differential.json" ||
      fail "dbad: no difference"
    ;;
  refusals)
    for bad in 0/4 5/4 x 1/0 auto/x; do
      expect_refusal "--shard '$bad'" "$bin" mutants --handler memory --shard "$bad" --out "$tmp/r"
      expect_refusal "--shard '$bad'" "$bin" certify --handler memory --shard "$bad" \
        --report "$tmp/r"
    done
    expect_refusal "JOB_COMPLETION_INDEX" env -u GTEST_SHARD_INDEX -u JOB_COMPLETION_INDEX \
      "$bin" certify --handler memory --shard auto --report "$tmp/r"
    expect_refusal "give --report" "$bin" certify --handler memory --shard 1/2
    expect_refusal "give --out" "$bin" mutants --handler memory --shard 1/2
    expect_refusal "give --out" "$bin" oracle --generated 4 --shard 1/2
    expect_refusal "--generated N" "$bin" oracle "$src/scenarios/gist/1-open-write-close.scn" \
      --generated 4
    expect_refusal "strategy portfolio" "$bin" explore "$src/scenarios/races/two-tabs-counter.scn" \
      --shard 1/2 --out "$tmp/r"
    # Shards that are not one campaign.
    run_shard() {  # run_shard DIR SEED SPEC
      "$bin" certify --handler memory --level 1 --only L1.gist --seed "$2" --shard "$3" \
        --report "$1" >/dev/null 2>&1
    }
    run_shard "$tmp/a1" 1 1/2
    run_shard "$tmp/a2" 1 2/2
    run_shard "$tmp/b2" 2 2/2
    run_shard "$tmp/c1" 1 1/3
    GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=2 "$bin" certify --handler memory --level 1 \
      --only L1.gist --seed 1 --shard auto --report "$tmp/g2" >/dev/null 2>&1
    "$bin" merge "$tmp/a1" "$tmp/a2" --out "$tmp/ok" >/dev/null || fail "merge a1 a2"
    "$bin" merge "$tmp/a1" "$tmp/g2" --out "$tmp/ok2" >/dev/null || fail "merge a1 g2 (auto)"
    expect_refusal "seed 2, not 1" "$bin" merge "$tmp/a1" "$tmp/b2" --out "$tmp/m"
    expect_refusal "shard 2/2 is missing" "$bin" merge "$tmp/a1" --out "$tmp/m"
    expect_refusal "given twice" "$bin" merge "$tmp/a1" "$tmp/a2" "$tmp/g2" --out "$tmp/m"
    expect_refusal "one of 3 shards" "$bin" merge "$tmp/a1" "$tmp/c1" --out "$tmp/m"
    expect_refusal "no shard record" "$bin" merge "$tmp/a1" "$tmp/nowhere" --out "$tmp/m"
    "$bin" mutants --handler memory --cases 5 --mutant destroy-noop --shard 2/2 --out "$tmp/m2" \
      >/dev/null 2>&1
    expect_refusal "not of .certify." "$bin" merge "$tmp/a1" "$tmp/m2" --out "$tmp/m"
    sed -i 's/"commit": "[^"]*"/"commit": "0123456789ab"/' "$tmp/a2/shard.json"
    expect_refusal "commit 0123456789ab" "$bin" merge "$tmp/a1" "$tmp/a2" --out "$tmp/m"
    ;;
  *) echo "shard_test.sh: unknown part '$what'"; exit 2 ;;
esac
finish "shard_test ($what)"
