#!/usr/bin/env bash
# A throwaway memcached on 127.0.0.1 for the tests and the ecosystem run (the memcached
# counterpart of the redis-server the ctest fixture starts): no UDP, 16 MiB, one daemon per port.
#   ci/memcached.sh start PORT DIR   # starts it (pid file DIR/memcached-PORT.pid), waits until
#                                    # it answers (at most 5 s), exit 1 if it does not
#   ci/memcached.sh stop PORT DIR    # stops the daemon of that pid file (a no-op without one)
# The port must be free: a memcached already there (of another run) is not ours to stop.
set -euo pipefail

usage() {
  echo "usage: ci/memcached.sh start|stop PORT DIR" >&2
  exit 2
}
[[ $# -eq 3 ]] || usage
action=$1 port=$2 dir=$3
[[ "$port" =~ ^[0-9]+$ && "$port" -ge 1 && "$port" -le 65535 ]] || {
  echo "ci/memcached.sh: port '$port' is not 1..65535" >&2
  exit 2
}
pidfile="$dir/memcached-$port.pid"

# answers: memcached on 127.0.0.1:$port replies to "version" (bash's /dev/tcp, 1 s bound).
answers() {
  timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf 'version\r\n' >&3 &&
    head -c 8 <&3 | grep -q VERSION" 2>/dev/null
}

stop() {
  [[ -f "$pidfile" ]] || return 0
  local pid
  pid=$(cat "$pidfile")
  rm -f "$pidfile"
  # Only the daemon this script started: its pid file names it, and it must still be memcached.
  if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == memcached ]]; then
    kill "$pid"
    for _ in $(seq 50); do
      [[ -d "/proc/$pid" ]] || return 0
      sleep 0.1
    done
    echo "ci/memcached.sh: memcached $pid did not stop within 5 s" >&2
    return 1
  fi
}

case "$action" in
  start)
    mkdir -p "$dir"
    stop
    if answers; then
      echo "ci/memcached.sh: 127.0.0.1:$port is already served by another memcached" >&2
      exit 1
    fi
    user=()
    # memcached refuses to run as root without -u; the pid file is written after it switches.
    [[ $(id -u) -ne 0 ]] || user=(-u root)
    memcached -l 127.0.0.1 -p "$port" -U 0 -m 16 -t 2 -d -P "$pidfile" "${user[@]}"
    for _ in $(seq 50); do
      answers && exit 0
      sleep 0.1
    done
    echo "ci/memcached.sh: memcached on 127.0.0.1:$port did not answer within 5 s" >&2
    stop || true
    exit 1
    ;;
  stop) stop ;;
  *) usage ;;
esac
