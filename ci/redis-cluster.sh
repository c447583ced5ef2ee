#!/usr/bin/env bash
# A throwaway Redis Cluster on loopback: 3 masters and 3 replicas, for certifying phpredis's
# `rediscluster` session module (`php:rediscluster://...`, docs/certify.md). Used by ctest as the
# `redis_cluster` fixture (tests/CMakeLists.txt) and by hand:
#
#   ci/redis-cluster.sh start [--first-port N] [--dir DIR]   # nodes on 127.0.0.1:N..N+5
#   ci/redis-cluster.sh stop  [--first-port N] [--dir DIR]   # stop them, remove DIR
#   ci/redis-cluster.sh seeds [--first-port N]               # 127.0.0.1:N,127.0.0.1:N+1,...
#
# N defaults to 7101; each node also uses its cluster bus port N+10000. DIR (default
# /tmp/sessionspec-redis-cluster-N) holds one directory per node (nodes.conf, log, pid); nothing
# is persisted (no RDB, no AOF). `start` first stops a cluster this script left in DIR, then
# fails with one line naming why when a port is taken or the cluster does not come up within
# its bounds; whatever it started is stopped again then. Exit 0 on success, 1 on failure, 2 on
# bad arguments.
set -euo pipefail

nodes=6
replicas=1
# Bounds, each with its unit. The nodes answer PING within about 100 ms; `--cluster create`
# takes about 3 s (it waits for the nodes to agree on the configuration).
ping_timeout_s=10
create_timeout_s=60
state_ok_timeout_s=30
stop_timeout_s=10
node_timeout_ms=5000

die() { echo "redis-cluster: $*" >&2; exit 1; }
usage() {
  echo "redis-cluster: $* (usage: $0 start|stop|seeds [--first-port N] [--dir DIR])" >&2
  exit 2
}

[ $# -ge 1 ] || usage "missing command"
cmd=$1
shift
first_port=7101
dir=
while [ $# -gt 0 ]; do
  case "$1" in
    --first-port) [ $# -ge 2 ] || usage "--first-port needs a value"; first_port=$2; shift 2 ;;
    --dir) [ $# -ge 2 ] || usage "--dir needs a value"; dir=$2; shift 2 ;;
    *) usage "unknown argument '$1'" ;;
  esac
done
case "$first_port" in
  ''|*[!0-9]*) usage "--first-port '$first_port' is not a port number" ;;
esac
# The bus ports (+10000) must be valid ports too.
if [ "$first_port" -lt 1 ] || [ $((first_port + nodes - 1 + 10000)) -gt 65535 ]; then
  usage "--first-port $first_port: the ports N..N+$((nodes - 1)) and their bus ports +10000 must be 1..65535"
fi
dir=${dir:-/tmp/sessionspec-redis-cluster-$first_port}
ports=()
for i in $(seq 0 $((nodes - 1))); do ports+=($((first_port + i))); done

seeds() {
  local out=() p
  for p in "${ports[@]}"; do out+=("127.0.0.1:$p"); done
  (IFS=,; echo "${out[*]}")
}

# True while the node whose pid file is $1 still runs.
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_nodes() {
  local p pidfile i
  for p in "${ports[@]}"; do
    pidfile=$dir/$p/redis.pid
    alive "$pidfile" || continue
    timeout "${stop_timeout_s}s" redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
    for i in $(seq $((stop_timeout_s * 10))); do alive "$pidfile" || break; sleep 0.1; done
    # A node that ignored SHUTDOWN within the bound is ended; it holds nothing worth keeping.
    if alive "$pidfile"; then kill -9 "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  rm -rf "$dir"
}

# Fails the start: stops what was started, says why in one line.
fail_start() {
  stop_nodes
  die "$*"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_nodes() {
  local p
  for p in "${ports[@]}"; do
    mkdir -p "$dir/$p"
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout "$node_timeout_ms" \
      --save '' --appendonly no --daemonize yes --dir "$dir/$p" \
      --logfile "$dir/$p/redis.log" --pidfile "$dir/$p/redis.pid" >/dev/null \
      || fail_start "redis-server on 127.0.0.1:$p did not start (see $dir/$p/redis.log)"
  done
}

wait_ping() {
  local p i
  for p in "${ports[@]}"; do
    for i in $(seq $((ping_timeout_s * 10))); do
      redis-cli -p "$p" ping >/dev/null 2>&1 && continue 2
      sleep 0.1
    done
    fail_start "redis-server on 127.0.0.1:$p does not answer PING after ${ping_timeout_s} s (see $dir/$p/redis.log)"
  done
}

create_cluster() {
  local addrs=() p
  for p in "${ports[@]}"; do addrs+=("127.0.0.1:$p"); done
  timeout "${create_timeout_s}s" redis-cli --cluster create "${addrs[@]}" \
    --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 \
    || fail_start "redis-cli --cluster create failed or took more than ${create_timeout_s} s: $(tail -n 1 "$dir/create.log" | tr -d '\033')"
}

wait_state_ok() {
  local p i
  for p in "${ports[@]}"; do
    for i in $(seq $((state_ok_timeout_s * 10))); do
      redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && continue 2
      sleep 0.1
    done
    fail_start "node 127.0.0.1:$p does not report cluster_state:ok after ${state_ok_timeout_s} s"
  done
}

case "$cmd" in
  seeds) seeds ;;
  stop) stop_nodes ;;
  start)
    command -v redis-server >/dev/null || die "redis-server is not installed (apt-get install redis-server)"
    command -v redis-cli >/dev/null || die "redis-cli is not installed (apt-get install redis-tools)"
    stop_nodes
    for p in "${ports[@]}" $(for q in "${ports[@]}"; do echo $((q + 10000)); done); do
      port_taken "$p" && die "port $p on 127.0.0.1 is in use: cannot start a cluster node there"
    done
    start_nodes
    wait_ping
    create_cluster
    wait_state_ok
    echo "redis cluster up: $(seeds) (3 masters, 3 replicas; $dir)"
    ;;
  *) usage "unknown command '$cmd'" ;;
esac
