#!/usr/bin/env bash
# The main job on embedded defaults: install what is missing, build, start a private redis-server
# on 127.0.0.1 (port 6391, no persistence), run the mutant battery, certify every built-in handler
# (memory, files, table, sqlite in both lock modes, redis in all three modes) at level 4 (the
# fault catalogue included), and write the HTML report to out/report.html (plus certificate.json,
# junit.xml, mutants.json).
# Exit 0 when every handler holds every mandatory property.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh
bin=${BUILD_DIR:-build}/cli/sessionspec
out=${OUT_DIR:-out}
port=${REDIS_PORT:-6391}
mkdir -p "$out"
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$(mktemp -d)" --logfile /dev/null
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
status=0
"$bin" mutants --json "$out/mutants.json" || status=1
REDIS_PORT=$port "$bin" certify --all --level 4 --report "$out" --junit "$out/junit.xml" || status=1
exit $status
