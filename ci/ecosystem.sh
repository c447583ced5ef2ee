#!/usr/bin/env bash
# Certifies the PHP ecosystem's session handlers (docs/certified-handlers.md, "The PHP
# ecosystem"): every configuration of adapters/php/ecosystem/configurations.txt, in one
# `sessionspec certify` run in real php8.2-cli, against a private redis-server and memcached on
# 127.0.0.1 that this script starts and stops (ports REDIS_PORT / MEMCACHED_PORT, default
# 6393 / 11393; no persistence).
#   bash ci/ecosystem.sh [certify options]     # e.g. --report out/ecosystem --junit out/eco.xml
# Expects a build (ci/build.sh; BUILD_DIR, default build) and the packages of ci/install-deps.sh.
# Exit status: certify's (0 only when every configuration holds every mandatory property, which
# none of them does: the table in the docs explains each failure). About 20 minutes on 2 busy
# cores; on a loaded machine add --block-ms 1000 (docs/certified-handlers.md, "P").
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD_DIR:-build}/cli/sessionspec
redis_port=${REDIS_PORT:-6393}
memcached_port=${MEMCACHED_PORT:-11393}
state=$(mktemp -d)

stop_servers() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  bash ci/memcached.sh stop "$memcached_port" "$state" || true
  rm -rf "$state"
}
trap stop_servers EXIT

# One --handler per configuration: `NEEDS BOOTSTRAP?PARAMETERS` lines, comments skipped.
handlers=()
while read -r needs config; do
  [[ -z "$needs" || "$needs" == \#* ]] && continue
  handlers+=(--handler "php:class:adapters/php/ecosystem/$config")
done <adapters/php/ecosystem/configurations.txt

redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$state" --logfile /dev/null
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
bash ci/memcached.sh start "$memcached_port" "$state"

REDIS_PORT=$redis_port MEMCACHED_PORT=$memcached_port "$bin" certify "${handlers[@]}" "$@"
