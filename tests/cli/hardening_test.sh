#!/usr/bin/env bash
# Hostile and broken input on the command line (issue #14: D8, D9, D10, D11, D12, D18): every
# check is named after the defect it pins down. Bad input is exit 2 with ONE line on stderr that
# names the option or file; nothing runs forever; nothing exits with a signal.
# Usage: hardening_test.sh SESSIONSPEC_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
scratch=$(mktemp -d)
redis_pid=
cleanup() {
  [[ -n $redis_pid ]] && kill -9 "$redis_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT
passed=0
failed=0
gist=$src/scenarios/gist/1-open-write-close.scn
race=$src/scenarios/races/two-tabs-counter.scn

# refused NAME PATTERN -- COMMAND...: exit 2 within 60 s, exactly one stderr line matching
# PATTERN.
refused() {
  local name=$1 pattern=$2
  shift 3
  local err rc
  err=$(timeout 60 "$@" 2>&1 >/dev/null)
  rc=$?
  if [[ $rc -eq 2 && $(printf '%s\n' "$err" | wc -l) -eq 1 ]] && grep -qE -- "$pattern" <<<"$err"
  then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED $name: $* -> exit $rc (want 2 and one line matching '$pattern'):"
    printf '%s\n' "$err" | head -5
  fi
}

# D8: every numeric option of every verb has a range.
refused D8_CertifyCasesNegative "--cases: value '-1' is not an integer in 1\.\.100000" -- \
  "$bin" certify --handler memory --cases -1
refused D8_CertifyCasesHuge "--cases: value '2147483647'" -- \
  "$bin" certify --handler memory --cases 2147483647
refused D8_CertifySchedulesNegative "--schedules" -- "$bin" certify --handler memory --schedules -1
refused D8_CertifyLevelZero "--level" -- "$bin" certify --handler memory --level 0
refused D8_CertifyProcessSchedulesZero "--process-schedules" -- \
  "$bin" certify --handler php:files --process-schedules 0
refused D8_CertifyBlockMsHuge "--block-ms" -- "$bin" certify --handler php:files --block-ms 99999999
refused D8_ExploreSchedulesNegative "--schedules: value '-1'" -- "$bin" explore "$race" --schedules -1
refused D8_ExploreSchedulesHex "--schedules: value '0x10'" -- "$bin" explore "$race" --schedules 0x10
refused D8_ExploreStepsMaxZero "--steps-max" -- "$bin" explore "$race" --steps-max 0
refused D8_MutantsCasesZero "--cases" -- "$bin" mutants --cases 0
refused D8_OracleSchedulesNegative "--schedules" -- "$bin" oracle "$gist" --schedules -1
for verb in run check; do
  refused "D8_${verb}SeedOverflow" "--seed: value '18446744073709551616'" -- \
    "$bin" $verb "$gist" --seed 18446744073709551616
done

# D9: no vacuous passes.
refused D9_OnlyTypo "--only L3.race.two-tabs-countr: matches no row" -- \
  "$bin" certify --handler memory --only L3.race.two-tabs-countr
refused D9_OnlyAboveLevel "--only L3: matches no row at --level 1" -- \
  "$bin" certify --handler memory --only L3 --level 1
out=$(timeout 120 "$bin" certify --handler "exec:php $src/tests/certify/fixtures/false_handler.php" \
  --only L3.race.race-two-tabs-counter --schedules 3 2>/dev/null)
rc=$?
if [[ $rc -eq 1 ]] && grep -q "fail .*no schedule left a session" <<<"$out"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAILED D9_HandlerThatStoresNothing: exit $rc (want 1), output:"
  printf '%s\n' "$out" | tail -4
fi

# D10: an unusable handler is an input error before anything runs; a handler found hung is
# remembered and its remaining rows are decided at once.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
dead=$(free_port)
refused D10_UnreachableRedisAtStart "--handler redis://127.0.0.1:$dead: unusable: .*Connection refused" -- \
  "$bin" certify --handler "redis://127.0.0.1:$dead"
# The exec child's own shell may print a line too: count sessionspec's lines only.
err=$("$bin" certify --handler exec:/nonexistent/handler 2>&1 >/dev/null)
rc=$?
if [[ $rc -eq 2 && $(grep -c '^sessionspec:' <<<"$err") -eq 1 ]] && grep -q "unusable: exec handler" <<<"$err"
then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAILED D10_BrokenExecCommand: exit $rc, stderr: $err"
fi
# The rows after the first at level 3: the other L1 folders (gist, lesson, php and one per
# folder under php/), the three engine profiles of the contract, and one per race scenario.
later_rows() {
  local families races
  families=$(find "$src/scenarios/php" -mindepth 1 -maxdepth 1 -type d | wc -l)
  races=$(find "$src/scenarios/races" -maxdepth 1 -name '*.scn' | wc -l)
  # L1 gist, lesson, php and its families; L2's three profiles and create-sid; the races.
  echo $((3 + families + 4 + races - 1))
}
start=$(date +%s)
out=$(timeout 120 "$bin" certify --cases 10 --schedules 5 \
  --handler "exec:php $src/tests/certify/fixtures/hang_later_handler.php?timeout_ms=1500" 2>/dev/null)
rc=$?
took=$(($(date +%s) - start))
if [[ $rc -eq 1 && $took -lt 60 ]] && grep -q "L1.gist .*fail .*the handler is unusable" <<<"$out" &&
  [[ $(grep -c "error .*not run: exec:hang_later_handler.php was found unusable" <<<"$out") -eq \
    $(($(later_rows))) ]]
then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAILED D10_HangRemembered: exit $rc (want 1) after ${took}s (want < 60), output:"
  printf '%s\n' "$out" | head -8
fi

# D12: a Redis server that dies during explore is an infrastructure error (exit 3, or 2 when it
# is gone before the first schedule), never "found a violation".
port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --logfile '' \
  --dir "$scratch" >/dev/null 2>&1 &
redis_pid=$!
disown "$redis_pid"
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
(sleep 1; kill -9 "$redis_pid") &
killer=$!
out=$(timeout 120 "$bin" explore "$race" --handler "redis://127.0.0.1:$port?mode=none" \
  --schedules 10000000 2>"$scratch/explore.err")
rc=$?
wait "$killer"
if [[ ($rc -eq 3 || $rc -eq 2) && $(grep -c '^sessionspec:' "$scratch/explore.err") -eq 1 ]] &&
  grep -qi "connect" "$scratch/explore.err" && ! grep -q "found a violation" <<<"$out"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAILED D12_ExploreRedisKilled: exit $rc (want 3 or 2), stdout:"
  printf '%s\n' "$out" | head -3
  head -3 "$scratch/explore.err"
fi

# D11: output write errors are errors; nothing claims success.
refused D11_CertifyJunitDirectory "--junit: cannot write '$scratch': Is a directory" -- \
  "$bin" certify --handler memory --junit "$scratch"
refused D11_CertifyReportOnAFile "--report: cannot write to '/dev/full'" -- \
  "$bin" certify --handler memory --report /dev/full
for verb in run check; do
  refused "D11_${verb}TraceDevFull" "--trace: cannot write '/dev/full'" -- \
    "$bin" $verb "$gist" --trace /dev/full
done
refused D11_ExploreTraceDevFull "--trace: cannot write '/dev/full'" -- \
  "$bin" explore "$race" --replay 0 --trace /dev/full
refused D11_ExploreTraceNoDirectory "--trace: cannot write '$scratch/none/t.jsonl'" -- \
  "$bin" explore "$race" --trace "$scratch/none/t.jsonl"
refused D11_MutantsJsonDirectory "--json: cannot write '$scratch'" -- \
  "$bin" mutants --json "$scratch"
out=$("$bin" certify --handler memory --level 1 --junit /dev/full 2>"$scratch/err")
rc=$?
if [[ $rc -eq 2 ]] && grep -q "^sessionspec: --junit: cannot write '/dev/full'" "$scratch/err" &&
  ! grep -q "^report:" <<<"$out"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAILED D11_CertifyJunitDevFull: exit $rc (want 2): $(tail -2 "$scratch/err")"
fi

# D18: bad input accepted or misreported.
refused D18_DirectoryAsScenarioCheck "scenarios/gist: is a directory, not a scenario file" -- \
  "$bin" check "$src/scenarios/gist"
refused D18_DirectoryAsScenarioExplore "is a directory" -- "$bin" explore "$src/scenarios/races"
refused D18_DirectoryAsScenarioOracle "is a directory" -- "$bin" oracle "$src/scenarios/gist"
refused D18_CertifySeedNegative "--seed: value '-1'" -- "$bin" certify --handler memory --seed -1
refused D18_ExploreReplayWithSchedules "--replay excludes --schedules|--schedules excludes" -- \
  "$bin" explore "$race" --replay 0 --schedules 5
refused D18_OracleTimeoutZero "--timeout: value '0'" -- "$bin" oracle "$gist" --timeout 0
refused D18_CertifyScenariosNonexistent "--scenarios: /nonexistent/gist is not a directory" -- \
  "$bin" certify --handler memory --scenarios /nonexistent

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
