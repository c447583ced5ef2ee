#!/bin/sh
# Issue #14, D16: an exec handler runs in a process group of its own (so that it can be killed as
# a whole), which also puts it out of reach of the signals that end sessionspec. SIGTERM to
# sessionspec must still end the handler and whatever it started.
#   d16_exec_children_test.sh SESSIONSPEC SOURCE_DIR
set -u
bin=$1
src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# A handler that starts a helper, greets, then never answers a call.
cat >"$dir/handler.sh" <<'EOS'
sleep 300 &
echo $! >"$PIDFILE.tmp" && mv "$PIDFILE.tmp" "$PIDFILE"
read -r hello
printf '%s\n' '{"id":0,"ok":true,"result":{"protocol":"sessionspec-handler-protocol/1","methods":["open","close","read","write","destroy","gc"]}}'
exec sleep 300
EOS

# Live: the process exists and is not a zombie (nobody may reap orphans here).
live() {
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

PIDFILE=$dir/pid "$bin" check "$src/scenarios/gist/1-open-write-close.scn" --variant basic \
  --handler "exec:sh $dir/handler.sh?timeout_ms=60000" >/dev/null 2>&1 &
ss=$!
i=0
while [ ! -s "$dir/pid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$dir/pid" ] || fail "the handler never started"
helper=$(cat "$dir/pid")
live "$helper" || fail "the handler's helper is not running"
kill -TERM "$ss"
wait "$ss"
rc=$?
[ "$rc" -eq 143 ] || fail "sessionspec exited $rc after SIGTERM, expected 143 (the signal)"
i=0
while live "$helper" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if live "$helper"; then
  kill -KILL "$helper"
  fail "the exec handler's child $helper outlived sessionspec"
fi
echo "ok: SIGTERM ended sessionspec, its exec handler and the handler's child"
