#!/usr/bin/env bash
# Hostile and broken input on the command line (issue #14: D8, D9, D10, D11, D12, D18): every
# check is named after the defect it pins down. Bad input is exit 2 with ONE line on stderr that
# names the option or file; nothing runs forever; nothing exits with a signal.
# Usage: hardening_test.sh SESSIONSPEC_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
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
