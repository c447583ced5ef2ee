#!/usr/bin/env bash
# The exec: adapter knows what php:class: knows (issue #16, item 5; docs/handler-protocol.md):
# adapters/php/serve.php in bootstrap form gets a fresh store (`fresh`), declares the class's
# guarantees in its greeting, runs one process per request so that locks contend, and keeps the
# handler's output off the protocol; a bad declaration is an input error naming it; a request
# that hangs is a `progress` failure naming the call, never an allowed finding.
#   tests/php/exec_serve_test.sh build/cli/sessionspec SOURCE_DIR
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
bin=$1
cd "$2" || exit 1
# Every scratch directory goes here, so that the end can check that none is left behind.
mkdir "$out/tmp"
export TMPDIR=$out/tmp
serve() { echo "exec:php adapters/php/serve.php $1"; }

races="--only L3.race.race-two-tabs-counter --only L3.race.race-work-after-close"

# The correct blocking-flock handler, one process per request: L1 in full and the lock races
# pass with `serialised` from its hello, as under php:class (certify_class_test.sh).
certify flock 0 --handler "$(serve adapters/php/classes/flock.php)" --only L1.gist \
  --only L1.lesson $races --schedules 6 --report "$out/flock-report"
for p in L1.gist L1.lesson L3.race.race-two-tabs-counter L3.race.race-work-after-close; do
  [ "$(row flock "$p")" = pass ] || fail "flock: $p is '$(row flock "$p")', expected pass"
done
grep -q "concurrency=serialised (the handler's hello)" "$out/flock.txt" ||
  fail "flock: the declared guarantee is not printed: $(grep -m1 concurrency "$out/flock.txt")"
python3 - "$out/flock-report/certificate.json" docs/certificate.schema.json <<'PY' ||
import json, sys
from jsonschema import Draft202012Validator
cert = json.load(open(sys.argv[1]))
Draft202012Validator(json.load(open(sys.argv[2]))).validate(cert)
h = cert["handler_details"][0]
assert h["guarantees"]["concurrency"] == "serialised", h
assert h["declared_by"] == {k: "the handler's hello" for k in
                            ("concurrency", "expiry", "id_bytes_max")}, h
assert sorted(h["assumed"]) == ["payload_bytes_max", "ttl_s"], h
PY
  fail "flock: certificate.json: schema or declarations"

# A lock that holds only inside one process: with a process per request it is no lock, and the
# lost update is a failure of the declared `serialised`, not an allowed finding.
certify local 1 --handler "$(serve adapters/php/broken/process-local-lock.php)" \
  --only L3.race.race-two-tabs-counter --schedules 6
[ "$(row local L3.race.race-two-tabs-counter)" = fail ] ||
  fail "process-local lock not caught: $(cat "$out/local.txt")"
grep -q "fail *lost-update" "$out/local.txt" || fail "process-local lock: not a lost update"
# Its replay line reproduces the failure.
line=$(sed -n 's/^ *replay: //p' "$out/local.txt" | head -1)
line=${line/#sessionspec/$bin}
eval "$line" >"$out/local.replay.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "process-local lock: the replay '$line' exited $rc, expected 1"

# A handler whose write() hangs: a progress failure naming the call.
certify hang 1 --handler "$(serve tests/php/handlers/hang-in-write.php)?timeout_ms=3000" \
  --only L3.race.race-two-tabs-counter --schedules 1
grep -q "fail *progress:.*write" "$out/hang.txt" || fail "hang: no progress failure: $(cat "$out/hang.txt")"

# ... and so is a handler process that hangs past its protocol timeout in a race, when every
# request is a session of one process (the class form): the row fails as `progress`.
certify hung 1 --handler "exec:php tests/certify/fixtures/hang_later_handler.php 9?timeout_ms=1000" \
  --only L3.race.race-two-tabs-counter --schedules 1
grep -q "fail *progress: the handler is unusable: exec handler" "$out/hung.txt" ||
  fail "hung class form: no progress failure: $(cat "$out/hung.txt")"

# What the handler and its bootstrap print goes to stderr, not into the protocol.
certify echo 0 --handler "$(serve tests/php/handlers/echoing.php)" --only L1.gist
[ "$(row echo L1.gist)" = pass ] || fail "echoing: L1.gist is '$(row echo L1.gist)'"
grep -q "EchoingHandler: reading" "$out/echo.txt" || fail "echoing: the handler's echo is lost"

# A declaration that is not one: exit 2, one line naming the field and the value.
certify bad 2 --handler "$(serve tests/php/handlers/bad-guarantee.php)"
grep -q "^sessionspec: .*hello guarantees: concurrency=eventual is not serialised" "$out/bad.txt" ||
  fail "bad guarantee: $(cat "$out/bad.txt")"

# The class form keeps working, declares nothing and runs in one process.
certify class 0 --handler "$(serve adapters/php/fixtures/PdoSqliteHandler.php) PdoSqliteHandler" \
  --only L1.gist
[ "$(row class L1.gist)" = pass ] || fail "class form: L1.gist is '$(row class L1.gist)'"
grep -q "the handler's hello" "$out/class.txt" && fail "class form: declares $(cat "$out/class.txt")"

# No scratch directory of a backend is left behind.
left=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 | wc -l)
[ "$left" -eq 0 ] || fail "$left scratch directories left: $(ls "$TMPDIR")"

finish exec_serve
