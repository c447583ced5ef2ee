#!/usr/bin/env bash
# Issue #18, item 3 and 4: colour only on a terminal and never with NO_COLOR; --format json on
# stdout for check and certify (the human text on stderr); --fail-fast cuts check and certify
# short and says so; progress only on a terminal or with --progress, and never on stdout.
# Usage: output_test.sh SESSIONSPEC_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
cd "$src" || exit 2
passed=0
failed=0
scns=(scenarios/gist/*.scn scenarios/php/*.scn)
broken=mutant:destroy-noop+memory
esc=$'\033['

check() {  # check NAME CONDITION-EXIT-STATUS [OUTPUT...]
  local name=$1 ok=$2
  shift 2
  if [[ $ok -eq 0 ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED $name"
    printf '%s\n' "$@" | head -30
  fi
}

# Colour: none through a pipe, none with NO_COLOR on a terminal, some on a terminal.
out=$(NO_COLOR=1 "$bin" check "${scns[@]}" --handler "$broken" 2>&1 | cat)
[[ $out != *"$esc"* && $out == *FAIL* ]]
check NoColourWithNoColorAndAPipe $? "$out"
out=$("$bin" check "${scns[@]}" --handler "$broken" 2>&1 | cat)
[[ $out != *"$esc"* ]]
check NoColourThroughAPipe $? "$out"
# script(1) gives the command a pseudo-terminal.
out=$(script -qec "'$bin' check ${scns[*]} --handler $broken" /dev/null)
[[ $out == *"${esc}1;31mFAIL"* ]]
check ColourOnATerminal $? "$out"
out=$(NO_COLOR=1 script -qec "'$bin' check ${scns[*]} --handler $broken" /dev/null)
[[ $out != *"$esc"* ]]
check NoColourOnATerminalWithNoColor $? "$out"

# check --format json: one JSON object on stdout, the text on stderr.
json=$("$bin" check "${scns[@]}" --handler "$broken" --format json 2>/dev/null)
rc=$?
python3 - "$json" <<'PY'
import json, sys
doc = json.loads(sys.argv[1])
assert doc["verb"] == "check" and doc["failed"] >= 1 and doc["not_run"] == 0, doc
bad = [s for s in doc["scenarios"] if s["verdict"] == "fail"]
assert bad and all(s["replay"].startswith("sessionspec check ") and s["failure"] for s in bad)
assert len(doc["scenarios"]) == doc["passed"] + doc["failed"]
PY
[[ $? -eq 0 && $rc -eq 1 ]]
check CheckJsonOnStdout $? "$json"
err=$("$bin" check "${scns[@]}" --handler "$broken" --format json 2>&1 >/dev/null)
[[ $err == *"FAIL "* && $err == *"replay: sessionspec check"* ]]
check CheckJsonTextOnStderr $? "$err"

# check --fail-fast: stops after the first failing scenario.
out=$("$bin" check "${scns[@]}" --handler "$broken" --fail-fast 2>&1)
rc=$?
[[ $rc -eq 1 && $(grep -c '^FAIL ' <<<"$out") -eq 1 && $out == *"cut short by --fail-fast"* ]]
check CheckFailFast $? "$out"

# certify --format json: the certificate on stdout; --fail-fast marks it cut short.
json=$("$bin" certify --handler memory --level 1 --format json 2>/dev/null)
rc=$?
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["outcome"]=="certified" and "cut_short" not in d, d' "$json"
[[ $? -eq 0 && $rc -eq 0 ]]
check CertifyJsonOnStdout $? "$json"
json=$("$bin" certify --handler "$broken" --level 1 --fail-fast --format json 2>/dev/null)
rc=$?
python3 - "$json" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["cut_short"] is True and d["outcome"] != "certified", d
rows = d["verdicts"]
first = next(i for i, r in enumerate(rows) if r["verdict"] == "fail")
later = rows[first + 1:]
assert later and all(r["evidence"].startswith("not run: --fail-fast") for r in later), rows
assert all(r["replay"].startswith("sessionspec certify ") for r in later), rows
PY
[[ $? -eq 0 && $rc -eq 1 ]]
check CertifyFailFastCutShort $? "$json"

# Progress: with --progress and no terminal, counted lines on stderr; without it, none.
err=$("$bin" certify --handler memory --level 1 --progress 2>&1 >/dev/null)
[[ $err =~ certify:\ [0-9]+/[0-9]+\ rows && $err != *$'\r'* ]]
check CertifyProgressWithFlag $? "$err"
err=$("$bin" certify --handler memory --level 1 2>&1 >/dev/null)
[[ $err != *rows,* ]]
check CertifyNoProgressWhenPiped $? "$err"
out=$("$bin" certify --handler memory --level 1 --progress --format json 2>/dev/null)
python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out"
check ProgressNeverInTheJsonStream $? "$out"

# An unusable handler is an input error for every verb that runs one: exit 2, one line naming it.
for verb in "check ${scns[0]}" "explore scenarios/races/two-tabs-counter.scn" "mutants"; do
  # shellcheck disable=SC2086 # the verb and its scenario are two words
  err=$(timeout 60 "$bin" $verb --handler exec:/nonexistent/handler 2>&1 >/dev/null)
  rc=$?
  # The child's own complaint (sh: not found) may precede it: one line of sessionspec's.
  mine=$(grep '^sessionspec:' <<<"$err")
  [[ $rc -eq 2 && $(wc -l <<<"$mine") -eq 1 &&
    $mine == "sessionspec: --handler exec:/nonexistent/handler: "*"exec handler"* ]]
  check "UnusableHandlerIsAnInputError(${verb%% *})" $? "exit $rc" "$err"
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
