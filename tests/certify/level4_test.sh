#!/usr/bin/env bash
# certify --level 4 end to end (issue #17): a failing L4 row prints a replay line that the
# binary reproduces when the line is run as printed; the certificate with L4 rows validates
# against docs/certificate.schema.json and the report draws them; a correct handler passes.
#   tests/certify/level4_test.sh build/cli/sessionspec SOURCE_DIR
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
bin=$1
src=$2

# CodeIgniter4 #8567 as a mutant: the L4 row fails on no-wipe with a replay line.
"$bin" certify --handler mutant:read-empty-on-failure+memory --level 4 \
  --only L4.fault.ci4-8567-read-failure-wipes --schedules 50 --report "$out/mutant" \
  >"$out/mutant.txt" 2>&1
code=$?
[ "$code" -eq 1 ] || fail "certify of the mutant exited $code, want 1: $(tail -5 "$out/mutant.txt")"
grep -q "L4.fault.ci4-8567-read-failure-wip *fail *no-wipe" "$out/mutant.txt" ||
  fail "no failing no-wipe row: $(cat "$out/mutant.txt")"
line=$(sed -n 's/^ *replay: //p' "$out/mutant.txt" | head -1)
case "$line" in
  "sessionspec explore "*"--faults fail"*"--replay "*) ;;
  *) fail "replay line '$line' is not an explore line with faults and a schedule" ;;
esac
# The line as printed, with this build's binary for `sessionspec`.
(cd "$src" && eval "\"$bin\" ${line#sessionspec }") >"$out/replay.txt" 2>&1
code=$?
[ "$code" -eq 1 ] || fail "the replay line exited $code, want 1: $(tail -5 "$out/replay.txt")"
grep -q "no-wipe" "$out/replay.txt" || fail "the replay does not show no-wipe: $(cat "$out/replay.txt")"

/usr/bin/python3 - "$src/docs/certificate.schema.json" "$out/mutant/certificate.json" <<'PY' ||
import json, sys
from jsonschema import Draft202012Validator
cert = json.load(open(sys.argv[2]))
errors = list(Draft202012Validator(json.load(open(sys.argv[1]))).iter_errors(cert))
for e in errors:
    print(f"schema: {'/'.join(map(str, e.path))}: {e.message}")
assert not errors
assert cert["level_requested"] == 4, cert["level_requested"]
faults = cert["handler_details"][0]["guarantees"]["faults"]
assert faults["recovery"] == "none" and faults["failed_write"] == "unchanged", faults
(row,) = cert["verdicts"]
assert row["level"] == 4 and row["verdict"] == "fail", row
PY
  fail "the L4 certificate does not validate or lacks the declared fault behaviour"
grep -q "L4.fault.ci4-8567-read-failure-wipes" "$out/mutant/report.html" 2>/dev/null ||
  fail "the report does not show the L4 row"

# A correct handler: every L4 row passes or does not apply.
"$bin" certify --handler memory --level 4 --only L4 --schedules 30 >"$out/memory.txt" 2>&1 ||
  fail "certify memory --level 4 exited $?: $(tail -12 "$out/memory.txt")"
[ "$(grep -c "^memory *L4\.fault\." "$out/memory.txt")" -eq 8 ] ||
  fail "memory has not 8 L4 rows: $(cat "$out/memory.txt")"

finish "certify level 4"
