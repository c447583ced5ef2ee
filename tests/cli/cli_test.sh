#!/usr/bin/env bash
# The sessionspec command line: exit codes (0 ok, 1 conformance, 2 input), one-line errors that
# name the bad thing, nothing written outside the save path, --help on every verb.
# Usage: cli_test.sh SESSIONSPEC_BINARY SOURCE_DIR
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
bin=$1
src=$2
scratch=$out

gist=("$src"/scenarios/gist/*.scn)
expect_exit 0 'Usage|usage' -- "$bin" --help
expect_exit 0 '^sessionspec [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]+(-dirty)?|unknown)\)$' -- "$bin" --version
expect_exit 0 'scenario' -- "$bin" run --help
expect_exit 0 'scenario' -- "$bin" check --help
expect_exit 2 "unknown engine 'php-9'" -- "$bin" run "${gist[0]}" --engine php-9
expect_exit 2 "unknown handler 'nosuch'" -- "$bin" check "${gist[0]}" --handler nosuch
expect_exit 2 "--ini frobnicate=1: unknown option 'frobnicate'" -- "$bin" run "${gist[0]}" --ini frobnicate=1
expect_exit 2 "--ini: expected KEY=VALUE" -- "$bin" run "${gist[0]}" --ini lazy_write
expect_exit 2 "missing.scn: cannot open scenario file" -- "$bin" run "$scratch/missing.scn"
printf 'request\n  session_start\n  session_bogus\n' >"$scratch/bad.scn"
expect_exit 2 "bad.scn:3: unknown script call 'session_bogus'" -- "$bin" check "$scratch/bad.scn"
expect_exit 2 "variant: unknown variant 'huge'" -- "$bin" run "${gist[0]}" --variant huge
expect_exit 2 "files: save path $scratch/nodir" -- "$bin" check "${gist[0]}" --handler "files:$scratch/nodir"
expect_exit 2 "unknown mutant 'nope'" -- "$bin" check "${gist[0]}" --handler "mutant:nope+memory"
expect_exit 2 "format" -- "$bin" run "${gist[0]}" --format xml
# Issue #14, D18: handler URIs the docs refuse are refused before anything runs (both ran before).
mkdir -p "$scratch/d18"
expect_exit 2 "unknown parameter 'fresh'" -- "$bin" check "${gist[0]}" --handler "files:$scratch/d18?fresh=1"
expect_exit 2 "sqlite URI: ':memory:'" -- "$bin" check "${gist[0]}" --handler "sqlite::memory:"
rmdir "$scratch/d18"

# Conformance: the shipped scenarios pass on memory and files; a broken handler fails with exit 1.
mkdir "$scratch/sessions"
expect_exit 0 "passed, 0 failed" -- "$bin" check "${gist[@]}" --handler "files:$scratch/sessions"
expect_exit 1 "FAIL .*php-destroy-restart" -- "$bin" check "$src"/scenarios/php/*.scn --handler "mutant:destroy-noop+memory"
expect_exit 1 "replay: sessionspec check" -- "$bin" check "$src"/scenarios/php/*.scn --handler "mutant:destroy-noop+memory"

# Nothing outside the save path: only per-scenario directories appear inside it.
outside=$(find "$scratch" -mindepth 1 -maxdepth 1 ! -name sessions ! -name bad.scn | wc -l)
[[ $outside -eq 0 ]] || fail "files outside the save path"

# A malformed id in a scenario reaches the files handler, which refuses it and creates nothing.
printf 'request cookie=none\n  session_id "../../escape"\n  session_start\n  expect result false\n' >"$scratch/evil.scn"
expect_exit 0 "1 passed" -- "$bin" check "$scratch/evil.scn" --handler "files:$scratch/sessions"
[[ ! -e "$scratch/escape" && -z "$(find "$scratch" -name 'sess_*escape*')" ]] || fail "a malformed id created a file"

# JSON traces are valid JSON, one object per line, schema version 1.
"$bin" run "${gist[@]}" --format json >"$scratch/trace.jsonl"
/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["v"] == 1 and e["kind"] in ("run", "request", "script", "handler", "response")
' "$scratch/trace.jsonl" || fail "json trace"

# The judge compares what PHP shows, not only the handler's answers: an engine that misreports
# session_status(), session_id() or the Set-Cookie line fails `check` (exit 1) and the failure
# names what differed; the same scenario with the correct engine passes.
printf 'scenario first-visit\nrequest cookie=none\n  session_start\n  set foo "bar"\n  session_write_close\n' \
  >"$scratch/first-visit.scn"
expect_exit 0 'PASS|pass' -- "$bin" check "$scratch/first-visit.scn"
expect_exit 1 'session_status\(\)' -- "$bin" check "$scratch/first-visit.scn" --engine mutant:status-none+php-8.2
expect_exit 1 'session_id\(\)' -- "$bin" check "$scratch/first-visit.scn" --engine mutant:id-suffixed+php-8.2
expect_exit 1 '^    expected: ' -- "$bin" check "$scratch/first-visit.scn" --engine mutant:id-suffixed+php-8.2
expect_exit 1 'Set-Cookie' -- "$bin" check "$scratch/first-visit.scn" --engine mutant:no-set-cookie+zealphp
expect_exit 2 "engine mutant 'lies' is unknown" -- "$bin" check "$scratch/first-visit.scn" --engine mutant:lies+php-8.2
expect_exit 2 "unknown engine 'php-9'" -- "$bin" check "$scratch/first-visit.scn" --engine mutant:status-none+php-9

finish "the command line"
